"""Tests of the independent checker (matcher/check.py) and `polku check`.

A hand-made instance with figures worked out by hand, one mutation per kind of violation, and
hypothesis properties: capacity/budget flags agree with a direct count, and a greedy that only
adds pairs the checker's own feasibility accepts yields a clean allocation.
"""

from __future__ import annotations

import argparse
import copy
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.commands import check as check_cmd
from instances.build import build_instance
from matcher.check.allocation import (
    check_allocation,
    check_with_facts,
    pair_problems,
    pathway_term,
    pool_problem,
    score_components,
)
from matcher.check.facts import (
    Facts,
    Violation,
    client_groups,
    pair_cost,
    pair_rate,
    travel_minutes,
)
from models.allocation import Allocation
from models.entities import Client, Placement
from models.instance import Instance
from models.rules import Rules
from models.weights import Weights

KUOPIO = (62.89, 27.68)
NEAR = (62.90, 27.70)
ALL_TYPES = ["work_trial", "wage_subsidy", "coaching", "participation"]


def records() -> dict[str, list[dict[str, Any]]]:
    """The hand-made instance as records: 4 clients, 4 placements, 2 providers, 3 pools."""
    client = dict(
        municipality="Kuopio",
        age=30,
        benefit_days=0,
        unemployed_months=0,
        work_ability=3,
        partial_work_ability=False,
        languages=["fi"],
        needs=[],
        interests=[],
        transport="car",
        max_commute_min=60,
        consents=ALL_TYPES,
        wishes=[],
        current_placement="",
        months_used={},
    )
    clients = [
        {
            **client,
            "id": "c1",
            "lat": KUOPIO[0],
            "lon": KUOPIO[1],
            "benefit_days": 600,
            "unemployed_months": 14,
            "work_ability": 4,
            "interests": ["care"],
            "wishes": ["p1"],
            "months_used": {"coaching": 3},
            "weeks_since_activation": 10,
        },
        {
            **client,
            "id": "c2",
            "lat": NEAR[0],
            "lon": NEAR[1],
            "age": 22,
            "benefit_days": 100,
            "unemployed_months": 3,
            "partial_work_ability": True,
            "languages": ["fi", "sv"],
            "needs": ["wheelchair"],
            "transport": "transit",
            "max_commute_min": 45,
            "consents": ["coaching", "participation", "wage_subsidy"],
        },
        {
            **client,
            "id": "c3",
            "lat": KUOPIO[0],
            "lon": KUOPIO[1],
            "age": 40,
            "benefit_days": 800,
            "current_placement": "p3",
        },
        {
            **client,
            "id": "c4",
            "lat": NEAR[0],
            "lon": NEAR[1],
            "age": 20,
            "benefit_days": 50,
            "unemployed_months": 3,
            "max_commute_min": 30,
            "consents": ["coaching", "wage_subsidy"],
        },
    ]
    placement = dict(
        municipality="Kuopio", min_work_ability=1, language="fi", features=[], sector="", demands={}
    )
    placements = [
        {
            **placement,
            "id": "p1",
            "type": "wage_subsidy",
            "provider_id": "v1",
            "lat": KUOPIO[0],
            "lon": KUOPIO[1],
            "seats": 1,
            "min_work_ability": 3,
            "sector": "care",
            "duration_weeks": 26,
            "weekly_cost": 600.0,
            "funding_pools": ["ts"],
        },
        {
            **placement,
            "id": "p2",
            "type": "coaching",
            "provider_id": "v2",
            "lat": NEAR[0],
            "lon": NEAR[1],
            "seats": 1,
            "min_work_ability": 2,
            "features": ["wheelchair", "transport"],
            "sector": "wood",
            "duration_weeks": 12,
            "weekly_cost": 250.0,
            "funding_pools": ["esf", "muni"],
        },
        {
            **placement,
            "id": "p3",
            "type": "participation",
            "provider_id": "v2",
            "lat": KUOPIO[0],
            "lon": KUOPIO[1],
            "seats": 1,
            "sector": "farm",
            "duration_weeks": 20,
            "weekly_cost": 0.0,
            "funding_pools": [],
        },
        {
            **placement,
            "id": "p4",
            "type": "wage_subsidy",
            "provider_id": "v1",
            "lat": NEAR[0],
            "lon": NEAR[1],
            "seats": 1,
            "duration_weeks": 10,
            "weekly_cost": 400.0,
            "funding_pools": ["ts"],
        },
    ]
    providers = [
        {
            "id": "v1",
            "name": "Yhdistys",
            "kind": "association",
            "municipality": "Kuopio",
            "max_subsidised": 1,
        },
        {"id": "v2", "name": "Paja Oy", "kind": "company", "municipality": "Kuopio"},
    ]
    pools = [
        {
            "id": "ts",
            "name": "Palkkatuki",
            "budget": 20000.0,
            "types": ["wage_subsidy"],
            "municipalities": [],
        },
        {
            "id": "esf",
            "name": "ESF nuoret",
            "budget": 6500.0,
            "types": ["coaching"],
            "municipalities": ["Kuopio"],
            "groups": ["youth"],
        },
        {
            "id": "muni",
            "name": "Pori-lisä",
            "budget": 100000.0,
            "types": ["coaching"],
            "municipalities": ["Pori"],
        },
    ]
    return {
        "clients": clients,
        "placements": placements,
        "providers": providers,
        "pools": pools,
        "decisions": [],
    }


def make_instance(recs: dict[str, list[dict[str, Any]]] | None = None, **kw: Any) -> Instance:
    return build_instance(**(recs or records()), name="test-week", **kw)


def patched(table: str, row_id: str, **changes: Any) -> dict[str, list[dict[str, Any]]]:
    """Records with one row of one table changed."""
    recs = records()
    for row in recs[table]:
        if row["id"] == row_id:
            row.update(changes)
    return recs


def valid_allocation() -> dict[str, Any]:
    """The clean allocation, every figure worked out by hand (see the comments)."""
    return {
        "format_version": 1,
        "instance": "test-week",
        "status": "OPTIMAL",
        "objective": 1387 + 1033,
        "bound": 2420,
        "solve_seconds": 0.1,
        "assignments": [
            # c1 → p1: association + 14 months unemployed → rate 1.0: 600 × 26 = 15600 €.
            # priority 1000 + 20·600/100 + 0.5·37.21·5 + 2·10 = 1233.025; wish rank 1 → 120;
            # interest care → 60; pathway: coaching used (stage 1), wage subsidy is 3 → 0;
            # travel 0 km by car = 5 min → −10; cost −15.6 → −16.
            {
                "client_id": "c1",
                "placement_id": "p1",
                "pool_id": "ts",
                "cost": 15600.0,
                "travel_min": 5.0,
                "score": {
                    "priority": 1233,
                    "wish": 120,
                    "interest": 60,
                    "travel": -10,
                    "cost": -16,
                },
            },
            # c2 → p2: coaching rate 1.0: 250 × 12 = 3000 €, paid by the youth ESF pool.
            # priority 1000 + 20·100/100 + 2·(3 months × 52/12 = 13 weeks, activation unknown)
            # = 1046; transport feature → car, 0 km → 5 min → −10; cost −3.
            {
                "client_id": "c2",
                "placement_id": "p2",
                "pool_id": "esf",
                "cost": 3000.0,
                "travel_min": 5.0,
                "score": {"priority": 1046, "travel": -10, "cost": -3},
            },
        ],
        "unassigned": [{"client_id": "c4", "reasons": ["the only coaching seat is taken"]}],
        "pools": [
            {"pool_id": "ts", "budget": 20000.0, "used": 15600.0},
            {"pool_id": "esf", "budget": 6500.0, "used": 3000.0},
            {"pool_id": "muni", "budget": 100000.0, "used": 0.0},
        ],
        "fairness": {},
    }


def correct_assignment(inst: Instance, cid: str, pid: str, pool: str) -> dict[str, Any]:
    """An assignment dict whose figures agree with the checker (for mutations of other rules)."""
    facts = Facts.from_instance(inst)
    c, p = facts.clients[cid], facts.placements[pid]
    cost, minutes = pair_cost(facts, c, p), travel_minutes(c, p, facts.rules)
    score = {k: round(v) for k, v in score_components(facts, c, p, minutes, cost).items()}
    return {
        "client_id": cid,
        "placement_id": pid,
        "pool_id": pool,
        "cost": round(cost, 2),
        "travel_min": round(minutes, 2),
        "score": score,
    }


def settle(raw: dict[str, Any]) -> Allocation:
    """Make objective = Σ totals again so a mutation only breaks what it means to."""
    raw["objective"] = sum(sum(a["score"].values()) for a in raw["assignments"])
    return Allocation.from_dict(raw)


def rules_of(violations: list[Violation]) -> set[str]:
    return {v.rule for v in violations}


def unassign(raw: dict[str, Any], cid: str) -> None:
    raw["unassigned"] = [u for u in raw["unassigned"] if u["client_id"] != cid]


def set_used(raw: dict[str, Any], pool: str, used: float) -> None:
    for p in raw["pools"]:
        if p["pool_id"] == pool:
            p["used"] = used


# --- the clean case and the hand-computed figures ----------------------------------------------


def test_valid_allocation_has_no_violations() -> None:
    assert check_allocation(make_instance(), Allocation.from_dict(valid_allocation())) == []


def test_fast_records_equal_the_instance_records() -> None:
    inst = make_instance()
    facts = Facts.from_instance(inst)
    assert list(facts.clients.values()) == inst.client_records()
    assert list(facts.placements.values()) == inst.placement_records()
    assert facts.clients["c1"].weeks_since_activation == 10
    assert facts.clients["c2"].weeks_since_activation is None


def test_travel_minutes_one_degree_north_by_car() -> None:
    # One degree of latitude on a 6371 km sphere is 111.195 km; × 1.3 road factor at 60 km/h.
    facts = Facts.from_instance(make_instance())
    c = facts.clients["c1"]
    p = Placement(**{**facts.placements["p1"].__dict__, "lat": c.lat + 1.0, "lon": c.lon})
    assert travel_minutes(c, p, facts.rules) == pytest.approx(
        math.pi / 180 * 6371 * 1.3 + 5, abs=1e-6
    )
    walker = Client(**{**c.__dict__, "transport": "none"})
    assert travel_minutes(walker, p, facts.rules) == pytest.approx(
        math.pi / 180 * 6371 * 1.3 / 12 * 60, abs=1e-6
    )
    with_transport = Placement(**{**p.__dict__, "features": ("transport",)})
    assert travel_minutes(walker, with_transport, facts.rules) == pytest.approx(
        travel_minutes(c, p, facts.rules)
    )


def test_wage_subsidy_rate_takes_the_highest_applicable() -> None:
    facts = Facts.from_instance(make_instance())
    rules, p = facts.rules, facts.placements["p1"]
    assoc, company = facts.providers["v1"], facts.providers["v2"]
    base = Client(**{**facts.clients["c4"].__dict__})  # 3 months unemployed, not partial
    partial = Client(**{**base.__dict__, "partial_work_ability": True})
    long_term = Client(**{**base.__dict__, "unemployed_months": 12})
    assert pair_rate(base, p, assoc, rules) == 0.5
    assert pair_rate(partial, p, assoc, rules) == 0.7
    assert pair_rate(long_term, p, assoc, rules) == 1.0
    assert pair_rate(long_term, p, company, rules) == 0.5
    assert pair_rate(base, facts.placements["p2"], company, rules) == 1.0


def test_client_groups_follow_every_condition() -> None:
    rules = Rules.from_dict(
        {"groups": {"pori_long": {"municipality_in": ["Pori"], "unemployed_months_ge": 12}}}
    )
    facts = Facts.from_instance(make_instance())
    c1, c2, c4 = facts.clients["c1"], facts.clients["c2"], facts.clients["c4"]
    assert client_groups(c1, rules) == {"long_term"}
    assert client_groups(c2, rules) == {"youth", "partial_work_ability", "swedish"}
    assert client_groups(c4, rules) == {"youth"}
    in_pori = Client(**{**c1.__dict__, "municipality": "Pori"})
    assert "pori_long" in client_groups(in_pori, rules)


def test_pathway_rewards_the_next_step_and_penalises_a_repeat() -> None:
    w = Weights()
    facts = Facts.from_instance(make_instance())
    c1 = facts.clients["c1"]  # has used coaching (stage 1)
    by_type = {p.type: p for p in facts.placements.values()}
    work_trial = Placement(**{**by_type["coaching"].__dict__, "type": "work_trial"})
    assert pathway_term(c1, work_trial, w) == 80
    assert pathway_term(c1, by_type["coaching"], w) == -40
    assert pathway_term(c1, by_type["wage_subsidy"], w) == 0
    assert pathway_term(facts.clients["c4"], by_type["coaching"], w) == 0  # nothing used yet


@pytest.mark.parametrize(
    ("table", "row", "changes", "rule"),
    [
        ("clients", "c1", {"age": 68}, "age"),
        ("clients", "c1", {"consents": ["coaching"]}, "consent"),
        ("clients", "c1", {"months_used": {"wage_subsidy": 24}}, "months_used"),
        ("clients", "c1", {"work_ability": 2}, "work_ability"),
        ("clients", "c1", {"needs": ["quiet"]}, "needs"),
        ("clients", "c1", {"languages": ["sv"]}, "language"),
        ("clients", "c1", {"max_commute_min": 4}, "commute"),
        ("placements", "p1", {"demands": {"physical": 5}}, "demands"),
        ("placements", "p1", {"type": "training"}, "type"),
    ],
)
def test_each_feasibility_rule_binds_alone(table: str, row: str, changes: dict, rule: str) -> None:
    facts = Facts.from_instance(make_instance(patched(table, row, **changes)))
    problems = pair_problems(facts, facts.clients["c1"], facts.placements["p1"])
    assert [r for r, _ in problems] == [rule]


def test_participation_needs_benefit_days_or_youth() -> None:
    facts = Facts.from_instance(make_instance())
    p3 = facts.placements["p3"]
    assert pair_problems(facts, facts.clients["c1"], p3) == []  # 600 days
    older = Client(**{**facts.clients["c4"].__dict__, "age": 30, "consents": ("participation",)})
    assert [r for r, _ in pair_problems(facts, older, p3)] == ["participation"]
    young = Client(**{**older.__dict__, "age": 24})
    assert pair_problems(facts, young, p3) == []


def test_missing_ability_key_counts_as_work_ability() -> None:
    recs = patched("placements", "p1", demands={"physical": 4, "social": 2})
    recs["clients"][0]["abilities"] = {"social": 2}  # physical missing → work_ability 4
    facts = Facts.from_instance(make_instance(recs))
    assert pair_problems(facts, facts.clients["c1"], facts.placements["p1"]) == []


def test_pool_scope_needs_type_municipality_and_group() -> None:
    facts = Facts.from_instance(make_instance())
    c1, c2, c4 = facts.clients["c1"], facts.clients["c2"], facts.clients["c4"]
    p2 = facts.placements["p2"]
    assert pool_problem(facts, c2, p2, "esf", 3000) is None
    assert pool_problem(facts, c4, p2, "esf", 3000) is None
    assert "does not cover" in pool_problem(facts, c1, p2, "esf", 3000)  # not youth
    assert "does not cover" in pool_problem(facts, c2, p2, "muni", 3000)  # not in Pori
    assert "funding_pools" in pool_problem(facts, c2, p2, "ts", 3000)
    assert "no pool" in pool_problem(facts, c2, p2, "", 3000)
    assert pool_problem(facts, c1, facts.placements["p3"], "", 0.0) is None


# --- one mutation per violation kind ----------------------------------------------------------


def test_over_capacity() -> None:
    inst, raw = make_instance(), valid_allocation()
    raw["assignments"].append(correct_assignment(inst, "c4", "p2", "esf"))
    unassign(raw, "c4")
    set_used(raw, "esf", 6000.0)
    violations = check_allocation(inst, settle(raw))
    assert rules_of(violations) == {"capacity"}
    assert violations[0].placement_id == "p2"


def test_budget_exceeded() -> None:
    recs = patched("pools", "ts", budget=15000.0)
    raw = valid_allocation()
    raw["pools"][0]["budget"] = 15000.0
    violations = check_allocation(make_instance(recs), settle(raw))
    assert rules_of(violations) == {"budget"}
    assert violations[0].pool_id == "ts"


@pytest.mark.parametrize(
    ("budget", "over"), [(15600.0, False), (15599.995, False), (15599.98, True)]
)
def test_budget_holds_to_the_cent(budget: float, over: bool) -> None:
    raw = valid_allocation()
    raw["pools"][0]["budget"] = budget
    violations = check_allocation(make_instance(patched("pools", "ts", budget=budget)), settle(raw))
    assert rules_of(violations) == ({"budget"} if over else set())


def test_infeasible_commute() -> None:
    violations = check_allocation(
        make_instance(patched("clients", "c1", max_commute_min=4)), settle(valid_allocation())
    )
    assert rules_of(violations) == {"commute"}
    assert (violations[0].client_id, violations[0].placement_id) == ("c1", "p1")


def test_wrong_cost() -> None:
    raw = valid_allocation()
    raw["assignments"][0]["cost"] = 7800.0  # the 50 % rate, but c1 earns the third-sector 100 %
    assert rules_of(check_allocation(make_instance(), settle(raw))) == {"cost"}


def test_wrong_travel_time() -> None:
    raw = valid_allocation()
    raw["assignments"][1]["travel_min"] = 15.0  # transit overhead, but p2 offers transport
    assert rules_of(check_allocation(make_instance(), settle(raw))) == {"travel"}


def test_missing_lock() -> None:
    recs = records()
    recs["decisions"] = [{"client_id": "c4", "placement_id": "p4", "decision": "lock"}]
    violations = check_allocation(make_instance(recs), settle(valid_allocation()))
    assert rules_of(violations) == {"lock"}
    assert (violations[0].client_id, violations[0].placement_id) == ("c4", "p4")


def test_lock_kept_is_clean() -> None:
    recs = records()
    recs["decisions"] = [{"client_id": "c1", "placement_id": "p1", "decision": "lock"}]
    assert check_allocation(make_instance(recs), settle(valid_allocation())) == []


def test_forbidden_pair() -> None:
    recs = records()
    recs["decisions"] = [{"client_id": "c1", "placement_id": "p1", "decision": "forbid"}]
    assert rules_of(check_allocation(make_instance(recs), settle(valid_allocation()))) == {
        "forbidden"
    }


def test_double_assignment() -> None:
    inst, raw = make_instance(), valid_allocation()
    raw["assignments"].append(correct_assignment(inst, "c1", "p3", ""))
    violations = check_allocation(inst, settle(raw))
    assert rules_of(violations) == {"double_assignment"}
    assert violations[0].client_id == "c1"


def test_already_placed_client_assigned() -> None:
    inst, raw = make_instance(), valid_allocation()
    raw["assignments"].append(correct_assignment(inst, "c3", "p3", ""))
    assert rules_of(check_allocation(inst, settle(raw))) == {"already_placed"}


def test_unknown_ids() -> None:
    inst, raw = make_instance(), valid_allocation()
    raw["assignments"].append({**correct_assignment(inst, "c4", "p4", "ts"), "client_id": "ghost"})
    raw["assignments"][1]["pool_id"] = "nope"
    raw["unassigned"].append({"client_id": "phantom", "reasons": ["x"]})
    set_used(raw, "esf", 0.0)
    set_used(raw, "ts", 15600.0 + 2000.0)  # the ghost's stated cost is still charged to ts
    violations = check_allocation(inst, settle(raw))
    assert rules_of(violations) == {"unknown_id"}
    assert {v.message for v in violations} == {
        "unknown client 'ghost'",
        "unknown pool 'nope'",
        "unassigned lists unknown client 'phantom'",
    }


def test_wrong_pool_scope() -> None:
    raw = valid_allocation()
    raw["assignments"][1]["pool_id"] = "muni"  # the Pori top-up for a Kuopio client
    set_used(raw, "esf", 0.0)
    set_used(raw, "muni", 3000.0)
    violations = check_allocation(make_instance(), settle(raw))
    assert rules_of(violations) == {"pool_scope"}
    assert violations[0].pool_id == "muni"


def test_zero_cost_pair_needs_no_pool_but_a_costly_one_does() -> None:
    inst, raw = make_instance(), valid_allocation()
    raw["assignments"][1]["pool_id"] = ""
    set_used(raw, "esf", 0.0)
    assert rules_of(check_allocation(inst, settle(raw))) == {"pool_scope"}


def test_provider_cap_exceeded() -> None:
    inst, raw = make_instance(), valid_allocation()
    raw["assignments"].append(correct_assignment(inst, "c4", "p4", "ts"))  # 400·10·0.5 = 2000
    unassign(raw, "c4")
    set_used(raw, "ts", 17600.0)
    violations = check_allocation(inst, settle(raw))
    assert rules_of(violations) == {"provider_cap"}
    assert "v1" in violations[0].message


def test_unexplained_client() -> None:
    raw = valid_allocation()
    unassign(raw, "c4")
    assert rules_of(check_allocation(make_instance(), settle(raw))) == {"unexplained"}
    raw = valid_allocation()
    raw["unassigned"][0]["reasons"] = []
    assert rules_of(check_allocation(make_instance(), settle(raw))) == {"unexplained"}


def test_client_both_assigned_and_unassigned() -> None:
    raw = valid_allocation()
    raw["unassigned"].append({"client_id": "c1", "reasons": ["?"]})
    assert rules_of(check_allocation(make_instance(), settle(raw))) == {"unassigned"}


def test_wrong_score() -> None:
    raw = valid_allocation()
    raw["assignments"][0]["score"]["wish"] = 60  # c1's wish is rank 1: 120
    violations = check_allocation(make_instance(), settle(raw))
    assert rules_of(violations) == {"score"}
    assert "score.wish" in violations[0].message


def test_unknown_score_component() -> None:
    raw = valid_allocation()
    raw["assignments"][0]["score"]["bonus"] = 5
    assert rules_of(check_allocation(make_instance(), settle(raw))) == {"score"}


def test_objective_must_equal_scores_minus_fairness_penalty() -> None:
    raw = valid_allocation()
    raw["objective"] += 5
    assert rules_of(check_allocation(make_instance(), Allocation.from_dict(raw))) == {"objective"}
    raw = valid_allocation()
    raw["fairness"] = {"penalty": 7, "shortfall": {"swedish": 1}}
    raw["objective"] -= 7
    assert check_allocation(make_instance(), Allocation.from_dict(raw)) == []
    raw["fairness"]["penalty"] = -7
    raw["objective"] += 14
    assert rules_of(check_allocation(make_instance(), Allocation.from_dict(raw))) == {"objective"}


def test_allocation_for_another_instance_or_format() -> None:
    raw = valid_allocation()
    raw["instance"] = "another-week"
    raw["format_version"] = 2
    assert rules_of(check_allocation(make_instance(), Allocation.from_dict(raw))) == {
        "instance",
        "format",
    }


def test_pools_report_must_match_recomputed_use() -> None:
    raw = valid_allocation()
    set_used(raw, "ts", 15000.0)
    raw["pools"].append({"pool_id": "zz", "budget": 1.0, "used": 0.0})
    violations = check_allocation(make_instance(), settle(raw))
    assert rules_of(violations) == {"pools"}
    assert {v.pool_id for v in violations} == {"ts", "zz"}


# --- the command ------------------------------------------------------------------------------


def _args(instance: Path, alloc: Path) -> argparse.Namespace:
    return argparse.Namespace(instance=str(instance), allocation=str(alloc), max_lines=0)


def test_command_clean_and_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    monkeypatch.setattr(check_cmd, "load_instance", lambda path: make_instance())
    good = tmp_path / "allocation.json"
    good.write_text(json.dumps(valid_allocation()))
    assert check_cmd.run(_args(tmp_path / "inst", good)) == 0
    out = capsys.readouterr().out
    assert out.strip() == "OK: 2 assignments, 1 unassigned, 3 pools within budget, 0 violations"

    raw = valid_allocation()
    raw["assignments"][0]["cost"] = 1.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    assert check_cmd.run(_args(tmp_path / "inst", bad)) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("[cost] client=c1 placement=p1 pool=ts")
    assert lines[-1].startswith("FAILED: 2 assignments") and "cost 1" in lines[-1]


def test_command_malformed_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "allocation.json"
    broken.write_text('{"assignments": [')
    assert check_cmd.run(_args(tmp_path / "inst", broken)) == 2
    err = capsys.readouterr().err
    assert "allocation.json" in err and "not valid JSON" in err
    assert check_cmd.run(_args(tmp_path / "inst", tmp_path / "missing.json")) == 2
    (tmp_path / "list.json").write_text("[]")
    assert check_cmd.run(_args(tmp_path / "inst", tmp_path / "list.json")) == 2


def test_command_bad_allocation_shape_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(check_cmd, "load_instance", lambda path: make_instance())
    path = tmp_path / "allocation.json"
    path.write_text('{"assignments": [{"client_id": "c1"}]}')
    assert check_cmd.run(_args(tmp_path / "inst", path)) == 2
    assert "missing placement_id, pool_id" in capsys.readouterr().err


def test_command_reads_a_written_instance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    pytest.importorskip("instances.read", reason="instances/read.py not written yet")
    from instances.write import write_instance

    write_instance(make_instance(), tmp_path / "inst")
    path = tmp_path / "allocation.json"
    path.write_text(json.dumps(valid_allocation()))
    assert check_cmd.run(_args(tmp_path / "inst", path)) == 0, capsys.readouterr()


# --- properties -------------------------------------------------------------------------------

MUNIS = ["A", "B"]
GROUPS = ["youth", "long_term", "partial_work_ability", "senior", "swedish"]


def powerset(items: list[str]) -> st.SearchStrategy[list[str]]:
    """Any subset, as one choice (cheaper to generate than a list strategy)."""
    masks = range(2 ** len(items) - 1, -1, -1)  # the full set first: hypothesis favours it
    subsets = [[x for i, x in enumerate(items) if mask >> i & 1] for mask in masks]
    return st.sampled_from(subsets)


# One choice per field, with values at and around every threshold of the default rules.
# Typical values come first, since hypothesis leans towards the first elements.
AGES = st.sampled_from([30, 45, 20, 55, 24, 25, 16, 67, 15, 68])
BENEFIT_DAYS = st.sampled_from([600, 100, 0, 299, 300, 499, 500, 999, 1000, 1600])
MONTHS = st.sampled_from([12, 3, 0, 11, 24])
ABILITY = st.sampled_from([4, 3, 5, 2, 1])
COORD = st.floats(0.0, 0.15)
MONTHS_USED = st.sampled_from(
    [
        {},
        {},
        {"coaching": 2},
        {"work_trial": 12},
        {"participation": 3, "coaching": 1},
        {"wage_subsidy": 24},
        {"participation": 1},
    ]
)


@st.composite
def instances(draw: st.DrawFn, with_decisions: bool = True) -> Instance:
    """A random small instance: up to 6 clients, 4 placements, 2 providers, 3 pools.

    Biased towards feasible pairs (close by, a common language, broad consent) so that the greedy
    places people, while every rule can still bind.
    """
    n_c = draw(st.integers(1, 6))
    n_p = draw(st.integers(1, 4))
    pool_ids = [f"f{i}" for i in range(draw(st.integers(1, 3)))]
    providers = [
        {
            "id": f"v{i}",
            "name": "",
            "kind": draw(st.sampled_from(["company", "association", "farm"])),
            "municipality": "A",
            "max_subsidised": draw(st.sampled_from([None, None, 0, 1, 2])),
        }
        for i in range(2)
    ]
    pools = [
        {
            "id": f,
            "name": "",
            "budget": draw(st.sampled_from([0.0, 500.0, 3000.0, 20000.0])),
            "types": draw(st.just([]) | powerset(ALL_TYPES)),
            "municipalities": draw(powerset(MUNIS)),
            "groups": draw(st.just([]) | powerset(GROUPS)),
        }
        for f in pool_ids
    ]
    clients = []
    for i in range(n_c):
        clients.append(
            {
                "id": f"c{i}",
                "municipality": draw(st.sampled_from(MUNIS)),
                "lat": 62.0 + draw(COORD),
                "lon": 27.0 + draw(COORD),
                "age": draw(AGES),
                "benefit_days": draw(BENEFIT_DAYS),
                "unemployed_months": draw(MONTHS),
                "work_ability": draw(ABILITY),
                "partial_work_ability": draw(st.booleans()),
                "languages": draw(
                    st.sampled_from([["fi"], ["fi", "sv"], ["fi"], ["fi", "en"], ["sv"]])
                ),
                "needs": draw(st.sampled_from([[], [], [], ["wheelchair"]])),
                "interests": draw(powerset(["care", "wood"])),
                "transport": draw(st.sampled_from(["car", "transit", "none"])),
                "max_commute_min": draw(st.sampled_from([20, 30, 45, 60, 90, 150])),
                "consents": draw(st.just(ALL_TYPES) | powerset(ALL_TYPES)),
                "wishes": draw(st.sampled_from([[], [], ["p0"], ["p1", "p0"], ["p0", "p1", "p0"]])),
                "current_placement": draw(st.sampled_from(["", "", "", "p0"])),
                "months_used": draw(MONTHS_USED),
                "weeks_since_activation": draw(st.sampled_from([None, 0, 10, 200])),
                "abilities": draw(st.sampled_from([{}, {"physical": 2}, {"physical": 5}])),
            }
        )
    placements = []
    for j in range(n_p):
        placements.append(
            {
                "id": f"p{j}",
                "type": draw(st.sampled_from(ALL_TYPES)),
                "provider_id": draw(st.sampled_from(["v0", "v1"])),
                "municipality": draw(st.sampled_from(MUNIS)),
                "lat": 62.0 + draw(COORD),
                "lon": 27.0 + draw(COORD),
                "seats": draw(st.sampled_from([0, 1, 1, 2, 3])),
                "min_work_ability": draw(st.sampled_from([1, 1, 1, 2, 3, 4])),
                "language": draw(st.sampled_from(["fi", "fi", "fi", "fi", "sv"])),
                "features": draw(powerset(["wheelchair", "transport"])),
                "sector": draw(st.sampled_from(["", "care", "wood"])),
                "duration_weeks": draw(st.sampled_from([1, 4, 12, 26])),
                "weekly_cost": draw(st.sampled_from([0.0, 55.5, 250.0, 800.0])),
                "funding_pools": draw(powerset(pool_ids)),
                "demands": draw(st.sampled_from([{}, {}, {}, {"physical": 3}])),
            }
        )
    decisions = []
    if with_decisions:
        pairs = [(c["id"], p["id"]) for c in clients for p in placements]
        for cid, pid in draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3)):
            decisions.append({"client_id": cid, "placement_id": pid, "decision": "forbid"})
    return build_instance(
        clients=clients,
        placements=placements,
        providers=providers,
        pools=pools,
        decisions=decisions,
        name="prop",
    )


def oracle_cost(inst: Instance, cid: str, pid: str) -> float:
    """The cost of FORMAT.md, computed straight from the frames (independently of the checker)."""
    c = inst.clients[inst.clients["id"] == cid].iloc[0]
    p = inst.placements[inst.placements["id"] == pid].iloc[0]
    kind = inst.providers.loc[inst.providers["id"] == p["provider_id"], "kind"].iloc[0]
    if p["type"] != "wage_subsidy":
        rate = inst.rules.cost_rate[p["type"]]
    else:
        rate = 0.5
        if c["partial_work_ability"]:
            rate = max(rate, 0.7)
        if kind in ("association", "foundation") and c["unemployed_months"] >= 12:
            rate = max(rate, 1.0)
    return float(p["weekly_cost"]) * rate * int(p["duration_weeks"])


@pytest.mark.oracle
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_capacity_and_budget_flags_match_a_direct_count(data: st.DataObject) -> None:
    inst = data.draw(instances())
    cids, pids = list(inst.clients["id"]), list(inst.placements["id"])
    pool_ids = list(inst.pools["id"])
    picks = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(cids), st.sampled_from(pids), st.sampled_from(pool_ids + [""])
            ),
            max_size=10,
        )
    )
    seats = dict(zip(inst.placements["id"], inst.placements["seats"], strict=True))
    budget = dict(zip(inst.pools["id"], inst.pools["budget"], strict=True))
    taken: Counter[str] = Counter()
    cents: Counter[str] = Counter()  # each pair is charged its cost to the cent
    assignments = []
    for cid, pid, fid in picks:
        cost = oracle_cost(inst, cid, pid)
        taken[pid] += 1
        if fid:
            cents[fid] += round(cost * 100)
        assignments.append(
            {
                "client_id": cid,
                "placement_id": pid,
                "pool_id": fid,
                "cost": cost,
                "travel_min": 0.0,
                "score": {},
            }
        )
    alloc = Allocation.from_dict({"assignments": assignments, "objective": 0})
    violations = check_allocation(inst, alloc)
    over_seats = {pid for pid, n in taken.items() if n > seats[pid]}
    over_budget = {fid for fid, c in cents.items() if c > round(budget[fid] * 100) + 1}
    assert {v.placement_id for v in violations if v.rule == "capacity"} == over_seats
    assert {v.pool_id for v in violations if v.rule == "budget"} == over_budget
    assert "cost" not in rules_of(violations)


def greedy(inst: Instance) -> Allocation:
    """Add every pair the checker's feasibility accepts, in file order, within seats/budgets/caps."""
    facts = Facts.from_instance(inst)
    seats = {pid: p.seats for pid, p in facts.placements.items()}
    left = {fid: f.budget for fid, f in facts.pools.items()}
    caps = {vid: v.max_subsidised for vid, v in facts.providers.items()}
    assignments, unassigned = [], []
    for c in facts.clients.values():
        if c.current_placement:
            continue
        chosen = None
        for p in facts.placements.values():
            if seats[p.id] == 0 or pair_problems(facts, c, p):
                continue
            if (
                p.type == "wage_subsidy"
                and caps[p.provider_id] is not None
                and caps[p.provider_id] < 1
            ):
                continue
            cost = pair_cost(facts, c, p)
            options = list(p.funding_pools) + [""]
            for fid in options:
                fits = fid == "" or left[fid] >= cost
                if fits and pool_problem(facts, c, p, fid, cost) is None:
                    chosen = (p, fid, cost)
                    break
            if chosen:
                break
        if chosen is None:
            unassigned.append({"client_id": c.id, "reasons": ["no feasible seat left"]})
            continue
        p, fid, cost = chosen
        seats[p.id] -= 1
        if fid:
            left[fid] -= cost
        if p.type == "wage_subsidy" and caps[p.provider_id] is not None:
            caps[p.provider_id] -= 1
        minutes = travel_minutes(c, p, facts.rules)
        score = {k: round(v) for k, v in score_components(facts, c, p, minutes, cost).items()}
        assignments.append(
            {
                "client_id": c.id,
                "placement_id": p.id,
                "pool_id": fid,
                "cost": round(cost, 2),
                "travel_min": round(minutes, 2),
                "score": score,
            }
        )
    pools = [
        {"pool_id": fid, "budget": f.budget, "used": f.budget - left[fid]}
        for fid, f in facts.pools.items()
    ]
    objective = sum(sum(a["score"].values()) for a in assignments)
    return Allocation.from_dict(
        {
            "instance": inst.name,
            "objective": objective,
            "assignments": assignments,
            "unassigned": unassigned,
            "pools": pools,
        }
    )


@pytest.mark.oracle
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_greedy_allocation_built_from_feasible_pairs_is_clean(inst: Instance) -> None:
    facts = Facts.from_instance(inst)
    assert list(facts.clients.values()) == inst.client_records()  # the column-wise fast path
    assert list(facts.placements.values()) == inst.placement_records()
    alloc = greedy(inst)
    assert check_allocation(inst, alloc) == []


def test_greedy_places_someone_in_the_hand_made_instance() -> None:
    # Guards the property above against a greedy that silently places nobody.
    inst = make_instance()
    alloc = greedy(inst)
    assert {a.client_id for a in alloc.assignments} == {"c1", "c2"}
    assert [u.client_id for u in alloc.unassigned] == ["c4"]  # p4's provider cap is used by c1
    assert check_allocation(inst, alloc) == []
    assert check_with_facts(Facts.from_instance(inst), copy.deepcopy(alloc)) == []


def test_organiser_limit_binds_at_the_used_organiser() -> None:
    recs = records()
    provider = next(p["provider_id"] for p in recs["placements"] if p["id"] == "p1")
    recs = patched("clients", "c1", months_by_provider={provider: 12.0, "elsewhere": 30.0})
    limits = {"organiser_max_months": {"wage_subsidy": 12}}
    facts = Facts.from_instance(make_instance(recs, rules=limits))
    problems = pair_problems(facts, facts.clients["c1"], facts.placements["p1"])
    assert [r for r, _ in problems] == ["organiser_max_months"]
    relaxed = Facts.from_instance(
        make_instance(recs, rules={"organiser_max_months": {"wage_subsidy": 13}})
    )
    assert pair_problems(relaxed, relaxed.clients["c1"], relaxed.placements["p1"]) == []
