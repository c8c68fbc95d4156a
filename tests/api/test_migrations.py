"""The schema as Alembic revisions (api/store/migrations.py): a SQLite file made by the service
before Alembic upgrades in place to the same schema a new database gets, with its rows; every
revision downgrades and upgrades again, on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from api.store import NewInstance, StoreError, open_store
from api.store.migrations import HEAD, downgrade
from tests.api.legacy_schema import legacy_sqlite


def _instance() -> NewInstance:
    return NewInstance("w", "2026-W48", "savo", "upload", "t", b"zip", "x", ("v1",))


def _schema(path) -> dict[str, object]:
    """Every table's columns (name, type, not null, default, primary key) and indexes."""
    conn = sqlite3.connect(path)
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    out: dict[str, object] = {}
    for t in tables:
        # (a primary key's NOT NULL is left out: SQLAlchemy writes it, the old SQL did not,
        # and a rowid key cannot be NULL either way)
        columns = [
            (name, kind, notnull and not pk, default, pk)
            for _, name, kind, notnull, default, pk in conn.execute(f"PRAGMA table_info({t})")
        ]
        indexes = sorted(r[1] for r in conn.execute(f"PRAGMA index_list({t})") if r[3] == "c")
        keys = sorted(tuple(r[2:5]) for r in conn.execute(f"PRAGMA foreign_key_list({t})"))
        out[t] = (columns, indexes, keys)
    conn.close()
    return out


def test_a_sqlite_file_from_before_alembic_upgrades_in_place(tmp_path):
    old = tmp_path / "main.sqlite"
    legacy_sqlite(old)  # what the service made before: schema_version 1–5
    conn = sqlite3.connect(old)
    conn.execute(
        "INSERT INTO tokens (name, role, token_hash, created_at, expires_at) "
        "VALUES ('Kaisa', 'admin', 'h1', '2026-01-01T00:00:00.000Z', NULL)"
    )
    conn.commit()
    conn.close()
    store = open_store(str(old))
    assert store.migrate() == int(HEAD) and store.migrate() == int(HEAD)
    assert [t.name for t in store.list_tokens()] == ["Kaisa"]  # its rows kept
    inst = store.add_instance(_instance())
    assert store.add_run(inst.id, {}, "t").id == 1 and store.instance_data(inst.id) == b"zip"
    store.ping_write()
    new = tmp_path / "new.sqlite"
    open_store(str(new)).migrate()
    upgraded, fresh = _schema(old), _schema(new)
    assert "schema_version" not in upgraded and "alembic_version" in upgraded
    assert upgraded == fresh  # the same tables, columns, defaults, keys and indexes


def test_an_unknown_schema_version_is_named(tmp_path):
    old = tmp_path / "future.sqlite"
    legacy_sqlite(old)
    conn = sqlite3.connect(old)
    conn.execute("INSERT INTO schema_version (version) VALUES (9)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema_version 9"):
        open_store(str(old)).migrate()


def test_revisions_downgrade_and_upgrade_again(open_db):
    store = open_db()
    assert store.migrate() == int(HEAD)
    inst = store.add_instance(_instance())
    with store.migration_transaction() as conn:  # type: ignore[attr-defined]
        assert downgrade(conn, "0005") == 5  # the schema the service had before Alembic
        rows = conn.execute(text("SELECT version FROM schema_version ORDER BY version"))
        assert [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert store.migrate() == int(HEAD)
    assert store.get_instance(inst.id).name == "w"  # rows survive the round trip
    with store.migration_transaction() as conn:  # type: ignore[attr-defined]
        assert downgrade(conn, "0002") == 2
        assert "expires_at" not in {c["name"] for c in inspect(conn).get_columns("tokens")}
        assert [r[0] for r in conn.execute(text("SELECT version FROM schema_version"))] == [1, 2]
        with pytest.raises(IntegrityError), conn.begin_nested():  # the role check is kept
            conn.execute(
                text(
                    "INSERT INTO tokens (name, role, token_hash, created_at) VALUES ('x', 'boss', 'h', 't')"
                )
            )
        assert downgrade(conn, "base") == 0
        assert set(inspect(conn).get_table_names()) == {"alembic_version"}
    assert store.migrate() == int(HEAD)
    store.add_token("n", "admin", None, (), "h", None)
    assert [t.name for t in store.list_tokens()] == ["n"] and store.list_instances() == []
