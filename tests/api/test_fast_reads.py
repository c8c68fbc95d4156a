"""Reads under load (issue 14, item 7): the token looked up on every request, so revoking or
expiry bites on the very next one; decisions show at once although the instance's own
decision records are cached per parsed instance; store reads on the event loop only where
they take microseconds."""

from __future__ import annotations

import asyncio
import threading

from api.decisions import effective_records, instance_records
from api.deps import quick
from api.store import DecisionRow
from instances.build import build_instance
from tests.api.support import week_records


def test_a_revoked_token_is_refused_on_the_next_request(api):
    run = api.solved_run(api.upload_week())
    assert api.get(f"/runs/{run}/proposals", "liaison_a").status_code == 200
    assert api.get(f"/runs/{run}", "liaison_a").status_code == 200
    (token,) = [t for t in api.store.list_tokens() if t.role == "liaison" and "v1" in t.providers]
    assert api.store.revoke_token(token.id)
    for url in (f"/runs/{run}", f"/runs/{run}/proposals", f"/runs/{run}/decisions", "/runs"):
        r = api.get(url, "liaison_a")
        assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_an_expired_token_is_refused_on_the_next_request(api, open_db):
    run = api.solved_run(api.upload_week())
    assert api.get(f"/runs/{run}").status_code == 200
    (token,) = [
        t for t in api.store.list_tokens() if t.role == "coordinator" and t.region == "savo"
    ]
    with open_db()._tx() as conn:  # as another process would: the clock has passed its expiry
        conn.execute(
            "UPDATE tokens SET expires_at = ? WHERE id = ?", ("2020-01-01T00:00:00.000Z", token.id)
        )
    assert api.get(f"/runs/{run}").status_code == 401
    assert api.get(f"/runs/{run}/summary").status_code == 401


def test_a_decision_posted_shows_at_once_and_the_latest_one_counts(api):
    run = api.solved_run(api.upload_week())
    mine = api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
    pair = {"client_id": mine[0]["client_id"], "placement_id": mine[0]["placement_id"]}
    for decision, state in (("accept", "accepted"), ("reject", "rejected")):
        r = api.post(
            f"/runs/{run}/decisions",
            "liaison_a",
            json={**pair, "decision": decision, "reason": "r"},
        )
        assert r.status_code == 201, r.text
        listed = api.get(f"/runs/{run}/decisions", "liaison_a").json()
        assert listed[-1]["id"] == r.json()["id"] and listed[-1]["decision"] == decision
        got = api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
        states = {(p["client_id"], p["placement_id"]): p["decision"] for p in got}
        assert states[(pair["client_id"], pair["placement_id"])] == state
        client = api.get(f"/runs/{run}/clients/{pair['client_id']}").json()
        assert [d["decision"] for d in client["decisions"]][-1] == decision


def test_the_cached_instance_records_are_not_changed_by_their_users():
    rec = week_records()
    rec["decisions"] = [
        {"client_id": "c2", "placement_id": "p4", "decision": "forbid", "reason": "", "by": ""}
    ]
    inst = build_instance(
        clients=rec["clients"],
        placements=rec["placements"],
        providers=rec["providers"],
        pools=rec["funding"],
        decisions=rec["decisions"],
        name="savo-2026-W48",
        week="2026-W48",
    )
    assert instance_records(inst) is instance_records(inst)  # made once per parsed instance
    first = effective_records(inst, [])
    first[0]["decision"] = "changed"
    assert effective_records(inst, [])[0]["decision"] == "forbid"
    history = [DecisionRow(1, 1, 1, "c2", "p4", "v3", "accept", "", "Liisa", None, "2026-01-01")]
    assert [r["decision"] for r in effective_records(inst, history)] == ["lock"]
    assert instance_records(inst)[0]["decision"] == "forbid"


class _Store:
    def __init__(self, on_loop: bool):
        self.reads_on_loop = on_loop


def test_quick_reads_on_the_loop_only_for_a_store_whose_reads_take_microseconds():
    async def thread_of(on_loop: bool) -> bool:
        here = threading.get_ident()
        there = await quick(_Store(on_loop), threading.get_ident)  # type: ignore[arg-type]
        return here == there

    assert asyncio.run(thread_of(True)) is True  # SQLite: no thread-pool hop
    assert asyncio.run(thread_of(False)) is False  # PostgreSQL: a read may wait
