"""Storage of the API service: tokens, instances, runs, allocations and decisions.

`SqliteStore` is the `Store` (api.store.protocol) implementation over the standard library's sqlite3 (one file). Every write is one
transaction (`BEGIN IMMEDIATE` … `COMMIT`), and the rules that must hold under concurrency (an
instance is frozen once a run of it is published; a run is finished only by the worker that
claimed it) are checked inside that transaction. The schema is Alembic's (`migrations.py`),
upgraded on start-up.

Blobs live in the database: an instance is stored as the zip of its FORMAT.md folder
(`instance_files.data`, BLOB) and a finished run's allocation.json as text
(`allocations.data`), so a backup is one file and an upload is either wholly there or not.
The SQL is the portable subset (no SQLite-only functions); `open_store` picks the store by URL.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from api.store.connections import ThreadConnections
from api.store.lifecycle import LifecycleStore
from api.store.migrations import sqlite_transaction, upgrade
from api.store.protocol import Conflict, NotFound, TooMany
from api.store.publish import STOPPED, publish_conflict
from api.store.rows import (
    DECISION_COLUMNS,
    FINISHED,
    INSTANCE_COLUMNS,
    RESTARTABLE,
    RUN_COLUMNS,
    DecisionRow,
    InstanceRow,
    NewInstance,
    RunRow,
    TokenRow,
    decision_row,
    instance_row,
    now,
    run_row,
    token_row,
)
from api.store.run_views import RunViewsMixin

_INTERRUPTED = "status = 'interrupted', finished_at = ?, error = ?"


def _insert(conn: sqlite3.Connection, table: str, **values: Any) -> int:
    """INSERT one row of `values` (column → value; names from this module, never from input)
    into `table`; its new id."""
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cur = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values()))
    return int(cur.lastrowid or 0)


class SqliteStore(LifecycleStore, RunViewsMixin):
    """`Store` over one SQLite file (WAL journal, a reused connection per thread: thread-safe
    and usable from the worker processes at the same time)."""

    def __init__(self, path: str | Path, lock_timeout: float = 30.0):
        self.path = str(path)
        self.lock_timeout = lock_timeout  # seconds a write waits for another writer
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conns = ThreadConnections(self._connect)

    # ------------------------------------------------------------------ plumbing
    _insert = staticmethod(_insert)
    # SQL suffixes for databases with row locks (PostgreSQL); SQLite's IMMEDIATE transactions
    # already give one writer at a time
    _LOCK_ROW = ""
    _SKIP_LOCKED = ""
    reads_on_loop = True  # a read on an open connection: ~15 µs, never waits for a writer (WAL)

    def _connect(self) -> sqlite3.Connection:
        # used by one thread at a time (connections.py), closed from another at close()
        conn = sqlite3.connect(
            self.path, timeout=self.lock_timeout, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(self.lock_timeout * 1000)}")
        return conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """Reads in one transaction on this thread's reused connection (ended before the call
        returns, so the next read sees every later commit)."""
        with self._conns.use() as conn, self._transaction(conn, "BEGIN"):
            yield conn

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: taken at once (IMMEDIATE) so checks and writes see one state."""
        with self._conns.use() as conn, self._transaction(conn, "BEGIN IMMEDIATE"):
            yield conn

    @staticmethod
    @contextlib.contextmanager
    def _transaction(conn: sqlite3.Connection, begin: str) -> Iterator[None]:
        conn.execute(begin)
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _claim_tx(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """The transaction a worker claims a run in (the same as any write here)."""
        return self._tx()

    def close(self) -> None:
        """Close this process's connections (a later call opens new ones)."""
        self._conns.close_all()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _claimed(self, run_id: int) -> None:
        """Called inside the claim transaction: nothing here (a worker's liveness is its pid)."""

    def migrate(self) -> int:
        """Create or upgrade the schema (Alembic: api/store/migrations.py); the revision now."""
        with self.migration_transaction() as conn:
            return upgrade(conn)

    def migration_transaction(self) -> contextlib.AbstractContextManager[Any]:
        """The SQLAlchemy connection migrations run on, in one write transaction."""
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent; not inside a transaction
        finally:
            conn.close()
        return sqlite_transaction(self.path, self.lock_timeout)

    def ping(self) -> None:
        with self._read() as conn:
            conn.execute("SELECT 1").fetchone()

    def ping_write(self) -> None:
        """A real committed write (the schema revision rewritten unchanged): raises when the
        database is read-only, locked for long or its disk is full."""
        with self._tx() as conn:
            conn.execute("UPDATE alembic_version SET version_num = version_num")

    # ------------------------------------------------------------------ tokens
    def add_token(
        self,
        name: str,
        role: str,
        region: str | None,
        providers: tuple[str, ...],
        token_hash: str,
        expires_at: str | None = None,
    ) -> TokenRow:
        with self._tx() as conn:
            new = self._insert(
                conn,
                "tokens",
                name=name,
                role=role,
                region=region,
                providers=json.dumps(list(providers)),
                token_hash=token_hash,
                created_at=now(),
                expires_at=expires_at,
            )
            row = conn.execute("SELECT * FROM tokens WHERE id = ?", (new,)).fetchone()
            return token_row(row)

    def token_by_hash(self, token_hash: str) -> TokenRow | None:
        """The active token with this hash: not revoked and not expired (ISO times compare as
        text, all in UTC with a Z)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT * FROM tokens WHERE token_hash = ? AND revoked_at IS NULL "
                "AND (expires_at IS NULL OR expires_at > ?)",
                (token_hash, now()),
            ).fetchone()
            return token_row(row) if row else None

    def list_tokens(self) -> list[TokenRow]:
        with self._read() as conn:
            return [token_row(r) for r in conn.execute("SELECT * FROM tokens ORDER BY id")]

    def revoke_token(self, token_id: int) -> bool:
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now(), token_id),
            )
            return cur.rowcount == 1

    # ------------------------------------------------------------------ instances
    def _insert_instance(self, conn: sqlite3.Connection, new: NewInstance) -> InstanceRow:
        instance_id = self._insert(
            conn,
            "instances",
            name=new.name,
            week=new.week,
            region=new.region,
            source=new.source,
            parent_instance_id=new.parent_instance_id,
            parent_run_id=new.parent_run_id,
            created_at=now(),
            created_by=new.created_by,
            sha256=new.sha256,
            size=len(new.data),
            providers=json.dumps(list(new.providers)),
            counts=json.dumps(new.counts),
        )
        self._insert(conn, "instance_files", instance_id=instance_id, data=new.data)
        return self._get_instance(conn, instance_id)

    @staticmethod
    def _get_instance(conn: sqlite3.Connection, instance_id: int) -> InstanceRow:
        row = conn.execute(
            f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE id = ?", (instance_id,)
        ).fetchone()
        return instance_row(row)

    def add_instance(self, new: NewInstance) -> InstanceRow:
        with self._tx() as conn:
            return self._insert_instance(conn, new)

    def add_next_week(self, new: NewInstance) -> tuple[InstanceRow, bool]:
        """Add the next week built from run `new.parent_run_id`, once: (row, created)."""
        with self._tx() as conn:
            row = conn.execute(
                f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE parent_run_id = ? "
                "AND source = 'next-week' ORDER BY id LIMIT 1",
                (new.parent_run_id,),
            ).fetchone()
            if row:
                return instance_row(row), False
            return self._insert_instance(conn, new), True

    def get_instance(self, instance_id: int) -> InstanceRow | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE id = ?", (instance_id,)
            ).fetchone()
            return instance_row(row) if row else None

    def list_instances(self) -> list[InstanceRow]:
        with self._read() as conn:
            rows = conn.execute(f"SELECT {INSTANCE_COLUMNS} FROM instances ORDER BY id")
            return [instance_row(r) for r in rows]

    def instance_data(self, instance_id: int) -> bytes:
        with self._read() as conn:
            row = conn.execute(
                "SELECT data FROM instance_files WHERE instance_id = ?", (instance_id,)
            ).fetchone()
            if row is None:
                raise NotFound("error.instance.not_found", id=instance_id)
            return bytes(row["data"])

    def replace_instance_data(
        self,
        instance_id: int,
        data: bytes,
        sha256: str,
        counts: dict[str, Any],
        providers: tuple[str, ...],
    ) -> InstanceRow:
        """Swap an instance's zip (new clients added) while it has no runs yet."""
        with self._tx() as conn:
            runs = conn.execute(
                "SELECT COUNT(*) AS n FROM runs WHERE instance_id = ?", (instance_id,)
            ).fetchone()["n"]
            if runs:
                raise Conflict("error.instance.has_runs_upload", id=instance_id)
            cur = conn.execute(
                "UPDATE instances SET sha256 = ?, size = ?, counts = ?, providers = ?, "
                "updated_at = ? WHERE id = ?",
                (
                    sha256,
                    len(data),
                    json.dumps(counts),
                    json.dumps(list(providers)),
                    now(),
                    instance_id,
                ),
            )
            if cur.rowcount != 1:
                raise NotFound("error.instance.not_found", id=instance_id)
            conn.execute(
                "UPDATE instance_files SET data = ? WHERE instance_id = ?", (data, instance_id)
            )
            return self._get_instance(conn, instance_id)

    def published_run_of(self, instance_id: int) -> RunRow | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE instance_id = ? "
                "AND published_at IS NOT NULL",
                (instance_id,),
            ).fetchone()
            return run_row(row) if row else None

    @staticmethod
    def _check_not_published(conn: sqlite3.Connection, instance_id: int) -> None:
        row = conn.execute(
            "SELECT id FROM runs WHERE instance_id = ? AND published_at IS NOT NULL", (instance_id,)
        ).fetchone()
        if row:
            raise Conflict("error.instance.closed", run=row["id"])

    # ------------------------------------------------------------------ runs
    def add_run(
        self,
        instance_id: int,
        request: dict[str, Any],
        created_by: str,
        max_active: int | None = None,
    ) -> RunRow:
        with self._tx() as conn:
            self._check_not_published(conn, instance_id)
            self._check_active(conn, created_by, max_active)
            new = self._insert(
                conn,
                "runs",
                instance_id=instance_id,
                status="queued",
                request=json.dumps(request),
                created_at=now(),
                created_by=created_by,
            )
            return self._get_run(conn, new)

    @staticmethod
    def _check_active(conn: sqlite3.Connection, by: str, max_active: int | None) -> None:
        """TooMany when `by` already has `max_active` runs queued or running (checked in the
        same transaction as the insert, so two requests cannot both pass)."""
        if max_active is None:
            return
        (active,) = conn.execute(
            "SELECT COUNT(*) FROM runs WHERE created_by = ? AND status IN ('queued', 'running')",
            (by,),
        ).fetchone()
        if active >= max_active:
            raise TooMany("error.run.too_many", by=by, active=active, limit=max_active)

    @classmethod
    def _get_run(cls, conn: sqlite3.Connection, run_id: int | None) -> RunRow:
        """A run read inside a write transaction (locked for it where the database has row
        locks: `_LOCK_ROW`)."""
        row = conn.execute(
            f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?{cls._LOCK_ROW}", (run_id,)
        ).fetchone()
        if row is None:
            raise NotFound("error.run.not_found", id=run_id)
        return run_row(row)

    def get_run(self, run_id: int) -> RunRow | None:
        with self._read() as conn:
            row = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
            return run_row(row) if row else None

    def list_runs(self, instance_id: int | None = None) -> list[RunRow]:
        with self._read() as conn:
            if instance_id is None:
                rows = conn.execute(f"SELECT {RUN_COLUMNS} FROM runs ORDER BY id")
            else:
                rows = conn.execute(
                    f"SELECT {RUN_COLUMNS} FROM runs WHERE instance_id = ? ORDER BY id",
                    (instance_id,),
                )
            return [run_row(r) for r in rows]

    def queue_position(self, run_id: int) -> int | None:
        """1 for the next run to be solved; None when the run is not queued."""
        with self._read() as conn:
            row = conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None or row["status"] != "queued":
                return None
            ahead = conn.execute(
                "SELECT COUNT(*) AS n FROM runs WHERE status = 'queued' AND id < ?", (run_id,)
            ).fetchone()["n"]
            return int(ahead) + 1

    def claim_next_run(self, claim: str, pid: int) -> RunRow | None:
        """Take the oldest queued run for a worker: status → running, the decisions recorded so
        far fixed (decisions_upto), the claim token set so only this worker can finish it."""
        with self._claim_tx() as conn:
            row = conn.execute(
                "SELECT id, instance_id FROM runs WHERE status = 'queued' ORDER BY id LIMIT 1"
                + self._SKIP_LOCKED
            ).fetchone()
            if row is None:
                return None
            upto = conn.execute(
                "SELECT MAX(id) AS m FROM decisions WHERE instance_id = ?", (row["instance_id"],)
            ).fetchone()["m"]
            conn.execute(
                "UPDATE runs SET status = 'running', claim = ?, worker_pid = ?, started_at = ?, "
                "finished_at = NULL, attempts = attempts + 1, decisions_upto = ?, error = NULL, "
                "progress = ? WHERE id = ?",
                (
                    claim,
                    pid,
                    now(),
                    upto or 0,
                    json.dumps({"phase": "starting", "elapsed": 0.0}),
                    row["id"],
                ),
            )
            self._claimed(row["id"])
            return self._get_run(conn, row["id"])

    def set_progress(self, run_id: int, claim: str, progress: dict[str, Any]) -> bool:
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE runs SET progress = ? WHERE id = ? AND claim = ? AND status = 'running'",
                (json.dumps(progress), run_id, claim),
            )
            return cur.rowcount == 1

    def finish_run(
        self,
        run_id: int,
        claim: str,
        status: str,
        allocation: str | None,
        error: str | None,
        progress: dict[str, Any] | None = None,
        shortlists: str | None = None,
    ) -> bool:
        """Record the end of a run, only if `claim` still owns it (a run interrupted at restart
        and re-queued cannot be overwritten by a stale worker); a shortlist run stores
        shortlists.json instead of allocation.json."""
        if status not in FINISHED:
            raise ValueError(f"not a final status: {status}")
        with self._tx() as conn:
            params: list[Any] = [status, now(), error]
            sets = "status = ?, finished_at = ?, error = ?"
            if progress is not None:
                sets += ", progress = ?"
                params.append(json.dumps(progress))
            cur = conn.execute(
                f"UPDATE runs SET {sets} WHERE id = ? AND claim = ? AND status = 'running'",
                (*params, run_id, claim),
            )
            if cur.rowcount != 1:
                return False
            conn.execute("DELETE FROM allocations WHERE run_id = ?", (run_id,))
            conn.execute("DELETE FROM shortlists WHERE run_id = ?", (run_id,))
            if allocation is not None:
                conn.execute(
                    "INSERT INTO allocations (run_id, data) VALUES (?, ?)", (run_id, allocation)
                )
            if shortlists is not None:
                conn.execute(
                    "INSERT INTO shortlists (run_id, data) VALUES (?, ?)", (run_id, shortlists)
                )
            return True

    def request_cancel(self, run_id: int) -> RunRow:
        """Cancel a queued run at once, flag a running one for its worker's supervisor."""
        with self._tx() as conn:
            run = self._get_run(conn, run_id)
            if run.status == "queued":
                conn.execute(
                    "UPDATE runs SET status = 'cancelled', finished_at = ?, "
                    "cancel_requested = 1 WHERE id = ?",
                    (now(), run_id),
                )
            elif run.status == "running":
                conn.execute("UPDATE runs SET cancel_requested = 1 WHERE id = ?", (run_id,))
            else:
                raise Conflict("error.run.not_cancellable", id=run_id, status=run.status)
            return self._get_run(conn, run_id)

    def cancel_running(self, run_id: int, claim: str) -> bool:
        """Mark a running run cancelled (its worker was stopped)."""
        with self._tx() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = 'cancelled', finished_at = ? "
                "WHERE id = ? AND claim = ? AND status = 'running'",
                (now(), run_id, claim),
            )
            return cur.rowcount == 1

    def runs_to_cancel(self, pid: int) -> list[RunRow]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {RUN_COLUMNS} FROM runs WHERE status = 'running' "
                "AND cancel_requested = 1 AND worker_pid = ?",
                (pid,),
            )
            return [run_row(r) for r in rows]

    def _end_running(self, sets: str, params: tuple[Any, ...], pid: int | None) -> int:
        """Set `sets` on the running runs (of worker `pid`, or all); how many changed."""
        where = "status = 'running'" + (" AND worker_pid = ?" if pid is not None else "")
        with self._tx() as conn:
            cur = conn.execute(
                f"UPDATE runs SET {sets} WHERE {where}",
                (*params, *(() if pid is None else (pid,))),
            )
            return cur.rowcount

    def fail_running_of_pid(self, pid: int, message: str) -> int:
        """A worker process died: its running run failed (it can be restarted)."""
        return self._end_running(
            "status = 'failed', finished_at = ?, error = ?", (now(), message), pid
        )

    def requeue_running_of_pid(self, pid: int) -> int:
        """Runs a stopped worker held besides the cancelled one go back to the queue."""
        sets = "status = 'queued', claim = NULL, worker_pid = NULL, progress = NULL"
        return self._end_running(sets, (), pid)

    def interrupt_running_of_pid(self, pid: int) -> int:
        """At shutdown: the runs of a stopped worker become 'interrupted'."""
        return self._end_running(_INTERRUPTED, (now(), STOPPED), pid)

    def interrupt_running(self) -> int:
        """At start-up: runs left 'running' by a stopped server become 'interrupted'."""
        return self._end_running(_INTERRUPTED, (now(), STOPPED), None)

    def restart_run(self, run_id: int, by: str = "", max_active: int | None = None) -> RunRow:
        with self._tx() as conn:
            run = self._get_run(conn, run_id)
            self._check_not_published(conn, run.instance_id)
            self._check_active(conn, by, max_active)
            if run.status not in RESTARTABLE:
                raise Conflict(
                    "error.run.not_restartable",
                    id=run_id,
                    status=run.status,
                    states=", ".join(RESTARTABLE),
                )
            conn.execute(
                "UPDATE runs SET status = 'queued', claim = NULL, worker_pid = NULL, "
                "cancel_requested = 0, progress = NULL, error = NULL, "
                "finished_at = NULL WHERE id = ?",
                (run_id,),
            )
            conn.execute("DELETE FROM allocations WHERE run_id = ?", (run_id,))
            conn.execute("DELETE FROM shortlists WHERE run_id = ?", (run_id,))
            return self._get_run(conn, run_id)

    def publish_run(self, run_id: int, by: str) -> RunRow:
        """Publish a finished run: one per instance, and not when a later decision contradicts
        it — a rejected proposal, or a pinned pair it lacks (the coordinator re-runs first)."""
        with self._tx() as conn:
            run = self._get_run(conn, run_id)
            if run.published:
                raise Conflict("error.run.already_published", id=run_id)
            self._check_not_published(conn, run.instance_id)
            if run.status != "done":
                raise Conflict("error.run.publish_not_done", id=run_id, status=run.status)
            if run.request.get("kind", "allocation") != "allocation":
                raise Conflict("error.run.publish_shortlist", id=run_id)
            alloc = conn.execute(
                "SELECT data FROM allocations WHERE run_id = ?", (run_id,)
            ).fetchone()
            later = conn.execute(
                "SELECT client_id, placement_id, decision FROM decisions WHERE instance_id = ? "
                "AND id > ? ORDER BY id",
                (run.instance_id, run.decisions_upto or 0),
            ).fetchall()
            problem = publish_conflict(
                run_id, alloc["data"] if alloc else None, [tuple(r) for r in later]
            )
            if problem:
                raise Conflict(problem[0], **problem[1])
            conn.execute(
                "UPDATE runs SET published_at = ?, published_by = ? WHERE id = ?",
                (now(), by, run_id),
            )
            return self._get_run(conn, run_id)

    def allocation(self, run_id: int) -> str | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT data FROM allocations WHERE run_id = ?", (run_id,)
            ).fetchone()
            return row["data"] if row else None

    def shortlists(self, run_id: int) -> str | None:
        """A shortlist run's shortlists.json, None for other runs and until it is done."""
        with self._read() as conn:
            row = conn.execute("SELECT data FROM shortlists WHERE run_id = ?", (run_id,)).fetchone()
            return row["data"] if row else None

    # ------------------------------------------------------------------ decisions
    def add_decision(
        self,
        run_id: int,
        client_id: str,
        placement_id: str,
        provider_id: str,
        decision: str,
        reason: str,
        by_name: str,
        by_token: int | None,
    ) -> DecisionRow:
        with self._tx() as conn:
            run = self._get_run(conn, run_id)
            self._check_not_published(conn, run.instance_id)
            if run.status != "done":
                raise Conflict("error.decision.run_not_done", id=run_id, status=run.status)
            new = self._insert(
                conn,
                "decisions",
                instance_id=run.instance_id,
                run_id=run_id,
                client_id=client_id,
                placement_id=placement_id,
                provider_id=provider_id,
                decision=decision,
                reason=reason,
                by_name=by_name,
                by_token=by_token,
                at=now(),
            )
            row = conn.execute(
                f"SELECT {DECISION_COLUMNS} FROM decisions WHERE id = ?", (new,)
            ).fetchone()
            return decision_row(row)

    def decisions(self, instance_id: int, upto: int | None = None) -> list[DecisionRow]:
        """The decision history of an instance in the order taken (only ids ≤ `upto` if given)."""
        with self._read() as conn:
            sql = f"SELECT {DECISION_COLUMNS} FROM decisions WHERE instance_id = ?"
            params: list[Any] = [instance_id]
            if upto is not None:
                sql += " AND id <= ?"
                params.append(upto)
            return [decision_row(r) for r in conn.execute(sql + " ORDER BY id", params)]
