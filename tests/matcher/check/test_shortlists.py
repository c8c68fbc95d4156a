"""Tests of the independent shortlist checker (matcher/shortlist_check.py): clean engine output
passes; each mutation of a shortlists.json is caught under the rule it breaks — over the budget
guarantee, over a cap, a client on too many lists, an infeasible candidate, a locked client on a
list, and the bookkeeping (seats, lengths, ranks, reservations, objective, unlisted).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cli.commands.check import artefact_kind
from matcher.check.allocation import score_components
from matcher.check.facts import Facts, pair_cost, travel_minutes
from matcher.check.shortlists import check_shortlists, top_s
from matcher.shortlists.solve import ShortlistOptions, shortlist, to_shortlists
from models.instance import Instance
from models.shortlists import Shortlists
from tests import factories
from tests.matcher.shortlists.cases import client, placement


def instance(
    budget: float,
    decisions: list[dict[str, Any]] | None = None,
    cap: int | None = None,
    ptype: str = "coaching",
) -> Instance:
    clients = [client(f"c{i}", 600 + 10 * i) for i in range(8)]
    clients.append(
        client("far", 2000, lat=factories.KUOPIO[0] + 2.0, transport="transit", max_commute_min=30)
    )
    clients.append(client("nc", 2000, consents=["participation"]))
    return factories.instance(
        clients,
        [placement("p1", 2, type=ptype), placement("p2", 1, type=ptype)],
        providers=[factories.provider(max_subsidised=cap)],
        pools=[factories.pool(budget=budget)],
        decisions=decisions or [],
        name="check-test",
    )


def lists_of(inst: Instance, **kw: Any) -> dict[str, Any]:
    options = ShortlistOptions(**{"time_limit": 10.0, **kw})
    return to_shortlists(inst, shortlist(inst, options)).to_dict()


def rules(inst: Instance, raw: dict[str, Any]) -> set[str]:
    return {v.rule for v in check_shortlists(inst, Shortlists.from_dict(raw))}


def the_list(raw: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(sl for sl in raw["lists"] if sl["placement_id"] == pid)


def entry(inst: Instance, cid: str, pid: str, rank: int) -> dict[str, Any]:
    """A candidate whose figures the checker re-derives exactly (so only the intended rule fires)."""
    facts = Facts.from_instance(inst)
    c, p = facts.clients[cid], facts.placements[pid]
    cost, minutes = pair_cost(facts, c, p), travel_minutes(c, p, facts.rules)
    score = {k: round(v) for k, v in score_components(facts, c, p, minutes, cost).items()}
    return {
        "client_id": cid,
        "pool_id": "f",
        "rank": rank,
        "score": score,
        "cost": round(cost, 2),
        "travel_min": round(minutes, 2),
        "why": ["added by hand"],
    }


def add(inst: Instance, raw: dict[str, Any], cid: str, pid: str) -> dict[str, Any]:
    """`raw` with `cid` appended to the list of `pid`, and every figure that depends on it settled
    (ranks, reservations, pools, objective, unlisted) so that only the rule under test breaks."""
    raw = copy.deepcopy(raw)
    sl = the_list(raw, pid)
    new = entry(inst, cid, pid, len(sl["candidates"]) + 1)
    sl["candidates"] = sorted(sl["candidates"] + [new], key=lambda c: -sum(c["score"].values()))
    settle(inst, raw)
    return raw


def settle(inst: Instance, raw: dict[str, Any]) -> None:
    facts = Facts.from_instance(inst)
    total: dict[str, float] = {}
    objective = 0
    listed = set()
    for sl in raw["lists"]:
        for k, c in enumerate(sl["candidates"], start=1):
            c["rank"] = k
            objective += sum(c["score"].values())
            listed.add(c["client_id"])
        costs = [c["cost"] for c in sl["candidates"]]
        p = facts.placements[sl["placement_id"]]
        locked = sum(pair_cost(facts, facts.clients[cid], p) for cid in sl["locked"])
        reserved = top_s(costs, sl["seats"]) + locked
        sl["reserved"] = {"f": round(reserved, 2)} if reserved else {}
        total["f"] = total.get("f", 0.0) + reserved
        objective += raw["cover_bonus"] * min(sl["seats"], len(sl["candidates"]))
    raw["pools"] = [
        {
            "pool_id": "f",
            "budget": raw["pools"][0]["budget"],
            "reserved": round(total.get("f", 0.0), 2),
        }
    ]
    raw["objective"] = objective
    raw["bound"] = max(raw["bound"] or 0, objective)
    raw["unlisted"] = [u for u in raw["unlisted"] if u["client_id"] not in listed]
    locked = {cid for sl in raw["lists"] for cid in sl["locked"]}
    known = {u["client_id"] for u in raw["unlisted"]}
    for cid in facts.clients:
        if cid not in listed | locked | known:
            raw["unlisted"].append(
                {"client_id": cid, "reasons": ["taken off its list by the test"]}
            )


@pytest.fixture(scope="module")
def tight() -> tuple[Instance, dict[str, Any]]:
    inst = instance(budget=2500.0)
    return inst, lists_of(inst)


@pytest.fixture(scope="module")
def loose() -> tuple[Instance, dict[str, Any]]:
    inst = instance(budget=1e6)
    return inst, lists_of(inst)


def test_engine_output_is_clean(
    tight: tuple[Instance, dict[str, Any]], loose: tuple[Instance, dict[str, Any]]
) -> None:
    for inst, raw in (tight, loose):
        assert rules(inst, raw) == set()
        assert artefact_kind(raw) == "shortlists"


def test_settle_alone_changes_nothing(tight: tuple[Instance, dict[str, Any]]) -> None:
    inst, raw = tight
    again = copy.deepcopy(raw)
    settle(inst, again)
    assert rules(inst, again) == set()


def test_over_the_budget_guarantee(tight: tuple[Instance, dict[str, Any]]) -> None:
    inst, raw = tight
    assert the_list(raw, "p2")["candidates"] == []  # the optimum funds p1 only (2 000 of 2 500 €)
    moved = copy.deepcopy(raw)
    sl1 = the_list(moved, "p1")
    sl1["candidates"] = sl1["candidates"][:-1]
    last = the_list(raw, "p1")["candidates"][-1]["client_id"]
    moved = add(inst, moved, last, "p2")
    assert rules(inst, moved) == {"budget_guarantee"}  # 2 000 + 1 000 € > 2 500 €


def test_over_the_cap_guarantee() -> None:
    inst = instance(budget=1e6, cap=2, ptype="wage_subsidy")
    raw = lists_of(inst)
    filled = {sl["placement_id"]: min(sl["seats"], len(sl["candidates"])) for sl in raw["lists"]}
    assert sum(filled.values()) == 2  # cap 2: p1's two seats, or one of p1 and p2's
    empty = next((p for p, n in filled.items() if n < {"p1": 2, "p2": 1}[p]), None)
    assert empty is not None
    free = [
        c
        for c in ("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7")
        if all(c not in [x["client_id"] for x in sl["candidates"]] for sl in raw["lists"])
    ]
    mutated = add(inst, raw, free[0], empty)
    assert rules(inst, mutated) == {"cap_guarantee"}


def test_a_client_on_too_many_lists(loose: tuple[Instance, dict[str, Any]]) -> None:
    inst, raw = loose
    on_p1 = the_list(raw, "p1")["candidates"][0]["client_id"]
    short = copy.deepcopy(raw)
    sl2 = the_list(short, "p2")
    sl2["candidates"] = sl2["candidates"][:2]
    mutated = add(inst, short, on_p1, "p2")
    assert rules(inst, mutated) == {"max_lists"}
    mutated["max_lists"] = 2
    assert rules(inst, mutated) == set()


def test_infeasible_candidates(loose: tuple[Instance, dict[str, Any]]) -> None:
    inst, raw = loose
    short = copy.deepcopy(raw)
    sl2 = the_list(short, "p2")
    sl2["candidates"] = sl2["candidates"][:2]
    assert rules(inst, add(inst, short, "far", "p2")) == {"commute"}
    assert rules(inst, add(inst, short, "nc", "p2")) == {"consent"}


def test_a_locked_client_on_a_list() -> None:
    lock = [{"client_id": "c7", "placement_id": "p1", "decision": "lock"}]
    inst = instance(budget=1e6, decisions=lock)
    raw = lists_of(inst)
    assert the_list(raw, "p1")["locked"] == ["c7"] and the_list(raw, "p1")["seats"] == 1
    assert rules(inst, raw) == set()
    short = copy.deepcopy(raw)
    sl2 = the_list(short, "p2")
    sl2["candidates"] = sl2["candidates"][:2]
    assert rules(inst, add(inst, short, "c7", "p2")) == {"locked_listed"}
    unlocked = copy.deepcopy(raw)
    the_list(unlocked, "p1")["locked"] = []
    the_list(unlocked, "p1")["lock_pools"] = {}
    assert "lock" in rules(inst, unlocked)


def test_bookkeeping_mutations(loose: tuple[Instance, dict[str, Any]]) -> None:
    inst, raw = loose
    assert len(the_list(raw, "p1")["candidates"]) == 6
    too_long = copy.deepcopy(raw)
    too_long["per_seat"] = 2  # p1's 6 candidates > 2 × 2 seats
    assert rules(inst, too_long) == {"list_length"}
    swapped = copy.deepcopy(raw)
    cands = the_list(swapped, "p1")["candidates"]
    cands[0], cands[-1] = cands[-1], cands[0]
    assert rules(inst, swapped) == {"rank"}
    wrong_seats = copy.deepcopy(raw)
    the_list(wrong_seats, "p1")["seats"] = 3
    assert "seats" in rules(inst, wrong_seats)
    cost = copy.deepcopy(raw)
    the_list(cost, "p1")["candidates"][0]["cost"] += 50
    assert "cost" in rules(inst, cost)
    objective = copy.deepcopy(raw)
    objective["objective"] -= 10
    assert rules(inst, objective) == {"objective"}
    forgotten = copy.deepcopy(raw)
    gone = forgotten["unlisted"].pop()["client_id"]
    assert rules(inst, forgotten) == {"unexplained"}
    assert any(v.client_id == gone for v in check_shortlists(inst, Shortlists.from_dict(forgotten)))
    reserved = copy.deepcopy(raw)
    the_list(reserved, "p1")["reserved"] = {"f": 1.0}
    assert rules(inst, reserved) == {"reserved"}
    missing = copy.deepcopy(raw)
    missing["lists"] = [sl for sl in missing["lists"] if sl["placement_id"] != "p2"]
    assert "missing_list" in rules(inst, missing)
