"""The storage layer, settings and the token command: migrations, claims, stale workers,
POLKU_DB, hashed tokens printed once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from api.auth import DEFAULT_EXPIRY, TokenError, create_token, hash_token, parse_expiry
from api.settings import Settings, SettingsError
from api.store import Conflict, StoreError, open_store
from cli.main import main as polku
from tests.api.support import new_instance


def test_migrations_are_versioned_and_idempotent(tmp_path):
    store = open_store(str(tmp_path / "a.sqlite"))
    assert store.migrate() == 6
    assert store.migrate() == 6
    rows = sqlite3.connect(tmp_path / "a.sqlite").execute("SELECT version_num FROM alembic_version")
    assert [r[0] for r in rows] == ["0006"]
    assert open_store(f"sqlite:///{tmp_path / 'b.sqlite'}").migrate() == 6
    with pytest.raises(StoreError, match="'mysql' is not supported"):
        open_store("mysql://db/polku")


def test_migrations_on_either_backend_are_versioned_and_idempotent(open_db):
    store = open_db()
    assert store.migrate() == 6 and store.migrate() == 6
    store.ping_write()
    inst = store.add_instance(new_instance())
    assert store.instance_data(inst.id) == b"zip" and store.list_instances()[0].id == inst.id


def test_claims_are_exclusive_and_stale_workers_cannot_finish(open_db):
    store = open_db()
    store.migrate()
    inst = store.add_instance(new_instance())
    r1 = store.add_run(inst.id, {"time_limit": 1, "weights": {}}, "t")
    r2 = store.add_run(inst.id, {"time_limit": 1, "weights": {}}, "t")
    a = store.claim_next_run("a", 1)
    b = store.claim_next_run("b", 2)
    assert (a.id, b.id) == (r1.id, r2.id) and store.claim_next_run("c", 3) is None
    assert not store.finish_run(a.id, "b", "done", "{}", None)  # wrong claim
    assert store.finish_run(a.id, "a", "done", '{"assignments": []}', None)
    assert not store.finish_run(a.id, "a", "failed", None, "late")  # already finished
    assert store.get_run(a.id).status == "done" and store.allocation(a.id)
    # the worker of b dies: its run fails and can be restarted
    assert store.fail_running_of_pid(2, "gone") == 1
    assert store.restart_run(b.id).status == "queued"
    with pytest.raises(Conflict):
        store.restart_run(a.id)
    store.publish_run(a.id, "t")
    with pytest.raises(Conflict):
        store.add_run(inst.id, {}, "t")
    with pytest.raises(Conflict):
        store.replace_instance_data(inst.id, b"z", "y", {}, ())


def test_early_ends_are_stored_together_and_once_per_client(open_db):
    # two liaisons' ends of the same client at once both pass the route's check (it reads
    # before it writes): the store refuses the second in the transaction, and stores a
    # request's ends all or none
    store = open_db()
    store.migrate()
    inst = store.add_instance(new_instance())
    run = store.add_run(inst.id, {"time_limit": 1, "weights": {}}, "t")
    claimed = store.claim_next_run("a", 1)
    assert store.finish_run(claimed.id, "a", "done", '{"assignments": []}', None)

    def end(client: str) -> dict:
        return {"client_id": client, "placement_id": "p1", "provider_id": "v1",
                "end_week": "2026-W48", "reason": "r"}  # fmt: skip

    rows = store.add_lifecycle("end", run.id, [end("a"), end("b")], "L", None)
    assert [r["client_id"] for r in rows] == ["a", "b"] and rows[0]["id"] != rows[1]["id"]
    with pytest.raises(Conflict, match="client a .* already ended"):
        store.add_lifecycle("end", run.id, [end("c"), end("a")], "K", None)
    assert [r["client_id"] for r in store.lifecycle("end", inst.id)] == ["a", "b"]  # no c


def test_settings_from_env():
    s = Settings.from_env(
        {"POLKU_DB": "/x/p.sqlite", "POLKU_MAX_UPLOAD_MB": "5", "POLKU_WORKER_PROCESSES": "2"}
    )
    assert (s.db, s.max_upload_bytes, s.worker_processes) == ("/x/p.sqlite", 5 * 2**20, 2)
    assert Settings.from_env({}).db == "polku.sqlite"
    with pytest.raises(SettingsError, match="POLKU_MAX_JSON_KB"):
        Settings.from_env({"POLKU_MAX_JSON_KB": "lots"})


def test_token_command(tmp_path, capsys, monkeypatch):
    db = tmp_path / "t.sqlite"
    assert (
        polku(
            [
                "token",
                "create",
                "--role",
                "liaison",
                "--region",
                "savo",
                "--providers",
                "v1, v2",
                "--name",
                "Liisa",
                "--db",
                str(db),
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip()
    store = open_store(str(db))
    row = store.token_by_hash(hash_token(token))
    assert row.role == "liaison" and row.providers == ("v1", "v2") and row.name == "Liisa"
    # only the hash is stored
    raw = sqlite3.connect(db).execute("SELECT token_hash FROM tokens").fetchall()
    assert token not in str(raw)
    assert polku(["token", "create", "--role", "coordinator", "--db", str(db)]) == 2
    assert "--region" in capsys.readouterr().err
    monkeypatch.setenv("POLKU_DB", str(tmp_path / "env.sqlite"))
    assert polku(["token", "create", "--role", "admin"]) == 0
    capsys.readouterr()
    assert len(open_store(str(tmp_path / "env.sqlite")).list_tokens()) == 1
    assert polku(["token", "list", "--db", str(db)]) == 0
    listing = capsys.readouterr().out
    assert "Liisa" in listing and token not in listing
    assert polku(["token", "revoke", str(row.id), "--db", str(db)]) == 0
    assert store.token_by_hash(hash_token(token)) is None
    assert polku(["token", "revoke", str(row.id), "--db", str(db)]) == 1


def test_create_token_checks_roles(tmp_path):
    with pytest.raises(ValueError, match="role"):
        create_token(str(tmp_path / "x.sqlite"), "boss")
    with pytest.raises(ValueError, match="providers"):
        create_token(str(tmp_path / "x.sqlite"), "liaison")
    with pytest.raises(ValueError, match="--region"):
        create_token(str(tmp_path / "x.sqlite"), "liaison", providers=["v1"])
    with pytest.raises(ValueError, match="admin"):
        create_token(str(tmp_path / "x.sqlite"), "admin", region="savo")


def test_tokens_expire(open_db):
    store = open_db()
    store.migrate()
    store.add_token("old", "admin", None, (), "h-old", "2020-01-01T00:00:00.000Z")
    store.add_token("new", "admin", None, (), "h-new", "2999-01-01T00:00:00.000Z")
    assert store.token_by_hash("h-old") is None
    assert store.token_by_hash("h-new").name == "new"
    token = create_token(store, "admin", expires_in=timedelta(hours=12))
    row = store.token_by_hash(hash_token(token))
    left = datetime.fromisoformat(row.expires_at.replace("Z", "+00:00")) - datetime.now(UTC)
    assert timedelta(hours=11) < left <= timedelta(hours=12)
    default = store.token_by_hash(hash_token(create_token(store, "admin")))
    assert (
        default.expires_at > (datetime.now(UTC) + DEFAULT_EXPIRY - timedelta(hours=1)).isoformat()
    )


def test_parse_expiry():
    assert parse_expiry("30d") == timedelta(days=30)
    assert parse_expiry(" 12h ") == timedelta(hours=12)
    for bad in ("0d", "400d", "1w", "", "-3d", "3.5d"):
        with pytest.raises(TokenError, match="--expires"):
            parse_expiry(bad)


def test_token_command_expires(tmp_path, capsys):
    db = str(tmp_path / "x.sqlite")
    assert polku(["token", "create", "--role", "admin", "--expires", "2h", "--db", db]) == 0
    capsys.readouterr()
    assert polku(["token", "create", "--role", "admin", "--expires", "forever", "--db", db]) == 2
    assert "--expires" in capsys.readouterr().err
    assert polku(["token", "list", "--db", db]) == 0
    assert "expires 20" in capsys.readouterr().out
