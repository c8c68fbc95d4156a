"""The knapsack Lagrangian: exact knapsacks, a bound never below the brute-force optimum, feasible
allocations, and the structural detection (GAP weeks yes, Polku weeks no)."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.gap import GapProblem, to_engine
from matcher.allocation.constraints import build_rows
from matcher.allocation.flow import flow_net
from matcher.allocation.knapsack import (
    KnapsackForm,
    knapsack_form,
    lagrange_bound,
    repair,
    solve_knapsacks,
)
from matcher.allocation.primal import violated_rows
from matcher.allocation.solve import SolveOptions, solve
from tests.factories import make_rows
from tests.matcher.allocation.gaps import brute_allocation, gap_net, random_gap


def brute_knapsacks(form: KnapsackForm, profit: np.ndarray) -> float:
    """Σ over sacks of the best subset of its items, by enumeration."""
    total = 0.0
    for s in range(len(form.capacity)):
        items = np.flatnonzero(form.sack == s)
        best = 0.0
        for mask in itertools.product((0, 1), repeat=len(items)):
            take = items[np.array(mask, dtype=bool)]
            if form.weight[take].sum() <= form.capacity[s]:
                best = max(best, float(profit[take].sum()))
        total += best
    return total


gaps = st.integers(min_value=0, max_value=10_000).flatmap(
    lambda seed: st.tuples(st.just(seed), st.integers(2, 3), st.integers(2, 5))
)


@settings(max_examples=40, deadline=None)
@given(gaps, st.integers(0, 1000))
def test_knapsacks_are_exact_and_bound_any_prices(gap: tuple[int, int, int], seed: int) -> None:
    cost, resource, capacity = random_gap(*gap)
    net, score = gap_net(cost, resource, capacity)
    form, _ = knapsack_form(net)
    assert form is not None
    rng = np.random.default_rng(seed)
    prices = rng.uniform(0, float(score.max()) * 1.2, form.clients)
    profit = score - prices[form.client]
    inner, x = solve_knapsacks(form, profit)
    assert abs(inner - brute_knapsacks(form, profit)) < 1e-6
    assert abs(float(profit[x].sum()) - inner) < 1e-6  # the chosen items give the value
    use = np.bincount(form.sack[x], weights=form.weight[x], minlength=len(form.capacity))
    assert (use <= form.capacity).all()
    assert prices.sum() + inner >= brute_allocation(form, score) - 1e-6


@settings(max_examples=25, deadline=None)
@given(gaps)
def test_subgradient_bound_and_allocation_bracket_the_optimum(gap: tuple[int, int, int]) -> None:
    cost, resource, capacity = random_gap(*gap)
    net, score = gap_net(cost, resource, capacity)
    form, _ = knapsack_form(net)
    assert form is not None
    res = lagrange_bound(form, score, time_limit=5.0, max_steps=200)
    optimum = brute_allocation(form, score)
    assert not len(violated_rows(net, res.chosen))
    assert res.value <= optimum + 1e-6 <= res.bound + 2e-6


def test_repair_keeps_the_best_and_inserts_the_rest() -> None:
    # two agents of capacity 2 units, three jobs of weight 1: the knapsacks both took job 0
    form = KnapsackForm(
        client=np.array([0, 0, 1, 1, 2, 2]),
        sack=np.array([0, 1, 0, 1, 0, 1]),
        weight=np.ones(6, dtype=np.int64),
        capacity=np.array([2, 1]),
        unit=100,
        clients=3,
        client_row=np.arange(3),
    )
    score = np.array([5.0, 9.0, 4.0, 3.0, 6.0, 1.0])
    x = np.array([True, True, False, False, False, False])
    chosen = repair(form, score, x, score)
    assert chosen.tolist() == [False, True, True, False, True, False]


def test_d05100_bound_beats_the_lp_and_stays_below_the_optimum() -> None:
    from benchmarks.gap import read_gap
    from matcher.allocation.colgen import solve_lp_columns
    from matcher.allocation.primal import round_lp

    problem = read_gap("benchmarks/gapdata/d05100")[0]
    model = to_engine(problem)
    rows = build_rows(model.instance, model.pairs)
    score = model.pairs.score.astype(np.float64)
    net = flow_net(rows, score)
    lp = solve_lp_columns(net, score, time_limit=30)
    form, why = knapsack_form(net)
    assert form is not None and "5 budget rows" in why
    start = round_lp(net, score, lp.x, lp.reduced)  # the engine's Polyak target, as in solve
    res = lagrange_bound(form, score, lp.duals[form.client_row], time_limit=10, best=start)
    lp_low, lag_low = model.cost_lower_bound(lp.bound), model.cost_lower_bound(res.bound)
    assert lp_low is not None and lag_low is not None
    assert lp_low < lag_low <= 6353  # the published optimum
    cost, assigned = model.total_cost(res.chosen)
    assert assigned == 100 and cost >= 6353


def test_binding_seats_or_caps_are_not_knapsack_form() -> None:
    triples = [(0, 0, 0, 500), (0, 1, 0, 300), (1, 0, 0, 400), (1, 1, -1, 0)]
    score = np.array([5.0, 4.0, 6.0, 2.0])
    binding = make_rows(triples, seats=[1, 2], budgets=[800])
    form, why = knapsack_form(flow_net(binding, score))
    assert form is None and "seats" in why
    capped = make_rows(triples, seats=[2, 2], budgets=[800], provider_of=[0, 0], caps={0: 1})
    form, why = knapsack_form(flow_net(capped, score))
    assert form is None and "caps" in why
    free = make_rows(triples, seats=[2, 2], budgets=[800])
    form, why = knapsack_form(flow_net(free, score))
    assert form is not None and form.unit == 100 and form.capacity.tolist() == [8]
    assert form.sack.tolist() == [0, 0, 0, -1]  # the cost-free triple is a free item


def test_solve_on_a_gap_week_reports_the_knapsack_bound() -> None:
    from benchmarks.gap import read_gap

    model = to_engine(read_gap("benchmarks/gapdata/d05100")[0])
    result = solve(model.instance, SolveOptions(time_limit=6), pairs=model.pairs)
    assert result.stats["knapsack_form"].startswith("knapsack form")
    assert result.bound is not None and result.bound <= result.stats["knapsack_bound"] + 1e-9
    assert result.stats["knapsack_bound"] < result.stats["lp_bound"]
    low = model.cost_lower_bound(result.bound)
    assert low is not None and low <= 6353 <= model.total_cost(result.chosen)[0]


def test_a_dp_too_large_is_skipped_with_the_reason() -> None:
    cost, resource, capacity = random_gap(3, 3, 5)
    net, _ = gap_net(cost, resource, capacity)
    form, why = knapsack_form(net, max_cells=10)
    assert form is None and "too large" in why


def test_gap_week_on_the_lns_path_finds_and_proves_the_brute_force_optimum(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # knapsack-form tables above SMALL_TABLE give the LNS 90 % and the whole-table MIP only
    # KNAPSACK_MIP_SHARE of the time: forced on tiny GAPs, the MIP still ends at the optimum
    from matcher.allocation import solve as solve_module

    monkeypatch.setattr(solve_module, "SMALL_TABLE", 0)
    for seed in (1, 2, 3):
        cost, resource, capacity = random_gap(seed, 3, 6)
        model = to_engine(GapProblem("t", cost, resource, capacity))
        net, score = gap_net(cost, resource, capacity)
        form, _ = knapsack_form(net)
        assert form is not None
        optimum = brute_allocation(form, score)
        result = solve(model.instance, SolveOptions(time_limit=6), pairs=model.pairs)
        assert "lns_steps" in result.stats or result.status == "OPTIMAL"
        assert float(score[result.chosen].sum()) == optimum
        assert result.bound is not None and result.bound >= optimum - 1e-6
