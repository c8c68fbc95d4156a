"""A done run's answers are precomputed by the worker (api/precompute.py): every stored view
is the answer the route computes without it, decisions taken later still show, and a
restarted run's old views are never served."""

from __future__ import annotations

import sqlite3

import pytest

from tests.api.support import open_api

READS = [
    ("coord", "/runs/{run}/summary"),
    ("coord", "/runs/{run}/unassigned?lang=en"),
    ("coord", "/runs/{run}/unassigned?lang=fi"),
    ("liaison_a", "/runs/{run}/proposals"),
    ("liaison_a", "/runs/{run}/proposals?provider_id=v2"),
    ("liaison_b", "/runs/{run}/proposals"),
    ("coord", "/runs/{run}/proposals"),
    *[
        ("coord", f"/runs/{{run}}/clients/c{i}?lang={lang}")
        for i in range(1, 6)
        for lang in ("en", "fi")
    ],
]


@pytest.fixture
def api(tmp_path):
    yield from open_api(tmp_path)


def answers(api, run: int) -> dict[str, object]:
    out = {}
    for who, url in READS:
        r = api.get(url.format(run=run), who)
        assert r.status_code == 200, (url, r.text)
        out[f"{who} {url}"] = r.json()
    return out


def views(api) -> int:
    with sqlite3.connect(api.settings.db) as conn:
        return conn.execute("SELECT COUNT(*) FROM run_views").fetchone()[0]


def drop_views(api) -> None:
    with sqlite3.connect(api.settings.db) as conn:
        conn.execute("DELETE FROM run_views")


def test_stored_answers_equal_the_computed_ones(api):
    run = api.solved_run(api.upload_week())
    # summary + 3 providers + all proposals + 2 unassigned + 5 clients × 2 languages
    assert views(api) == 1 + 3 + 1 + 2 + 10
    stored = answers(api, run)
    drop_views(api)
    assert answers(api, run) == stored


def test_later_decisions_show_in_stored_answers(api):
    run = api.solved_run(api.upload_week())
    mine = api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
    pick = mine[0]
    r = api.post(
        f"/runs/{run}/decisions",
        "liaison_a",
        json={
            "client_id": pick["client_id"],
            "placement_id": pick["placement_id"],
            "decision": "reject",
            "reason": "=HYPERLINK(x)",
        },
    )
    assert r.status_code == 201, r.text
    assert views(api) > 0
    got = api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
    assert {p["client_id"]: p["decision"] for p in got}[pick["client_id"]] == "rejected"
    client = api.get(f"/runs/{run}/clients/{pick['client_id']}").json()
    assert [d["reason"] for d in client["decisions"]] == ["=HYPERLINK(x)"]
    stored = answers(api, run)
    drop_views(api)
    assert answers(api, run) == stored


def test_a_restarted_run_serves_no_old_views(api):
    store = api.store
    run = api.solved_run(api.upload_week())
    old = store.get_run(run).finished_at
    with sqlite3.connect(api.settings.db) as conn:
        conn.execute("UPDATE runs SET status = 'failed' WHERE id = ?", (run,))
    store.restart_run(run)
    assert store.run_view(run, "summary", old) is not None  # kept until the next finish …
    assert api.get(f"/runs/{run}/summary").status_code == 409  # … but never served
    assert not store.put_run_views(run, old, {"summary": b"x"})  # a stale worker writes nothing
    api.solve_queued()
    new = store.get_run(run).finished_at
    assert new != old and store.run_view(run, "summary", new) is not None
    with sqlite3.connect(api.settings.db) as conn:
        stamps = {s for (s,) in conn.execute("SELECT DISTINCT stamp FROM run_views")}
    assert stamps == {new}
