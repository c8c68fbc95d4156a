"""Nothing on PostgreSQL waits forever (a CI run once hung 8 minutes on a connection a test had
left idle inside a transaction): the per-test reset ends such sessions, a claim never waits on
another session's run lock, the store's statements give up after its lock timeout, and the
test server itself times out idle transactions and long statements."""

from __future__ import annotations

import os
import time

import pytest
import sqlalchemy

from api.store import NewInstance, open_store
from api.store.postgres import _RUN_LOCKS, _WRITE_LOCK
from tests.api.postgres import SERVER_TIMEOUTS, fresh_database

ON_POSTGRES = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def _raw(url: str) -> sqlalchemy.engine.Engine:
    """A connection pool the test holds on purpose, as a leaking test would."""
    return sqlalchemy.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _week(store):
    store.migrate()
    return store.add_instance(
        NewInstance("w", "2026-W48", "savo", "upload", "t", b"zip", "x", ("v1",))
    )


@ON_POSTGRES
def test_the_reset_ends_a_session_left_inside_a_transaction(db_url, open_db):
    inst = _week(open_db())
    open_db().add_run(inst.id, {}, "t")
    engine = _raw(db_url)
    leaked = engine.connect()
    leaked.exec_driver_sql("SELECT id FROM runs FOR UPDATE").fetchall()  # holds the rows
    started = time.monotonic()
    fresh_database(db_url)  # DROP SCHEMA would wait on the leaked locks forever
    assert time.monotonic() - started < 10
    with pytest.raises(sqlalchemy.exc.OperationalError):
        leaked.exec_driver_sql("SELECT 1")  # that session was ended
    leaked.invalidate()
    engine.dispose()


@ON_POSTGRES
def test_a_claim_does_not_wait_for_a_run_lock_another_session_holds(db_url, open_db):
    store = open_db()
    run = store.add_run(_week(store).id, {}, "t")
    engine = _raw(db_url)
    with engine.connect() as other:  # a stale worker still holding run 1's lock
        other.exec_driver_sql("SELECT pg_advisory_lock(%s, %s)", (_RUN_LOCKS, run.id))
        started = time.monotonic()
        claimed = store.claim_next_run("c", 1)
        assert claimed is not None and claimed.id == run.id
        assert time.monotonic() - started < 5
        other.exec_driver_sql("SELECT pg_advisory_unlock_all()")
    engine.dispose()


@ON_POSTGRES
def test_a_write_blocked_by_another_writer_fails_after_the_lock_timeout(db_url, open_db):
    _week(open_db())
    quick = open_store(db_url, lock_timeout=1.0)
    engine = _raw(db_url)
    try:
        with quick._read() as conn:  # type: ignore[attr-defined]
            assert conn.execute("SHOW lock_timeout").fetchone()[0] == "1s"
        with engine.begin() as other:  # a writer that never ends its transaction
            other.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_WRITE_LOCK,))
            started = time.monotonic()
            with pytest.raises(sqlalchemy.exc.OperationalError, match="lock timeout"):
                quick.add_token("n", "admin", None, (), "h")
            assert time.monotonic() - started < 5
        quick.add_token("n", "admin", None, (), "h")  # the writer gone, the write goes through
    finally:
        quick.close()
        engine.dispose()


@ON_POSTGRES
def test_the_test_server_times_out_idle_transactions_and_long_statements(db_url):
    if os.environ.get("POLKU_TEST_PG"):
        pytest.skip("POLKU_TEST_PG: a server the tests did not configure")
    engine = _raw(db_url)
    with engine.connect() as conn:
        for name, value in SERVER_TIMEOUTS.items():
            shown = conn.exec_driver_sql(f"SHOW {name}").scalar()
            assert shown == value.replace("60s", "1min"), name
    engine.dispose()
