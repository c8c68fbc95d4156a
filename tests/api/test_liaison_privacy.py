"""Liaisons read no coordinator's free text and no health data (DOMAIN.md: "Employer liaisons
see only their own providers' proposals and no health data"): end reasons, outcome notes and
decision reasons that another token wrote come to a liaison as '', this week and once carried
into next week's snapshot; a refused accept names the rule, not the client's figures or a
forbid's reason. Every GET route and page is walked with a liaison token (both backends)."""

from __future__ import annotations

import re

import pytest

from api.services.accept import accept_errors
from tests.api.support import SENSITIVE, week_instance

SECRET = "SALAINEN"  # in every coordinator text below: a liaison must never read it
HEALTH = {"work_ability", "abilities", "partial_work_ability", "needs", "benefit_days", "groups"}
PAGES = ["/", "/coordinator", "/liaison", "/report", "/static/i18n.json"]


@pytest.fixture
def week(api):
    """A done run where the coordinator wrote free text on liaison A's providers (v1, v2): an
    early end of c4 at p2 with its reason and outcome note, and a forbid of a proposed pair of
    v1; liaison A rejected another proposal with a reason of their own."""
    iid = api.upload_week()
    run = api.solved_run(iid)
    alloc = api.get(f"/runs/{run}/allocation").json()
    mine = sorted(
        (a["client_id"], a["placement_id"])
        for a in alloc["assignments"]
        if a["placement_id"] in ("p1", "p3")
    )
    assert mine, alloc["assignments"]
    end = {"client_ids": ["c4"], "reason": f"{SECRET} masennus", "end_week": "2026-W48"}
    assert api.post(f"/runs/{run}/placements/p2/end", json=end).status_code == 201
    note = {"client_id": "c4", "outcome": "other", "note": f"{SECRET} sairausloma"}
    assert api.post(f"/runs/{run}/placements/p2/outcome", json=note).status_code == 201
    forbid = {
        "client_id": mine[0][0],
        "placement_id": mine[0][1],
        "decision": "reject",
        "reason": f"{SECRET} selkävaiva",
    }
    assert api.post(f"/runs/{run}/decisions", json=forbid).status_code == 201
    return {"iid": iid, "run": run, "forbidden": mine[0]}


def _fill(path: str, week: dict) -> str:
    values = {"run_id": week["run"], "instance_id": week["iid"], "placement_id": "p2"}
    values.update(client_id="c4", path="js/liaison.js")
    return re.sub(r"\{(\w+)(?::path)?\}", lambda m: str(values[m.group(1)]), path)


def _keys(value: object) -> set[str]:
    """The keys with a value in a JSON answer (an empty `groups` tells nothing), but the
    objective weights' names (a run's `request`)."""
    if isinstance(value, dict):
        have = {n for n, v in value.items() if v not in ([], "", None)}
        return have | {k for n, v in value.items() if n != "weights" for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_get_route_or_page_shows_a_liaison_coordinator_text_or_health_data(api, week):
    paths = [_fill(p, week) for p, ops in api.client.app.openapi()["paths"].items() if "get" in ops]
    extra = ["/reports?from=2026-W48&to=2026-W48", f"/runs/{week['run']}/allocation?format=csv"]
    seen = 0
    for url in [*paths, *extra, *PAGES]:
        r = api.get(url, "liaison_a")
        assert r.status_code < 500, (url, r.text)
        assert SECRET not in r.text, (url, r.text)
        if r.status_code == 200 and r.headers["content-type"].startswith("application/json"):
            seen += 1
            if not url.startswith("/static"):
                assert not _keys(r.json()) & (HEALTH | SENSITIVE), (url, r.json())
    assert seen >= 6  # /me, /health, /runs, /runs/{id}, proposals, decisions, outcomes …
    # the coordinator reads all of it
    coord = api.get(f"/runs/{week['run']}/outcomes").json()["ended"]
    assert [(e["end_reason"], e["note"]) for e in coord] == [
        (f"{SECRET} masennus", f"{SECRET} sairausloma")
    ]


def test_a_liaison_reads_their_own_texts_only(api, week):
    run = week["run"]
    outcomes = api.get(f"/runs/{run}/outcomes", "liaison_a").json()["ended"]
    assert [(e["client_id"], e["outcome"], e["end_reason"], e["note"]) for e in outcomes] == [
        ("c4", "other", "", "")
    ]
    mine = {"client_id": "c4", "outcome": "training", "note": "aloitti koulun"}
    r = api.post(f"/runs/{run}/placements/p2/outcome", "liaison_a", json=mine)
    assert r.status_code == 201, r.text
    assert (r.json()["end_reason"], r.json()["note"]) == ("", "aloitti koulun")
    fu = {"client_id": "c4", "months_after": 3, "still_employed": "no", "date": "2027-03-01"}
    r = api.post(f"/runs/{run}/placements/p2/followup", "liaison_a", json=fu)
    assert r.status_code == 201 and SECRET not in r.text

    proposals = api.get(f"/runs/{run}/proposals", "liaison_a").json()["proposals"]
    other = next(p for p in proposals if (p["client_id"], p["placement_id"]) != week["forbidden"])
    reject = {
        "client_id": other["client_id"],
        "placement_id": other["placement_id"],
        "decision": "reject",
        "reason": "tiimi on täynnä",
    }
    assert api.post(f"/runs/{run}/decisions", "liaison_a", json=reject).status_code == 201
    history = api.get(f"/runs/{run}/decisions", "liaison_a").json()
    assert [(d["by"], d["reason"]) for d in history] == [
        ("Kaisa (coordinator)", ""),
        ("Liisa (A)", "tiimi on täynnä"),
    ]
    assert [d["reason"] for d in api.get(f"/runs/{run}/decisions").json()] == [
        f"{SECRET} selkävaiva",
        "tiimi on täynnä",
    ]


def test_a_refused_accept_tells_a_liaison_the_rule_not_the_clients_figures():
    # c5 is 70 (over age.max 67), c1 has work ability 4 and needs quiet: p2 offers no quiet
    inst = week_instance()
    detailed = accept_errors(inst, {}, [], "c5", "p1")
    plain = accept_errors(inst, {}, [], "c5", "p1", detailed=False)
    assert [e.split(":")[0] for e in detailed] == [e.split(":")[0] for e in plain] == ["age"]
    assert "70" in detailed[0] and "70" not in plain[0] and "67" not in plain[0]
    assert plain == ["age: c5 → p1: age outside the allowed range"]
    (needs,) = accept_errors(inst, {}, [], "c1", "p2", detailed=False)
    assert needs == "needs: c1 → p2: the placement does not offer what the client needs"


def test_texts_carried_into_next_week_stay_with_the_coordinators(api, week):
    run = api.solved_run(week["iid"])  # a re-run keeps the forbid; then the week can close
    assert api.post(f"/runs/{run}/publish").status_code == 200
    nxt = api.post(f"/runs/{run}/next-week")
    assert nxt.status_code == 201, nxt.text
    run2 = api.solved_run(nxt.json()["id"])
    liaison = api.get(f"/runs/{run2}/outcomes", "liaison_a")
    assert SECRET not in liaison.text
    assert [(e["client_id"], e["end_reason"], e["note"]) for e in liaison.json()["ended"]] == [
        ("c4", "", "")
    ]
    coord = api.get(f"/runs/{run2}/outcomes").json()["ended"]
    assert coord[0]["end_reason"] == f"{SECRET} masennus"
