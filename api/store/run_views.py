"""A done run's precomputed answers (summary, proposals per provider, explanations per client),
stored as bytes beside its allocation so read routes serve them without recomputing.

Each view carries the `stamp` of the run's finish (`finished_at`): a restarted run finishes
with a new stamp, and views of an older finish are neither served nor kept. Plain SQL only, so
another store can reuse the mixin over its own `_tx`/`_read` connections.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any


class RunViewsMixin:
    """`put_run_views` and `run_view` for a store with `_tx()` and `_read()` connections."""

    def _tx(self) -> AbstractContextManager[Any]:  # provided by the store
        raise NotImplementedError

    def _read(self) -> AbstractContextManager[Any]:  # provided by the store
        raise NotImplementedError

    def put_run_views(self, run_id: int, stamp: str, views: Mapping[str, bytes]) -> bool:
        """Store `views` (name → bytes) of run `run_id` as finished at `stamp`, replacing views
        of the same names and dropping those of other finishes; False (nothing written) when
        the run is no longer done with that stamp (restarted meanwhile)."""
        with self._tx() as conn:
            row = conn.execute(
                "SELECT status, finished_at FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
            if row is None or row[0] != "done" or row[1] != stamp:
                return False
            conn.execute("DELETE FROM run_views WHERE run_id = ? AND stamp <> ?", (run_id, stamp))
            items = list(views.items())
            for chunk in _chunks([name for name, _ in items], 500):
                marks = ", ".join("?" * len(chunk))
                conn.execute(
                    f"DELETE FROM run_views WHERE run_id = ? AND name IN ({marks})",
                    (run_id, *chunk),
                )
            conn.executemany(
                "INSERT INTO run_views (run_id, name, stamp, data) VALUES (?, ?, ?, ?)",
                [(run_id, name, stamp, data) for name, data in items],
            )
            return True

    def run_view(self, run_id: int, name: str, stamp: str) -> bytes | None:
        """The stored view `name` of run `run_id` as finished at `stamp`, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT data FROM run_views WHERE run_id = ? AND name = ? AND stamp = ?",
                (run_id, name, stamp),
            ).fetchone()
            return bytes(row[0]) if row else None


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
