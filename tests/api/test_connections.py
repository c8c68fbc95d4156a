"""SQLite connections reused per thread (api/store/connections.py): never a stale snapshot,
a fresh connection when nested, a broken one dropped, none shared across threads or a fork."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading

import pytest

from api.store import SqliteStore
from tests.api.support import new_instance


def _store(tmp_path) -> SqliteStore:
    store = SqliteStore(tmp_path / "polku.sqlite")
    store.migrate()
    return store


def _instance(store: SqliteStore) -> int:
    return store.add_instance(new_instance()).id


def test_a_reused_connection_sees_another_process_commit_at_once(tmp_path):
    reader, writer = _store(tmp_path), SqliteStore(tmp_path / "polku.sqlite")
    iid = _instance(writer)
    run = writer.add_run(iid, {"time_limit": 1, "weights": {}}, "t")
    assert reader.get_run(run.id).status == "queued"  # the reader's connection is now open
    writer.request_cancel(run.id)
    assert reader.get_run(run.id).status == "cancelled"
    assert len(reader.list_runs()) == 1
    writer.add_run(iid, {"time_limit": 1, "weights": {}}, "t")
    assert len(reader.list_runs()) == 2


def test_one_connection_per_thread_reused_and_a_nested_use_gets_its_own(tmp_path):
    store = _store(tmp_path)
    with store._conns.use() as a:
        with store._conns.use() as nested:
            assert nested is not a
    with store._conns.use() as b:
        assert b is a
    other: list[sqlite3.Connection] = []

    def in_thread() -> None:
        with store._conns.use() as c:
            other.append(c)

    t = threading.Thread(target=in_thread)
    t.start()
    t.join()
    assert other[0] is not a


def test_a_read_inside_a_write_sees_the_committed_state_as_before(tmp_path):
    store = _store(tmp_path)
    iid = _instance(store)
    with store._tx() as conn:
        conn.execute("UPDATE instances SET week = '2026-W49' WHERE id = ?", (iid,))
        assert store.get_instance(iid).week == "2026-W48"  # another connection: not yet
    assert store.get_instance(iid).week == "2026-W49"


def test_a_connection_that_raised_a_database_error_is_not_reused(tmp_path):
    store = _store(tmp_path)
    with store._conns.use() as first:
        pass
    with pytest.raises(sqlite3.OperationalError), store._read() as conn:
        conn.execute("SELECT * FROM no_such_table")
    with store._conns.use() as second:
        assert second is not first
    assert store.list_runs() == []  # and the store goes on working


def test_close_closes_every_thread_connection_and_later_calls_reopen(tmp_path):
    store = _store(tmp_path)
    with store._conns.use() as conn:
        pass
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    assert store.list_instances() == []


def _child_reads(store: SqliteStore, out: multiprocessing.Queue) -> None:
    inherited = getattr(store._conns._local, "conn", None)  # the parent's, copied by fork
    with store._conns.use() as conn:
        out.put((inherited is not None, conn is not inherited, len(store.list_runs())))


def test_a_forked_child_opens_its_own_connection(tmp_path):
    store = _store(tmp_path)
    iid = _instance(store)
    store.add_run(iid, {"time_limit": 1, "weights": {}}, "t")
    with store._conns.use() as parent_conn:
        pass
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = ctx.Queue()
    child = ctx.Process(target=_child_reads, args=(store, out))
    child.start()
    child.join(30)
    assert child.exitcode == 0 and out.get(timeout=5) == (True, True, 1)
    with store._conns.use() as again:  # the parent's connection is untouched by the child
        assert again is parent_conn and again.execute("SELECT 1").fetchone()[0] == 1
