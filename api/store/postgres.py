"""The `Store` on PostgreSQL (issue 18): SQLAlchemy 2 Core engine over psycopg 3.

It is `SqliteStore`'s SQL and rules run on another connection: every statement goes through
`Connection.exec_driver_sql` with the `?` marks turned into psycopg's `%s`, rows are read by
column name as in sqlite3. What differs is concurrency: every write transaction takes one
transaction-level advisory lock (one writer at a time, the guarantee SQLite's `BEGIN IMMEDIATE`
gives, so the check-then-write rules hold across service processes), except a worker's claim,
which locks only the run it takes (`FOR UPDATE SKIP LOCKED`), so two workers never take the
same run and never wait on each other. Runs read inside a write are locked `FOR UPDATE`.

The schema is the same Alembic revisions as on SQLite (`migrations.py`), in one transaction.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any

from api.store.migrations import upgrade
from api.store.protocol import StoreError
from api.store.publish import STOPPED
from api.store.rows import now
from api.store.sqlite import _INTERRUPTED, SqliteStore

# one advisory-lock key for "a write transaction of the Polku store"; an arbitrary constant
_WRITE_LOCK = 0x504F4C4B55  # "POLKU"
_MIGRATE_LOCK = _WRITE_LOCK + 1
_RUN_LOCKS = 0x504F  # advisory-lock class of "run N is being solved by a live worker"

log = logging.getLogger("polku.store")


def session_options(lock_timeout: float) -> str:
    """libpq `options` for every connection of the store: a statement waits at most
    `lock_timeout` s for a lock, and a session left inside a transaction (the store never
    leaves one open between calls) is ended after 10 × that, so nothing can wait forever."""
    ms = max(1, int(lock_timeout * 1000))
    return f"-c lock_timeout={ms} -c idle_in_transaction_session_timeout={10 * ms}"


class _Row(tuple):
    """A result row readable by position and by column name, like sqlite3.Row."""

    _names: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: dict[str, int]) -> _Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


class _Cursor:
    """The part of sqlite3.Cursor the store uses: rows, rowcount."""

    def __init__(self, result: Any):
        self.rowcount = int(result.rowcount)
        self._rows: list[_Row] = []
        if result.returns_rows:
            names = {name: i for i, name in enumerate(result.keys())}
            self._rows = [_Row(tuple(r), names) for r in result.fetchall()]

    def fetchone(self) -> _Row | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[_Row]:
        return self._rows

    def __iter__(self) -> Iterator[_Row]:
        return iter(self._rows)


class _Conn:
    """A SQLAlchemy connection spoken to like a sqlite3 one (`execute(sql, params)` with `?`)."""

    def __init__(self, conn: Any):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        return _Cursor(self.conn.exec_driver_sql(sql.replace("?", "%s"), tuple(params)))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.conn.exec_driver_sql(sql.replace("?", "%s"), [tuple(r) for r in rows])


class PostgresStore(SqliteStore):
    """`Store` over a PostgreSQL database (`postgresql://user@host:port/db`)."""

    _LOCK_ROW = " FOR UPDATE"
    _SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"
    reads_on_loop = False  # a network round trip, and a pooled connection may be waited for

    def __init__(self, url: str, lock_timeout: float = 30.0):
        try:
            import psycopg  # noqa: F401
            import sqlalchemy
        except ImportError as exc:  # the optional extra is missing
            raise StoreError(
                "a postgresql:// database needs psycopg: pip install 'polku[postgres]'"
            ) from exc
        self.path = re.sub(r"//[^/@]*@", "//…@", url)  # for messages: no password
        self.lock_timeout = lock_timeout
        driver_url = re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)
        self.engine = sqlalchemy.create_engine(
            driver_url,
            pool_pre_ping=True,
            pool_size=4,
            connect_args={"options": session_options(lock_timeout)},
        )
        self._holder: tuple[int, Any] | None = None  # (pid, connection) holding run locks

    def _holder_conn(self) -> Any:
        """This process's own connection, holding a session lock per run it solves: the lock
        goes when the process or its connection dies, which is how another service process
        tells a live worker's run from one left by a crash (`interrupt_running`)."""
        if self._holder is None or self._holder[0] != os.getpid():
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._holder = (os.getpid(), conn)
        return self._holder[1]

    def close(self) -> None:
        """Close this process's connections (its run locks go with them), as its end would."""
        if self._holder is not None and self._holder[0] == os.getpid():
            holder = self._holder[1]
            with contextlib.suppress(Exception):  # released now, not when the server notices
                holder.exec_driver_sql("SELECT pg_advisory_unlock_all()")
            holder.invalidate()  # the session itself ends, not back to the pool
            holder.close()
        self._holder = None
        self.engine.dispose()

    def _claimed(self, run_id: int) -> None:
        """Inside the claim transaction: this process's session lock on the run, taken before
        the claim commits (no moment when the run is 'running' and unlocked). Never waited
        for: if another session still holds it (a stale worker), the claim token alone
        guards the run and that session's end frees it."""
        got = self._holder_conn().exec_driver_sql(
            "SELECT pg_try_advisory_lock(CAST(%s AS INTEGER), CAST(%s AS INTEGER))",
            (_RUN_LOCKS, run_id),
        )
        if not got.scalar():
            log.warning("run %s: another session still holds its worker lock", run_id)

    def _release(self, run_id: int) -> None:
        if self._holder is not None and self._holder[0] == os.getpid():
            self._holder[1].exec_driver_sql(
                "SELECT pg_advisory_unlock(CAST(%s AS INTEGER), CAST(%s AS INTEGER))",
                (_RUN_LOCKS, run_id),
            )

    def finish_run(self, run_id: int, claim: str, *args: Any, **kwargs: Any) -> bool:
        """Record the end of a run (as on SQLite), then drop this worker's lock on it."""
        try:
            return super().finish_run(run_id, claim, *args, **kwargs)
        finally:
            self._release(run_id)

    def cancel_running(self, run_id: int, claim: str) -> bool:
        try:
            return super().cancel_running(run_id, claim)
        finally:
            self._release(run_id)

    def interrupt_running(self) -> int:
        """At a service process's start-up: only runs whose worker is gone (no session holds
        the run's lock) become 'interrupted'; other service processes' workers keep theirs."""
        with self._tx() as conn:
            cur = conn.execute(
                f"UPDATE runs SET {_INTERRUPTED} WHERE status = 'running' "
                "AND pg_try_advisory_xact_lock(CAST(? AS INTEGER), CAST(id AS INTEGER))",
                (now(), STOPPED, _RUN_LOCKS),
            )
            return cur.rowcount

    @staticmethod
    def _insert(conn: Any, table: str, **values: Any) -> int:
        """INSERT one row (names from this package, never from input); its new id."""
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        key = "instance_id" if table == "instance_files" else "id"
        cur = conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {key}",
            tuple(values.values()),
        )
        row = cur.fetchone()
        return int(row[0]) if row else 0

    @contextlib.contextmanager
    def _read(self) -> Iterator[Any]:
        """A read in its own transaction, ended (committed, or rolled back on an error) before
        the call returns: no connection goes back to the pool inside a transaction."""
        with self.engine.begin() as conn:
            yield _Conn(conn)

    @contextlib.contextmanager
    def _begin(self, lock: int | None) -> Iterator[Any]:
        """One transaction, committed when the block ends and rolled back on an error; with
        `lock`, a transaction-level advisory lock taken first."""
        with self.engine.begin() as conn:
            if lock is not None:
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (lock,))
            yield _Conn(conn)

    def _tx(self) -> contextlib.AbstractContextManager[Any]:  # type: ignore[override]
        return self._begin(_WRITE_LOCK)

    def _claim_tx(self) -> contextlib.AbstractContextManager[Any]:
        return self._begin(None)

    def migrate(self) -> int:
        """Create or upgrade the schema (Alembic, one process at a time); the revision now."""
        with self.migration_transaction() as conn:
            return upgrade(conn)

    @contextlib.contextmanager
    def migration_transaction(self) -> Iterator[Any]:
        """The SQLAlchemy connection migrations run on: one transaction (PostgreSQL's DDL is
        transactional) under the migration lock, so two starting processes do not race."""
        with self.engine.begin() as conn:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
            yield conn
