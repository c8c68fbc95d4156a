"""Shortlist runs over the API (issue 8): the lists a liaison sees (their providers, allowed
fields only), picks that become locks and hold on re-runs, declines that become forbids and give
the seat an alternate, and a change of form refused with the rule it breaks.

The hand-made week of tests/api/support.py with K = 1: three queue clients for p1 (v1), p2 (v2), p3
(v1) and p4 (v3); c1 needs "quiet", which only p1 (and p3 where a test adds it) offers.
"""

from __future__ import annotations

from typing import Any

from tests.api.support import SENSITIVE, Api, week_records

CANDIDATE_FIELDS = {
    "client_id",
    "rank",
    "municipality",
    "languages",
    "interests",
    "accommodations",
    "travel_min",
    "decision",
}


def shortlist_run(api: Api, iid: int, **request: Any) -> int:
    r = api.post(
        f"/instances/{iid}/runs",
        json={"time_limit": 3, "kind": "shortlist", "per_seat": 1, **request},
    )
    assert r.status_code == 201, r.text
    assert r.json()["request"]["kind"] == "shortlist"
    api.solve_queued()
    run = api.get(f"/runs/{r.json()['id']}").json()
    assert run["status"] == "done", run
    return run["id"]


def lists_of(api: Api, run: int, who: str = "coord") -> dict[str, dict[str, Any]]:
    r = api.get(f"/runs/{run}/shortlists", who)
    assert r.status_code == 200, r.text
    return {s["placement_id"]: s for s in r.json()["lists"]}


def names(lst: dict[str, Any]) -> list[str]:
    return [c["client_id"] for c in lst["candidates"]]


def test_coordinator_gets_shortlists_json_and_liaison_only_theirs(api):
    iid = api.upload_week()
    run = shortlist_run(api, iid)
    full = api.get(f"/runs/{run}/shortlists").json()
    assert full["format_version"] == 1 and full["per_seat"] == 1 and full["max_lists"] == 1
    assert full["lists"][0]["candidates"][0]["score"]  # the coordinator sees the scores
    assert api.get(f"/runs/{run}").json()["progress"]["gap"] is not None
    # no allocation.json for a shortlist run, and it cannot be published
    assert api.get(f"/runs/{run}/allocation").status_code == 409
    assert api.post(f"/runs/{run}/publish").status_code == 409

    r = api.get(f"/runs/{run}/shortlists", "liaison_a")
    assert r.status_code == 200
    out = r.json()
    assert out["providers"] == ["v1", "v2"]
    assert {s["provider_id"] for s in out["lists"]} <= {"v1", "v2"}
    assert {s["placement_id"] for s in out["lists"]} == {"p1", "p2", "p3"}
    p1 = next(s for s in out["lists"] if s["placement_id"] == "p1")
    assert names(p1) == ["c1"] and p1["placement_type"] == "work_trial" and p1["seats"] == 1
    for s in out["lists"]:
        for c in s["candidates"]:
            assert set(c) == CANDIDATE_FIELDS and not set(c) & SENSITIVE
    assert p1["candidates"][0]["accommodations"] == ["quiet"]
    assert p1["candidates"][0]["rank"] == 1 and p1["candidates"][0]["decision"] == "pending"
    for word in ("physical", "benefit", "work_ability", "score", "priority", "pool", "cost"):
        assert word not in r.text

    # another provider's lists, a run without lists, an allocation run: 404
    assert (
        api.get(f"/runs/{run}/shortlists", "liaison_b", params={"provider_id": "v1"}).status_code
        == 404
    )
    assert api.get(f"/runs/{run}/shortlists", "liaison_x").status_code == 404
    b = api.get(f"/runs/{run}/shortlists", "liaison_b").json()
    assert [s["placement_id"] for s in b["lists"]] == ["p4"]
    assert (
        api.post(
            f"/runs/{run}/picks", "liaison_b", json={"placement_id": "p1", "client_ids": ["c1"]}
        ).status_code
        == 404
    )
    alloc_run = api.solved_run(iid)
    assert api.get(f"/runs/{alloc_run}/shortlists").status_code == 404
    assert api.get(f"/runs/{alloc_run}/shortlists", "liaison_a").status_code == 404


def test_pick_becomes_a_lock_that_holds_on_re_runs(api):
    iid = api.upload_week()
    run = shortlist_run(api, iid)
    before = lists_of(api, run)
    assert names(before["p1"]) == ["c1"]
    r = api.post(
        f"/runs/{run}/picks", "liaison_a", json={"placement_id": "p1", "client_ids": ["c1"]}
    )
    assert r.status_code == 201, r.text
    d = r.json()["decisions"][0]
    assert (d["client_id"], d["placement_id"], d["effect"]) == ("c1", "p1", "lock")
    assert d["by"] == "Liisa (A)" and d["at"]
    assert lists_of(api, run, "liaison_a")["p1"]["candidates"][0]["decision"] == "accepted"
    # a second pick of the same client: refused, naming the rule
    again = api.post(f"/runs/{run}/picks", json={"placement_id": "p1", "client_ids": ["c1"]})
    assert again.status_code == 409 and again.json()["errors"][0].startswith("lock:")

    rerun = lists_of(api, shortlist_run(api, iid))
    assert rerun["p1"]["locked"] == ["c1"] and rerun["p1"]["seats"] == 0
    assert all("c1" not in names(s) for s in rerun.values())
    alloc = api.get(f"/runs/{api.solved_run(iid)}/allocation").json()
    assert {"client_id": "c1", "placement_id": "p1"}.items() <= next(
        a for a in alloc["assignments"] if a["client_id"] == "c1"
    ).items()


def test_decline_becomes_a_forbid_and_the_seat_gets_an_alternate(api):
    iid = api.upload_week()
    run = shortlist_run(api, iid)
    first = names(lists_of(api, run)["p4"])
    assert len(first) == 1
    declined = first[0]
    bad = api.post(
        f"/runs/{run}/picks",
        "liaison_b",
        json={"placement_id": "p4", "client_id": declined, "decline": True},
    )
    assert bad.status_code == 422  # a decline needs a reason
    r = api.post(
        f"/runs/{run}/picks",
        "liaison_b",
        json={
            "placement_id": "p4",
            "client_id": declined,
            "decline": True,
            "by_client": True,
            "reason": "prefers another field",
        },
    )
    assert r.status_code == 201, r.text
    d = r.json()["decisions"][0]
    assert (
        d["effect"] == "forbid" and d["reason"] == "declined by the client: prefers another field"
    )
    history = api.get(f"/runs/{run}/decisions", "liaison_b").json()
    assert [(h["client_id"], h["decision"]) for h in history] == [(declined, "reject")]

    again = names(lists_of(api, shortlist_run(api, iid))["p4"])
    assert again and declined not in again  # an alternate for the declined seat


def test_change_of_form_is_checked_and_named(api):
    rec = week_records()
    rec["placements"][2]["features"] = ["quiet"]  # p3 (v1, wage subsidy) can take c1 too
    iid = api.upload_week(rec)
    run = shortlist_run(api, iid)
    assert names(lists_of(api, run)["p1"]) == ["c1"]
    other = api.post(
        f"/runs/{run}/picks",
        "liaison_a",
        json={"placement_id": "p1", "client_ids": ["c1"], "switch_to": "p4"},
    )
    assert other.status_code == 409
    assert other.json()["errors"][0].startswith("same_provider:")
    assert "same_provider" in other.json()["detail"]
    assert api.get(f"/runs/{run}/decisions").json() == []
    r = api.post(
        f"/runs/{run}/picks",
        "liaison_a",
        json={
            "placement_id": "p1",
            "client_ids": ["c1"],
            "switch_to": "p3",
            "reason": "a wage-subsidy post instead",
        },
    )
    assert r.status_code == 201, r.text
    d = r.json()["decisions"][0]
    assert (d["client_id"], d["placement_id"], d["effect"]) == ("c1", "p3", "lock")
    rerun = lists_of(api, shortlist_run(api, iid))
    assert rerun["p3"]["locked"] == ["c1"]
