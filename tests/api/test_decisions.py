"""Liaisons: the proposals they see (exact fields, their providers only), accept/reject with
history, what re-runs make of it, and 404 for everything that is not theirs — on every route a
liaison can call, and for coordinators of another region on every run route."""

from __future__ import annotations

import pytest

from tests.api.support import PROPOSAL_FIELDS, SENSITIVE

COORDINATOR_RUN_ROUTES = [
    ("get", "/runs/{run}/allocation"),
    ("get", "/runs/{run}/allocation?format=csv"),
    ("get", "/runs/{run}/summary"),
    ("get", "/runs/{run}/unassigned"),
    ("get", "/runs/{run}/clients/c1"),
    ("post", "/runs/{run}/cancel"),
    ("post", "/runs/{run}/restart"),
    ("post", "/runs/{run}/publish"),
    ("post", "/runs/{run}/next-week"),
]


@pytest.fixture
def solved(api):
    iid = api.upload_week()
    return api, iid, api.solved_run(iid)


def test_liaison_sees_only_their_proposals_and_only_allowed_fields(solved):
    api, iid, run = solved
    alloc = api.get(f"/runs/{run}/allocation").json()
    provider_of = {"p1": "v1", "p2": "v2", "p3": "v1", "p4": "v3"}
    expected_a = {
        (a["client_id"], a["placement_id"])
        for a in alloc["assignments"]
        if provider_of[a["placement_id"]] in ("v1", "v2")
    }
    r = api.get(f"/runs/{run}/proposals", "liaison_a")
    assert r.status_code == 200
    out = r.json()
    assert out["providers"] == ["v1", "v2"] and out["week"] == "2026-W48"
    got = {(p["client_id"], p["placement_id"]) for p in out["proposals"]}
    assert got == expected_a and ("c1", "p1") in got
    for p in out["proposals"]:
        assert set(p) == PROPOSAL_FIELDS
        assert not set(p) & SENSITIVE
        assert p["decision"] == "pending" and p["provider_id"] in ("v1", "v2")
    c1 = next(p for p in out["proposals"] if p["client_id"] == "c1")
    assert c1["accommodations"] == ["quiet"] and c1["languages"] == ["fi"]
    assert c1["interests"] == ["it", "care"] and c1["municipality"] == "Kuopio"
    assert c1["placement_type"] == "work_trial" and c1["travel_min"] > 0
    # the raw response carries no sensitive value either (c1's abilities, benefit days…)
    assert "physical" not in r.text and "benefit" not in r.text and "work_ability" not in r.text

    only_v1 = api.get(f"/runs/{run}/proposals", "liaison_a", params={"provider_id": "v1"}).json()
    assert {p["provider_id"] for p in only_v1["proposals"]} <= {"v1"}
    b = api.get(f"/runs/{run}/proposals", "liaison_b").json()
    assert b["providers"] == ["v3"] and all(p["provider_id"] == "v3" for p in b["proposals"])
    # a coordinator sees every provider's proposals
    everyone = api.get(f"/runs/{run}/proposals").json()
    assert len(everyone["proposals"]) == len(alloc["assignments"])


def test_liaison_gets_404_for_other_providers_on_every_route_they_can_call(solved):
    api, iid, run = solved
    v1_pair = {"client_id": "c1", "placement_id": "p1", "decision": "accept"}
    # liaison B (v3) asking about A's provider v1
    assert (
        api.get(f"/runs/{run}/proposals", "liaison_b", params={"provider_id": "v1"}).status_code
        == 404
    )
    assert (
        api.get(f"/runs/{run}/decisions", "liaison_b", params={"provider_id": "v1"}).status_code
        == 404
    )
    assert api.post(f"/runs/{run}/decisions", "liaison_b", json=v1_pair).status_code == 404
    # a pair at their own provider that was not proposed to them
    r = api.post(
        f"/runs/{run}/decisions",
        "liaison_b",
        json={"client_id": "c5", "placement_id": "p4", "decision": "accept"},
    )
    assert r.status_code == 404
    # unknown provider / placement: the same answer
    assert (
        api.get(f"/runs/{run}/proposals", "liaison_a", params={"provider_id": "nope"}).status_code
        == 404
    )
    assert (
        api.post(
            f"/runs/{run}/decisions", "liaison_a", json={**v1_pair, "placement_id": "p999"}
        ).status_code
        == 404
    )
    # a liaison none of whose providers is in the week sees no run at all
    for method, url in [
        ("get", "/runs/{run}"),
        ("get", "/runs/{run}/proposals"),
        ("get", "/runs/{run}/decisions"),
        ("post", "/runs/{run}/decisions"),
    ]:
        kw = {"json": v1_pair} if method == "post" else {}
        r = getattr(api, method)(url.format(run=run), "liaison_x", **kw)
        assert r.status_code == 404, (url, r.status_code)
        assert "c1" not in r.text
    # nothing was recorded by any of that
    assert api.get(f"/runs/{run}/decisions").json() == []
    # the routes that are not for liaisons at all answer 403 whatever the id
    for method, url in COORDINATOR_RUN_ROUTES:
        for run_id in (run, 999):
            r = getattr(api, method)(url.format(run=run_id), "liaison_a")
            assert r.status_code == 403, (url, r.status_code)
    assert api.get(f"/instances/{iid}", "liaison_a").status_code == 403


def test_coordinator_of_another_region_gets_404_everywhere(solved):
    api, iid, run = solved
    pair = {"client_id": "c1", "placement_id": "p1", "decision": "accept"}
    routes = [
        *COORDINATOR_RUN_ROUTES,
        ("get", "/runs/{run}"),
        ("get", "/runs/{run}/proposals"),
        ("get", "/runs/{run}/decisions"),
        ("post", "/runs/{run}/decisions"),
    ]
    for method, url in routes:
        kw = {"json": pair} if url.endswith("/decisions") and method == "post" else {}
        r = getattr(api, method)(url.format(run=run), "other_coord", **kw)
        assert r.status_code == 404, (url, r.status_code)
    assert api.get(f"/runs/{run}").json()["status"] == "done"
    assert not api.get(f"/runs/{run}").json()["published"]


def test_accept_reject_history_and_rerun(solved):
    api, iid, run = solved
    proposals = api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
    other = next(p for p in proposals if p["client_id"] != "c1")
    r = api.post(
        f"/runs/{run}/decisions",
        "liaison_a",
        json={"client_id": "c1", "placement_id": "p1", "decision": "reject"},
    )
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = api.post(
        f"/runs/{run}/decisions",
        "liaison_a",
        json={
            "client_id": "c1",
            "placement_id": "p1",
            "decision": "reject",
            "reason": "no supervisor free in December",
        },
    )
    assert r.status_code == 201, r.text
    rejected = r.json()
    assert rejected["effect"] == "forbid" and rejected["by"] == "Liisa (A)" and rejected["at"]
    r = api.post(
        f"/runs/{run}/decisions",
        "liaison_a",
        json={
            "client_id": other["client_id"],
            "placement_id": other["placement_id"],
            "decision": "accept",
            "reason": "met them, fine",
        },
    )
    assert r.status_code == 201 and r.json()["effect"] == "lock"
    bad = {"client_id": "c2", "placement_id": "p1", "decision": "maybe"}
    assert api.post(f"/runs/{run}/decisions", "liaison_a", json=bad).status_code == 422
    assert (
        api.post(
            f"/runs/{run}/decisions", "liaison_a", json={"client_id": 5, "placement_id": "p1"}
        ).status_code
        == 422
    )

    states = {
        (p["client_id"], p["placement_id"]): p["decision"]
        for p in api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
    }
    assert states[("c1", "p1")] == "rejected"
    assert states[(other["client_id"], other["placement_id"])] == "accepted"
    history = api.get(f"/runs/{run}/decisions", "liaison_a").json()
    assert [h["decision"] for h in history] == ["reject", "accept"]
    assert api.get(f"/runs/{run}/decisions", "liaison_b").json() == []

    # a run with a rejected proposal cannot be published until re-run
    r = api.post(f"/runs/{run}/publish")
    assert r.status_code == 409 and "re-run" in r.json()["detail"]

    rerun = api.solved_run(iid, time_limit=3)
    alloc = api.get(f"/runs/{rerun}/allocation").json()
    pairs = {(a["client_id"], a["placement_id"]) for a in alloc["assignments"]}
    assert ("c1", "p1") not in pairs  # rejected: never proposed again
    assert (other["client_id"], other["placement_id"]) in pairs  # accepted: kept
    # c1 needs quiet, which only p1 offers: now left out, and the reasons say so
    c1 = api.get(f"/runs/{rerun}/clients/c1").json()
    assert c1["state"] == "unassigned" and c1["reasons"]
    assert [d["decision"] for d in c1["decisions"]] == ["reject"]
    # the re-run's proposals keep showing the decisions
    states = {
        (p["client_id"], p["placement_id"]): p["decision"]
        for p in api.get(f"/runs/{rerun}/proposals", "liaison_a").json()["proposals"]
    }
    assert states[(other["client_id"], other["placement_id"])] == "accepted"
    assert api.post(f"/runs/{rerun}/publish").status_code == 200


def test_coordinator_pins_and_forbids_any_pair(solved):
    api, iid, run = solved
    alloc = api.get(f"/runs/{run}/allocation").json()
    holder = {a["placement_id"]: a["client_id"] for a in alloc["assignments"]}
    free = next(p for p in ("p2", "p3", "p4") if p not in holder)
    mover = next(c for c in ("c2", "c3") if c in holder.values())
    r = api.post(
        f"/runs/{run}/decisions",
        json={"client_id": mover, "placement_id": free, "decision": "accept"},
    )
    assert r.status_code == 201
    # that seat is now locked: another lock there cannot hold
    other = "c3" if mover == "c2" else "c2"
    r = api.post(
        f"/runs/{run}/decisions",
        json={"client_id": other, "placement_id": free, "decision": "accept"},
    )
    assert r.status_code == 409
    # c4 stays in p2 this week: a lock elsewhere cannot hold
    r = api.post(
        f"/runs/{run}/decisions",
        json={"client_id": "c4", "placement_id": "p1", "decision": "accept"},
    )
    assert r.status_code == 409
    r = api.post(f"/runs/{run}/publish")
    assert r.status_code == 409 and "pinned" in r.json()["detail"]
    rerun = api.solved_run(iid, time_limit=3)
    pairs = {
        (a["client_id"], a["placement_id"])
        for a in api.get(f"/runs/{rerun}/allocation").json()["assignments"]
    }
    assert (mover, free) in pairs
    assert api.post(f"/runs/{rerun}/publish").status_code == 200


def test_decisions_wait_for_a_done_run(api):
    iid = api.upload_week()
    run = api.post(f"/instances/{iid}/runs", json={"time_limit": 2}).json()
    r = api.post(
        f"/runs/{run['id']}/decisions",
        "liaison_a",
        json={"client_id": "c1", "placement_id": "p1", "decision": "accept"},
    )
    assert r.status_code == 409
    assert api.get(f"/runs/{run['id']}/proposals", "liaison_a").status_code == 409
    assert api.get(f"/runs/{run['id']}", "liaison_a").json()["status"] == "queued"
