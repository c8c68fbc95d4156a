"""A national part at prices by min-cost flow: exact against an LP of the same relaxation, and
the repair holds every limit."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from instances.generate import generate_instance
from matcher.allocation.constraints import build_rows
from matcher.national import flowprice
from matcher.national.split import split_clients
from matcher.pairs.compact import build_compact


@pytest.fixture(scope="module")
def part():
    inst = generate_instance("national", 400, seed=5)
    p = split_clients(inst, "area")[0]
    pairs = build_compact(inst, clients=p.clients)
    rows = build_rows(inst, pairs.table(inst), p.clients)
    cols = inst.columns
    net = flowprice.part_net(rows, pairs, cols.n_clients, cols.n_placements, len(cols.f_budget))
    return pairs, rows, net


def _lp_optimum(rows, profit, kept):
    """max profit·x over the rows in `kept` (families), 0 ≤ x ≤ 1, by HiGHS."""
    sel = np.isin(rows.family, kept)
    a = rows.matrix[sel]
    res = linprog(
        -profit,
        A_ub=a,
        b_ub=rows.hi[sel],
        A_eq=rows.matrix[rows.family == "lock"] if (rows.family == "lock").any() else None,
        b_eq=rows.lo[rows.family == "lock"] if (rows.family == "lock").any() else None,
        bounds=(0, 1),
        method="highs",
    )
    assert res.status == 0
    return -res.fun


def test_the_lookups_give_the_rows_of_build_rows(part):
    pairs, rows, net = part
    tr = flowprice.triple_rows(net, pairs)
    x = np.zeros(len(pairs), dtype=bool)
    x[::7] = True
    expect = rows.matrix @ x.astype(np.int64)
    assert np.array_equal(flowprice.row_use(net, tr, x), expect)


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_the_flow_at_prices_is_the_exact_maximum_of_the_relaxation(part, seed):
    pairs, rows, net = part
    rng = np.random.default_rng(seed)
    price = np.zeros(len(rows.hi))
    budget = rows.family == "budget"
    price[budget] = rng.uniform(0, 0.05, budget.sum())  # score per cent
    seats = np.flatnonzero(rows.family == "seats")
    hit = rng.choice(seats, size=len(seats) // 3, replace=False)
    price[hit] = rng.uniform(0, 300, len(hit))
    res, use = flowprice.evaluate(net, pairs, price)
    profit = flowprice.priced_profit(flowprice.triple_rows(net, pairs), pairs.score, price)
    best = _lp_optimum(rows, profit, ["client", "seats", "cap"])
    value = float(profit[res.chosen].sum())
    assert value == pytest.approx(best, rel=1e-6, abs=1e-3)  # integral polytope: x is optimal
    assert best - 1e-6 <= res.bound <= best + 1e-3 * max(abs(best), 1.0)  # a valid bound
    assert np.all(use[rows.family == "seats"] <= rows.hi[rows.family == "seats"])


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_repair_holds_every_limit_and_keeps_what_fits(part, seed):
    pairs, rows, net = part
    rng = np.random.default_rng(seed)
    res, _ = flowprice.evaluate(net, pairs, np.zeros(len(rows.hi)))
    limit = rows.hi.astype(np.float64)
    shrink = np.isin(rows.family, ["budget", "seats", "cap"])
    limit[shrink] = np.floor(limit[shrink] * rng.uniform(0.0, 1.0, shrink.sum()))
    chosen = np.flatnonzero(res.chosen)
    tr = flowprice.triple_rows(net, pairs)
    locked = chosen[np.isin(chosen, net.lock_at)]
    limit = np.maximum(limit, flowprice.row_use(net, tr, locked))  # shares keep the locks' need
    kept = flowprice.repair(net, pairs, chosen, limit)
    use = flowprice.row_use(net, tr, kept)
    assert np.all(use <= limit + 1e-9)
    free = chosen[~np.isin(chosen, net.lock_at)]
    assert set(kept.tolist()) <= set(free.tolist()) | set(net.lock_pick.tolist())
    assert set(net.lock_pick.tolist()) <= set(kept.tolist())  # locks stay, on the cheapest triple
    untouched = flowprice.repair(net, pairs, chosen, rows.hi.astype(np.float64) * 10)
    assert np.array_equal(untouched, np.union1d(free, net.lock_pick))  # nothing over: no drop


def test_the_resident_network_gives_the_flow_of_a_rebuilt_one(part):
    """Rounds on the kept network (warm-started from the last round's arcs) give the values and
    bounds of a network rebuilt from `build_rows` at every round."""
    from matcher.allocation.flow import flow_net, max_weight_assignment

    pairs, rows, net = part
    kept = flowprice.resident(net, pairs)
    assert kept.tr.client.dtype == np.int32 and kept.net.run_of.dtype == np.int32
    assert kept.nbytes <= 40 * len(pairs)
    rng = np.random.default_rng(11)
    active = None
    budget = rows.family == "budget"
    for k in range(5):
        price = np.zeros(len(rows.hi))
        price[budget] = rng.uniform(0, 0.02 * k, budget.sum())
        seats = np.flatnonzero(rows.family == "seats")
        price[seats] = rng.uniform(0, 60 * k, len(seats))
        res, use = flowprice.evaluate(net, pairs, price, active, kept)
        active = res.active
        rebuilt = flow_net(rows, pairs.score.astype(np.float64))
        profit = pairs.score - rows.matrix.T @ price  # budget coefficients are the cents
        fresh = max_weight_assignment(rebuilt, profit)
        assert res.value == pytest.approx(fresh.value, abs=1e-6)
        assert res.bound == pytest.approx(fresh.bound, rel=1e-9, abs=1e-6)
        assert np.array_equal(use, rows.matrix @ res.chosen.astype(np.int64))


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_the_flow_at_shares_holds_every_limit_and_fills_them(part, seed):
    pairs, rows, net = part
    kept = flowprice.resident(net, pairs)
    rng = np.random.default_rng(seed)
    limit = rows.hi.astype(np.float64)
    shrink = np.isin(rows.family, ["budget", "seats", "cap"])
    limit[shrink] = np.floor(limit[shrink] * rng.uniform(0.0, 1.0, shrink.sum()))
    limit = np.maximum(limit, flowprice.row_use(net, kept.tr, net.lock_pick))
    price = np.where(rows.family == "budget", rng.uniform(0, 0.01), 0.0)
    got = flowprice.refill(net, pairs, kept, price, limit)
    assert np.all(flowprice.row_use(net, kept.tr, got) <= limit + 1e-9)
    assert set(net.lock_pick.tolist()) <= set(got.tolist())
    # with loose budgets the flow at the shares is the exact optimum within them
    loose = limit.copy()
    loose[rows.family == "budget"] = rows.hi[rows.family == "budget"] * 10.0
    free = flowprice.refill(net, pairs, kept, np.zeros(len(rows.hi)), loose, rounds=60)
    best = _lp_optimum(
        replace(rows, hi=loose),
        pairs.score.astype(np.float64),
        ["client", "seats", "cap", "budget"],
    )
    assert float(pairs.score[free].sum()) == pytest.approx(best, rel=1e-9, abs=1e-6)
