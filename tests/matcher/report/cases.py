"""A hand-made two-week chain with every figure of the period report known (shared by the
report's tests): W48 places a → p1 (coaching, 1 000 €, pool f) and c → p2 (work trial, 200 €,
pool g) while b waits and d holds p1 from before; W49 (next_week of W48) places b → p1."""

from __future__ import annotations

import pandas as pd

from instances.build import build_instance
from instances.next_week import next_week
from matcher.report.chain import Week
from models.allocation import Allocation, Assignment
from models.outcomes import add_followups, apply_outcomes
from tests import factories

SIILINJARVI = (63.07, 27.66)
SAVED = 0.5 * 37.21 * 5  # € per week at 600 benefit days (liability.thresholds, daily benefit)


def _alloc(name: str, triples: list[tuple[str, str, str, float]]) -> Allocation:
    return Allocation(
        instance=name,
        status="OPTIMAL",
        objective=0,
        bound=0,
        solve_seconds=0.0,
        assignments=[Assignment(c, p, f, cost, 10.0) for c, p, f, cost in triples],
    )


def first_week(reason: str = "") -> Week:
    """Week 2026-W48 of the chain (`reason`: a provider name, e.g. a formula-looking one)."""
    clients = [
        factories.client("a", age=20, benefit_days=600),
        factories.client("b", age=40, benefit_days=600),
        factories.client(
            "c",
            age=60,
            benefit_days=600,
            municipality="Siilinjärvi",
            lat=SIILINJARVI[0],
            lon=SIILINJARVI[1],
        ),
        factories.client("d", age=40, benefit_days=600, current_placement="p1"),
    ]
    placements = [
        factories.placement("p1", seats=2, funding_pools=["f"]),
        factories.placement(
            "p2", type="work_trial", weekly_cost=50.0, duration_weeks=4, funding_pools=["g"]
        ),
    ]
    pools = [
        factories.pool("f", budget=10_000.0, name=reason or "Coaching"),
        factories.pool("g", budget=500.0, name="Trials"),
    ]
    inst = build_instance(
        clients=clients,
        placements=placements,
        providers=[factories.provider()],
        pools=pools,
        name="chain-2026-W48",
        week="2026-W48",
    )
    inst.pools["period_budget"] = [50_000.0, 0.0]
    inst.pools["period_spent"] = [1_000.0, 0.0]
    alloc = _alloc(inst.name, [("a", "p1", "f", 1000.0), ("c", "p2", "g", 200.0)])
    return Week(inst.week, inst, alloc, "w48")


def chain(reason: str = "") -> list[Week]:
    """Both weeks: W48 and the W49 that next_week builds from it, with b placed at p1."""
    w1 = first_week(reason)
    inst2 = next_week(w1.instance, w1.allocation)
    alloc2 = _alloc(inst2.name, [("b", "p1", "f", 1000.0)])
    return [w1, Week(inst2.week, inst2, alloc2, "w49")]


def chain_with_an_end() -> list[Week]:
    """The chain where a leaves p1 early after W48 (its only week) and their outcome, the open
    labour market, is recorded in W49 with a follow-up at 3 months: still employed."""
    w1 = first_week()
    ends = pd.DataFrame(
        [{"client_id": "a", "placement_id": "p1", "end_week": "2026-W48", "reason": "job found"}]
    )
    inst2 = next_week(w1.instance, w1.allocation, ends=ends)
    key = {"client_id": "a", "placement_id": "p1", "end_week": "2026-W48"}
    inst2.outcomes = apply_outcomes(inst2.outcomes, [{**key, "outcome": "open_labour_market"}])
    inst2.followups = add_followups(
        inst2.followups, [{**key, "months_after": 3, "still_employed": "yes", "date": "2027-03-01"}]
    )
    alloc2 = _alloc(inst2.name, [("b", "p1", "f", 1000.0)])
    return [w1, Week(inst2.week, inst2, alloc2, "w49")]
