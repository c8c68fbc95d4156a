"""Explanations are true (matcher/explain.py and `polku explain`).

Each test builds a tiny instance where one obstacle keeps client c1 out, solves it, checks the
reason stated for c1 word for word, then removes exactly the obstacle the reason names and solves
again: c1 must now be placed. Alternatives, justified envy and the CLI are checked on cases built
for them.
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli.main import main
from instances.build import build_instance
from instances.write import write_instance
from matcher.allocation.result import to_allocation
from matcher.allocation.solve import SolveOptions, SolveResult, solve
from matcher.explain.alternatives import alternatives_for_assigned
from matcher.explain.envy import justified_envy
from matcher.explain.formatting import format_client, format_placement
from matcher.explain.unassigned import reasons_for_unassigned
from matcher.explain.views import explain_client, explain_placement
from matcher.explain.words import ExplainError
from matcher.pairs.candidates import build_pairs
from matcher.pairs.score import priority
from matcher.pairs.travel import travel_minutes
from matcher.pairs.words import num
from models.instance import Instance
from tests.matcher.cases import client, placement  # a client in Kuopio, a coaching seat near

PROVIDER = dict(id="v1", name="Paja", kind="company", municipality="Kuopio")
POOL = dict(id="f1", name="", budget=1e6, types=[], municipalities=[])


def make(
    clients: list[dict[str, Any]],
    placements: list[dict[str, Any]],
    pools: list[dict[str, Any]] | None = None,
    providers: list[dict[str, Any]] | None = None,
    decisions: list[dict[str, Any]] | None = None,
    rules: dict[str, Any] | None = None,
    weights: dict[str, Any] | None = None,
) -> Instance:
    return build_instance(
        clients=clients,
        placements=placements,
        providers=providers or [PROVIDER],
        pools=[POOL] if pools is None else pools,
        decisions=decisions or [],
        rules=rules,
        weights=weights,
        name="explain-test",
    )


def run(inst: Instance) -> SolveResult:
    result = solve(inst, SolveOptions(time_limit=5))
    assert result.status == "OPTIMAL"
    return result


def row(inst: Instance, cid: str) -> int:
    return int(np.flatnonzero(inst.columns.client_id == cid)[0])


def placed_at(inst: Instance, result: SolveResult, cid: str) -> str | None:
    c = row(inst, cid)
    hit = np.flatnonzero(result.chosen & (result.pairs.client == c))
    return str(inst.columns.placement_id[result.pairs.placement[hit[0]]]) if len(hit) else None


def reasons(inst: Instance, cid: str = "c1") -> list[str]:
    """Solve, require `cid` unplaced, and return the reasons stated for it."""
    result = run(inst)
    assert placed_at(inst, result, cid) is None
    c = row(inst, cid)
    return reasons_for_unassigned(inst, result, np.array([c]))[c]


def is_placed(inst: Instance, cid: str = "c1") -> bool:
    return placed_at(inst, run(inst), cid) is not None


# --- no feasible pair: one test per rule ---------------------------------------------------------


def test_age_above_the_limit() -> None:
    got = reasons(make([client("c1", age=70)], [placement("p1")]))
    assert got == ["not eligible: age 70 is above the limit 67"]
    assert is_placed(make([client("c1", age=70)], [placement("p1")], rules={"age.max": 70}))


def test_no_placement_of_a_consented_type() -> None:
    places = [placement("p1", type="work_trial", seats=3)]
    got = reasons(make([client("c1", consents=["coaching"])], places))
    assert got == [
        "no placement of a type you consent to (you consent to: coaching)",
        "free seats this week are in types you have not consented to: work trial (3 seats)",
    ]
    assert is_placed(make([client("c1", consents=["coaching", "work_trial"])], places))


def test_no_consent_at_all() -> None:
    places = [placement("p1", type="wage_subsidy")]
    got = reasons(make([client("c1", consents=[])], places))
    assert got[0] == "you have not consented to any placement type"
    assert (
        got[1]
        == "free seats this week are in types you have not consented to: wage subsidy (1 seat)"
    )
    assert is_placed(make([client("c1", consents=["wage_subsidy"])], places))


def test_commute_names_the_nearest_placement_and_its_minutes() -> None:
    c1 = client("c1", transport="transit", max_commute_min=45)
    places = [
        placement("p1", lat=63.10, municipality="Siilinjärvi"),
        placement("p2", lat=63.30, municipality="Lapinlahti"),
    ]
    inst = make([c1], places)
    got = reasons(inst)
    minutes = float(travel_minutes(inst, np.array([0]), np.array([0]))[0])
    assert got == [
        f"no placement of a type you consent to within 45 min by public transport "
        f"(nearest: coaching p1 at Siilinjärvi, {num(minutes)} min)"
    ]
    stated = float(re.search(r", ([0-9.]+) min\)$", got[0]).group(1))
    assert 45 < stated < travel_minutes(inst, np.array([0]), np.array([1]))[0]
    # widening the commute to the stated minutes places the client, at the named placement
    wider = make([{**c1, "max_commute_min": math.ceil(stated)}], places)
    assert placed_at(wider, run(wider), "c1") == "p1"


def test_transport_provided_is_named_in_the_nearest() -> None:
    c1 = client("c1", transport="none", max_commute_min=20)
    got = reasons(make([c1], [placement("p1", lat=63.10, features=["transport"])]))
    assert got[0].startswith(
        "no placement of a type you consent to within 20 min on foot/bike (nearest: "
    )
    assert got[0].endswith(" min by the transport it provides)")


def test_work_ability_below_every_reachable_minimum() -> None:
    places = [placement("p1", min_work_ability=3), placement("p2", min_work_ability=4)]
    got = reasons(make([client("c1", work_ability=2)], places))
    assert (
        got[0]
        == "work ability 2 is below every reachable placement's minimum (lowest reachable: 3)"
    )
    lowest = int(re.search(r"lowest reachable: (\d)", got[0]).group(1))
    assert is_placed(make([client("c1", work_ability=lowest)], places))


def test_needs_not_offered() -> None:
    got = reasons(make([client("c1", needs=["wheelchair"])], [placement("p1", features=["quiet"])]))
    assert got[0] == "needs not met: no reachable placement offers wheelchair"
    assert is_placed(
        make(
            [client("c1", needs=["wheelchair"])],
            [placement("p1", features=["quiet", "wheelchair"])],
        )
    )


def test_no_common_language() -> None:
    got = reasons(make([client("c1", languages=["sv"])], [placement("p1")]))
    assert got[0] == "no reachable placement in your language (sv)"
    assert is_placed(make([client("c1", languages=["sv", "fi"])], [placement("p1")]))


def test_max_months_used() -> None:
    c1 = client("c1", consents=["work_trial"], months_used={"work_trial": 12})
    got = reasons(make([c1], [placement("p1", type="work_trial")]))
    assert got == ["max months used for work trial (12 of 12)"]
    assert is_placed(
        make([{**c1, "months_used": {"work_trial": 11}}], [placement("p1", type="work_trial")])
    )


def test_participation_eligibility() -> None:
    c1 = client("c1", benefit_days=320, consents=["participation"])
    got = reasons(make([c1], [placement("p1", type="participation")]))
    assert got == [
        "participation needs 500 benefit days or age under 25 (you have 320 days, age 40)"
    ]
    assert is_placed(make([{**c1, "benefit_days": 500}], [placement("p1", type="participation")]))
    assert is_placed(make([{**c1, "age": 24}], [placement("p1", type="participation")]))


def test_forbidden_pair_names_the_decision() -> None:
    forbid = dict(
        client_id="c1",
        placement_id="p1",
        decision="forbid",
        reason="employer said no",
        by="liaison-3",
        at="2026-11-20",
    )
    got = reasons(make([client("c1")], [placement("p1")], decisions=[forbid]))
    assert got == ["pair with p1 forbidden by decision (reason: employer said no, by liaison-3)"]
    assert is_placed(make([client("c1")], [placement("p1")]))


def test_no_pool_covers_the_home_municipality() -> None:
    pools = [dict(id="f1", name="", budget=1e6, types=["coaching"], municipalities=["Kuopio"])]
    c1 = client("c1", municipality="Siilinjärvi")
    got = reasons(make([c1], [placement("p1")], pools=pools))
    assert got[0] == (
        "no funding pool can pay for any reachable placement (e.g. p1: no funding pool can "
        "pay its 1 000 €: f1 does not cover residents of Siilinjärvi)"
    )
    wider = [{**pools[0], "municipalities": ["Kuopio", "Siilinjärvi"]}]
    assert is_placed(make([c1], [placement("p1")], pools=wider))


def test_pool_only_for_a_group() -> None:
    pools = [
        dict(id="esf", name="ESF nuoret", budget=1e6, types=[], municipalities=[], groups=["youth"])
    ]
    got = reasons(make([client("c1")], [placement("p1", funding_pools=["esf"])], pools=pools))
    assert got[0].endswith("esf is only for youth)")
    assert is_placed(
        make([client("c1", age=24)], [placement("p1", funding_pools=["esf"])], pools=pools)
    )


def test_demands_above_the_ability_profile() -> None:
    places = [placement("p1", demands={"physical": 4})]
    got = reasons(make([client("c1", abilities={"physical": 2})], places))
    assert got[0] == (
        "the work at every reachable placement demands more than your ability profile "
        "(e.g. p1: physical 4, you have 2)"
    )
    assert is_placed(make([client("c1", abilities={"physical": 4})], places))


def test_mixed_obstacles_lead_with_a_sole_blocker_and_name_the_closest() -> None:
    places = [
        placement("p1", min_work_ability=3),
        placement("p2", language="sv"),
        placement("p3", language="sv", min_work_ability=4),
    ]
    got = reasons(make([client("c1", work_ability=2)], places))
    assert got[0] == "work ability 2 is below the minimum of 2 of 3 reachable placements"
    assert got[1] == "2 of 3 reachable placements need another language than yours (fi)"
    assert (
        got[2]
        == "closest to fitting: coaching p1 at Kuopio (12.2 min) — only work ability 2 is below "
        "its minimum 3"
    )
    # removing the one obstacle of the closest placement places the client there
    fixed = make(
        [client("c1", work_ability=2)], [{**places[0], "min_work_ability": 2}, *places[1:]]
    )
    assert placed_at(fixed, run(fixed), "c1") == "p1"


def test_current_placement_and_many_clients_at_once() -> None:
    inst = make(
        [
            client("c1", age=70),
            client("c2", languages=["sv"]),
            client("c3", current_placement="p1"),
        ],
        [placement("p1")],
    )
    result = run(inst)
    got = reasons_for_unassigned(inst, result, np.array([0, 1, 2]))
    assert got[0] == ["not eligible: age 70 is above the limit 67"]
    assert got[1][0] == "no reachable placement in your language (sv)"
    assert got[2] == ["already in placement p1 (stays there this week)"]


# --- feasible pairs, but not chosen ---------------------------------------------------------------


def test_seats_filled_by_clients_with_higher_priority() -> None:
    people = [
        client("c1", benefit_days=100),
        client("c2", benefit_days=900),
        client("c3", benefit_days=800),
    ]
    inst = make(people, [placement("p1", seats=2)])
    got = reasons(inst)
    assert got[0] == "1 feasible placement, filled by clients with higher priority (c3, c2)"
    prio = priority(inst)
    assert prio[0] < prio[2] < prio[1]
    assert got[1].startswith(
        "the chosen allocation scores higher without you: your best pair (p1) scores "
    )
    assert is_placed(make(people, [placement("p1", seats=3)]))


def test_wage_subsidy_pool_spent() -> None:
    pools = [dict(id="ts", name="", budget=6000, types=["wage_subsidy"], municipalities=["Kuopio"])]
    people = [client("c1", benefit_days=100), client("c2", benefit_days=900)]
    places = [placement("p1", seats=2, type="wage_subsidy", weekly_cost=1000, funding_pools=["ts"])]
    got = reasons(make(people, places, pools=pools))
    assert got == [
        "the wage-subsidy pool for Kuopio (ts) is spent: 5 000 € of 6 000 € used, 1 000 € left; "
        "your pair at p1 costs 5 000 €"
    ]
    # raise the budget by what is missing: used + this pair's cost
    assert is_placed(make(people, places, pools=[{**pools[0], "budget": 10000}]))
    assert not is_placed(make(people, places, pools=[{**pools[0], "budget": 9999}]))


def test_provider_cap_reached() -> None:
    capped = [{**PROVIDER, "max_subsidised": 1}]
    people = [client("c1", benefit_days=100), client("c2", benefit_days=900)]
    places = [placement("p1", seats=2, type="wage_subsidy")]
    got = reasons(make(people, places, providers=capped))
    assert got == ["provider Paja (v1)'s cap on wage-subsidy people is reached (1 of 1)"]
    assert is_placed(make(people, places, providers=[{**PROVIDER, "max_subsidised": 2}]))


def test_negative_score_is_stated() -> None:
    zero = {"placed": 0, "benefit_days": 0, "liability": 0, "waiting": 0}
    got = reasons(make([client("c1")], [placement("p1")], weights=zero))
    assert got == [
        "placing you would lower the total score: your best open placement, coaching p1 at "
        "Kuopio, scores -25 (travel −24, cost −1)"
    ]
    assert is_placed(make([client("c1")], [placement("p1")]))


def test_lower_priority_holder_and_why() -> None:
    people = [client("c1", benefit_days=400), client("c2", benefit_days=300, wishes=["p1"])]
    inst = make(people, [placement("p1")])
    got = reasons(inst)
    assert got[0] == "1 feasible placement, filled by a client with lower priority (c2)"
    assert got[1] == (
        "coaching p1 at Kuopio went to c2 with lower priority (1274 vs your 1294): c2 had no "
        "other feasible placement; c2 scores 1369 there, you 1269 (c2: wish +120, priority −20)"
    )
    # the stated difference is c2's wish: without it, c1 gets the seat
    assert is_placed(make([people[0], {**people[1], "wishes": []}], [placement("p1")]))


def test_seat_held_under_a_lock() -> None:
    lock = dict(
        client_id="c2",
        placement_id="p1",
        decision="lock",
        reason="agreed at the weekly team",
        by="team",
        at="2026-11-20",
    )
    people = [client("c1", benefit_days=900), client("c2", benefit_days=100)]
    got = reasons(make(people, [placement("p1")], decisions=[lock]))
    assert got[0] == "1 feasible placement, filled by a client with lower priority (c2)"
    assert got[1].startswith(
        "coaching p1 at Kuopio went to c2 with lower priority (1141 vs your 1394): c2's pair "
        "with p1 is locked by decision (reason: agreed at the weekly team, by team); c2 had no "
        "other feasible placement; you would score"
    )
    assert is_placed(make(people, [placement("p1")]))


# --- alternatives and envy -----------------------------------------------------------------------


def test_alternatives_score_diff_and_why_not() -> None:
    people = [
        client("c1", benefit_days=900, wishes=["p1", "p2"], languages=["fi", "sv"]),
        client("c2", benefit_days=300),
    ]
    places = [
        placement("p1"),
        placement("p2", language="sv"),
        placement("p3", lat=63.0, seats=2, language="sv"),
    ]
    inst = make(people, places)
    result = run(inst)
    assert placed_at(inst, result, "c1") == "p2" and placed_at(inst, result, "c2") == "p1"
    alts = alternatives_for_assigned(inst, result, limit=3)
    pairs = result.pairs
    score = {
        (int(c), str(inst.columns.placement_id[p])): int(s)
        for c, p, s in zip(pairs.client, pairs.placement, pairs.score, strict=True)
    }
    c1 = alts[0]
    assert [a["placement_id"] for a in c1] == ["p1", "p3"]  # best first, the chosen p2 left out
    for alt in c1:
        assert alt["score"] == score[(0, alt["placement_id"])]
        assert alt["score_diff"] == score[(0, alt["placement_id"])] - score[(0, "p2")]
    assert c1[0]["score_diff"] == 60  # wish rank 1 (+120) against rank 2 (+60)
    assert c1[0]["why_not"] == "full: 1 seat taken by c2; would score 60 more (wish +60)"
    assert c1[1]["why_not"].startswith(f"scores {-c1[1]['score_diff']} less (")
    assert 1 not in alts  # c2 has nowhere else to go
    assert len(alternatives_for_assigned(inst, result, limit=1)[0]) == 1


def test_justified_envy_counts_and_explains() -> None:
    # c1 (higher priority) is left out while p1 goes to c2, who wished for it and has nothing else;
    # c3 is placed at its second wish while its first went to lower-priority c4.
    people = [
        client("c1", benefit_days=400),
        client("c2", benefit_days=300, wishes=["p1"]),
        client(
            "c3", benefit_days=900, wishes=["p2", "p3"], languages=["fi", "sv"], lat=63.5, lon=28.5
        ),
        client("c4", benefit_days=200, lat=63.5, lon=28.5),
    ]
    places = [
        placement("p1"),
        placement("p2", lat=63.52, lon=28.5),
        placement("p3", lat=63.52, lon=28.5, language="sv"),
    ]
    inst = make(people, places)
    result = run(inst)
    assert placed_at(inst, result, "c1") is None and placed_at(inst, result, "c3") == "p3"
    envy = justified_envy(inst, result)
    assert envy["pairs"] == 2 and envy["clients"] == 2
    assert envy["unassigned_clients"] == 1 and envy["placed_clients"] == 1
    assert envy["why"]["holder_has_no_alternative"] == 2
    examples = {e["client_id"]: e for e in envy["examples"]}
    assert examples["c1"]["holder_id"] == "c2" and examples["c1"]["placement_id"] == "p1"
    assert examples["c1"]["why"][0] == "c2 had no other feasible placement"
    assert (
        examples["c3"]["holder_id"] == "c4"
        and examples["c3"]["client_status"] == "placed at p3 (a lower wish)"
    )
    assert examples["c3"]["client_priority"] > examples["c3"]["holder_priority"]


def test_no_envy_when_priority_wins() -> None:
    inst = make([client("c1", benefit_days=900), client("c2", benefit_days=100)], [placement("p1")])
    envy = justified_envy(inst, run(inst))
    assert envy["pairs"] == 0 and envy["examples"] == []


def test_envy_when_the_pool_is_spent() -> None:
    # c1's 70 % partial-work-ability subsidy costs 7 000 €, c2's and c3's 5 000 € each: the pool
    # of 10 000 € pays two of them, so the optimum seats the two cheaper, lower-priority clients.
    pools = [
        dict(id="ts", name="Palkkatuki", budget=10000, types=["wage_subsidy"], municipalities=[])
    ]
    people = [
        client("c1", benefit_days=900, partial_work_ability=True),
        client("c2", benefit_days=300),
        client("c3", benefit_days=300),
    ]
    places = [
        placement(p, type="wage_subsidy", weekly_cost=1000, funding_pools=["ts"])
        for p in ("p1", "p2")
    ]
    inst = make(people, places, pools=pools)
    got = reasons(inst)
    assert got[0] == (
        "the wage-subsidy pool “Palkkatuki” (ts) is spent: 10 000 € of 10 000 € used, 0 € left; "
        "your pair at p1 costs 7 000 €"
    )
    envy = justified_envy(inst, run(inst))
    assert envy["pairs"] == 2 and envy["why"]["pool_spent"] == 2
    assert any("could not pay your 7 000 € even with" in w for w in envy["examples"][0]["why"])
    assert is_placed(make(people, places, pools=[{**pools[0], "budget": 12000}]))


def test_pair_order_does_not_change_the_explanations() -> None:
    # the engine groups a client's rows; a table in any other order must explain the same
    people = [
        client("c1", benefit_days=400),
        client("c2", benefit_days=300, wishes=["p1"]),
        client("c3", benefit_days=900, languages=["fi", "sv"], wishes=["p3"]),
        client("c4", benefit_days=100),
    ]
    inst = make(
        people,
        [placement("p1"), placement("p2", lat=63.0), placement("p3", language="sv")],
    )
    result = run(inst)
    perm = np.random.default_rng(7).permutation(len(result.pairs))
    shuffled = SolveResult(
        pairs=result.pairs.take(perm),
        chosen=result.chosen[perm],
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        seconds=result.seconds,
    )
    queue = np.arange(len(people))
    assert reasons_for_unassigned(inst, shuffled, queue) == reasons_for_unassigned(
        inst, result, queue
    )
    assert alternatives_for_assigned(inst, shuffled) == alternatives_for_assigned(inst, result)
    assert justified_envy(inst, shuffled) == justified_envy(inst, result)


# --- explain_client / explain_placement / CLI --------------------------------------------------


def envy_case() -> tuple[Instance, Any]:
    people = [
        client("c1", benefit_days=400),
        client("c2", benefit_days=300, wishes=["p1"]),
        client("c3", benefit_days=500, languages=["sv"]),
    ]
    inst = make(people, [placement("p1"), placement("p2", seats=0)])
    return inst, to_allocation(inst, run(inst))


def test_explain_client_unassigned_and_assigned() -> None:
    inst, alloc = envy_case()
    e1 = explain_client(inst, alloc, "c1")
    assert e1["outcome"] == "unassigned"
    assert e1["reasons"] == next(u.reasons for u in alloc.unassigned if u.client_id == "c1")
    assert e1["feasible_count"] == 1 and e1["feasible"][0]["holders"] == ["c2"]
    assert e1["envy"][0]["holder_id"] == "c2"
    assert e1["near_misses"][0]["placement_id"] == "p2"
    assert e1["near_misses"][0]["fails"] == ["it has no free seat this week"]
    e2 = explain_client(inst, alloc, "c2")
    assert e2["outcome"] == "assigned" and e2["assignment"]["placement_id"] == "p1"
    assert e2["assignment"]["wish_rank"] == 1
    assert e2["assignment"]["total"] == sum(e2["assignment"]["score"].values())
    text = format_client(e1)
    assert "NOT ASSIGNED" in text and "went to c2 with lower priority" in text
    json.dumps(e1)
    json.dumps(e2)


def test_explain_placement_lists_proposed_and_close() -> None:
    inst, alloc = envy_case()
    e = explain_placement(inst, alloc, "p1")
    assert [d["client_id"] for d in e["proposed"]] == ["c2"]
    assert [d["client_id"] for d in e["close"]] == ["c1"]
    assert e["close"][0]["went_to"] == "unassigned"
    assert e["close"][0]["score_vs_weakest_proposed"] == -100
    assert e["queue"] == {"clients": 3, "feasible": 2, "failing": {"language": 1}}
    assert "Proposed:" in format_placement(e)
    json.dumps(e)


def test_unknown_ids_raise() -> None:
    inst, alloc = envy_case()
    with pytest.raises(ExplainError, match="client 'nobody' is not in instance"):
        explain_client(inst, alloc, "nobody")
    with pytest.raises(ExplainError, match="placement 'p9'"):
        explain_placement(inst, alloc, "p9")


def test_allocation_that_does_not_fit_the_instance_is_flagged() -> None:
    inst, alloc = envy_case()
    alloc.assignments[0].placement_id = "p2"  # c2 → p2 has no free seat: not a feasible pair
    e = explain_client(inst, alloc, "c2")
    assert e["warnings"] == ["assignment c2 → p2 is not a feasible pair of this instance"]


def test_cli_explain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inst, alloc = envy_case()
    folder = write_instance(inst, tmp_path / "inst")
    path = tmp_path / "allocation.json"
    path.write_text(json.dumps(alloc.to_dict()), encoding="utf-8")
    assert main(["explain", str(path), "--instance", str(folder), "--client", "c1"]) == 0
    out = capsys.readouterr().out
    assert "Client c1" in out and "NOT ASSIGNED" in out
    assert (
        main(["explain", str(path), "--instance", str(folder), "--placement", "p1", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["proposed"][0]["client_id"] == "c2"
    assert main(["explain", str(path), "--instance", str(folder), "--client", "zz"]) == 2
    assert "client 'zz' is not in instance" in capsys.readouterr().err
    assert (
        main(
            ["explain", str(tmp_path / "missing.json"), "--instance", str(folder), "--client", "c1"]
        )
        == 2
    )


# --- scale --------------------------------------------------------------------------------


@pytest.mark.slow
def test_explanations_on_3000_clients_take_seconds() -> None:
    generate = pytest.importorskip("instances.generate")
    inst = generate.generate_instance("pohjois-savo", 3000, seed=1)
    result = solve(inst, SolveOptions(time_limit=10))
    cols = inst.columns
    placed = np.zeros(cols.n_clients, dtype=bool)
    placed[result.pairs.client[result.chosen]] = True
    left = np.flatnonzero(cols.c_queue & ~placed)
    start = time.perf_counter()
    got = reasons_for_unassigned(inst, result, left)
    alternatives_for_assigned(inst, result)
    justified_envy(inst, result)
    assert time.perf_counter() - start < 10
    assert set(got) == set(left.tolist()) and all(got.values())
    assert len(build_pairs(inst)) == len(result.pairs)


def test_organiser_limit_is_named_with_the_months_and_the_organiser():
    c1 = client("c1", consents=["work_trial"], months_by_provider={"v1": 6})
    inst = make([c1], [placement("p1", type="work_trial")])
    got = reasons(inst)
    assert got[0].startswith("every reachable placement is with an organiser you have used up")
    assert "6 months of work trial already used at Paja" in got[0]
