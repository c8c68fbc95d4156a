"""matcher/pairs/costs.py: pro-rata costs (days a week, a later start in a period) decide who
fits the budget; the independent checker re-derives them."""

from __future__ import annotations

import dataclasses

from matcher.allocation.result import to_allocation
from matcher.allocation.solve import SolveOptions, solve
from matcher.check.allocation import check_allocation
from matcher.pairs.costs import pair_cost
from tests import factories


def two_clients(budget: float, **seat):
    clients = [factories.client("a", benefit_days=900), factories.client("b")]
    placements = [factories.placement("p", seats=2, **seat)]  # 100 €/week × 10 weeks
    return clients, placements, [factories.pool(budget=budget)]


def placed(inst):
    result = solve(inst, SolveOptions(time_limit=5))
    alloc = to_allocation(inst, result, explain=False)
    problems = check_allocation(inst, alloc)
    assert not problems, [p.line() for p in problems]
    return sorted(a.client_id for a in alloc.assignments), alloc


def test_three_days_a_week_cost_three_fifths_and_two_clients_fit():
    clients, full, pools = two_clients(1200.0)
    inst = factories.instance(clients, full, pools=pools, week="2026-W48")
    assert placed(inst)[0] == ["a"]  # 1 000 € each: one fits the 1 200 € budget
    _, part, _ = two_clients(1200.0, days_per_week=3)
    inst = factories.instance(clients, part, pools=pools, week="2026-W48")
    assert pair_cost(inst, [0], [0]).tolist() == [600.0]
    names, alloc = placed(inst)
    assert names == ["a", "b"] and [a.cost for a in alloc.assignments] == [600.0, 600.0]


def test_a_later_start_costs_only_its_weeks_in_the_period():
    rules = {"pro_rata.period_end_week": "2026-W52"}
    clients, now, pools = two_clients(600.0)
    inst = factories.instance(clients, now, pools=pools, week="2026-W48", rules=rules)
    assert placed(inst)[0] == ["a"]  # W48..W52: 5 weeks, 500 € each
    _, later, _ = two_clients(600.0, start_week="51")
    inst = factories.instance(clients, later, pools=pools, week="2026-W48", rules=rules)
    names, alloc = placed(inst)
    assert names == ["a", "b"] and [a.cost for a in alloc.assignments] == [200.0, 200.0]


def test_the_checker_refuses_a_full_week_cost_for_a_part_time_seat():
    clients, part, pools = two_clients(5000.0, days_per_week=2)
    inst = factories.instance(clients, part, pools=pools, week="2026-W48")
    _, alloc = placed(inst)
    wrong = dataclasses.replace(
        alloc, assignments=[dataclasses.replace(a, cost=1000.0) for a in alloc.assignments]
    )
    rules = {v.rule for v in check_allocation(inst, wrong)}
    assert "cost" in rules, rules
