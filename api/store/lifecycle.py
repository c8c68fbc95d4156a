"""The store's part for the placement lifecycle (issue 17): early ends, outcomes and follow-ups
of ended placements, each row with who and when (migration 4). The latest row of a key counts;
every row is kept as history. Mixed into `SqliteStore`; the SQL is the portable subset."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING, Any

from api.store.protocol import Conflict, NotFound
from api.store.rows import now

# kind → (table, the columns a caller gives); names from this module only, never from input
LIFECYCLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "end": ("placement_ends", ("end_week", "reason")),
    "outcome": ("outcomes", ("end_week", "outcome", "note")),
    "followup": ("followups", ("end_week", "months_after", "still_employed", "followup_date")),
}
COMMON = ("client_id", "placement_id", "provider_id")


class LifecycleStore:
    """Lifecycle records of a week, written on one of its done runs while the week has no
    next week yet (after that they could no longer travel with the snapshot: 409)."""

    if TYPE_CHECKING:

        def _tx(self) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...
        def _read(self) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...
        @staticmethod
        def _insert(conn: Any, table: str, **values: Any) -> int: ...

    def add_lifecycle(
        self,
        kind: str,
        run_id: int,
        records: list[dict[str, Any]],
        by_name: str,
        by_token: int | None,
    ) -> list[dict[str, Any]]:
        """Record ends / outcomes / follow-ups on `run_id`, all in one transaction (all or none);
        an end of a client already ended in the week is a Conflict there, so two requests at
        once cannot both end one placement. The stored rows as dicts."""
        table, columns = LIFECYCLE[kind]
        with self._tx() as conn:
            run = conn.execute(
                "SELECT id, instance_id, status FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
            if run is None:
                raise NotFound("error.run.not_found", id=run_id)
            if run["status"] != "done":
                raise Conflict("error.lifecycle.run_not_done", id=run_id, status=run["status"])
            later = conn.execute(
                "SELECT id, week FROM instances WHERE parent_instance_id = ? ORDER BY id LIMIT 1",
                (run["instance_id"],),
            ).fetchone()
            if later is not None:
                raise Conflict(
                    "error.lifecycle.next_week_built", week=later["week"], instance=later["id"]
                )
            names = ("instance_id", "run_id", *COMMON, *columns, "by_name", "by_token", "at")
            out = []
            for values in records:
                if kind == "end":
                    self._not_ended(conn, run["instance_id"], values)
                row = {
                    "instance_id": run["instance_id"],
                    "run_id": run_id,
                    **{c: values[c] for c in (*COMMON, *columns)},
                    "by_name": by_name,
                    "by_token": by_token,
                    "at": now(),
                }
                new = self._insert(conn, table, **{n: row[n] for n in names})  # the store's INSERT
                out.append({"id": new, **row})
            return out

    @staticmethod
    def _not_ended(conn: Any, instance_id: int, values: dict[str, Any]) -> None:
        """Conflict when the client's placement is already ended in the week."""
        ended = conn.execute(
            "SELECT id FROM placement_ends WHERE instance_id = ? AND client_id = ? LIMIT 1",
            (instance_id, values["client_id"]),
        ).fetchone()
        if ended is not None:
            raise Conflict(
                "error.end.already", client=values["client_id"], placement=values["placement_id"]
            )

    def lifecycle(self, kind: str, instance_id: int) -> list[dict[str, Any]]:
        """Every `kind` record of an instance's week, oldest first."""
        table, _ = LIFECYCLE[kind]
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT * FROM {table} WHERE instance_id = ? ORDER BY id", (instance_id,)
            )
            return [{k: r[k] for k in r.keys()} for r in rows]
