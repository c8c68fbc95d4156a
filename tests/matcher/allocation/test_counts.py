"""The count relaxation (matcher/allocation/counts.py): client and lock rows priced, an integer
MIP over group counts — its bound never below the optimum (brute force) for any prices, below
the LP bound where budgets are a fraction of a seat wide, and its counts give feasible
allocations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation.aggregate import groups_of
from matcher.allocation.colgen import solve_lp_columns
from matcher.allocation.counts import assign_counts, count_bound, reduced_profits
from matcher.allocation.flow import flow_net
from tests.factories import brute_force, feasible, make_rows, pool_table


def _lp_duals(rows, score):
    """(LP bound, LP duals) of the table."""
    lp = solve_lp_columns(flow_net(rows, score), score, time_limit=10)
    assert lp.status == "OPTIMAL"
    return lp.bound, lp.duals


def test_the_budget_fraction_is_taken_off_the_lp_bound():
    # one pool of 1000 cents, two placements of 600 each, 4 clients valued 100 everywhere: the LP
    # pays 1 2/3 seats (166.7), an allocation one seat (100); the count MIP sees that
    triples = [(c, p, 0, 600) for c in range(4) for p in range(2)]
    rows = make_rows(triples, seats=[2, 2], budgets=[1000])
    score = np.full(len(triples), 100.0)
    lp_bound, duals = _lp_duals(rows, score)
    assert lp_bound == pytest.approx(1000 / 6, abs=1e-6)
    res = count_bound(flow_net(rows, score), score, duals, time_limit=10)
    assert res.status == "OPTIMAL" and res.bound == pytest.approx(100.0, abs=1e-6)


def test_the_bound_at_zero_prices_counts_each_group_best_first():
    # no prices: each group takes its best triples up to the seats, whoever the client is
    triples = [(0, 0, -1, 0), (0, 1, -1, 0), (1, 0, -1, 0), (2, 0, -1, 0)]
    rows = make_rows(triples, seats=[2, 1])
    score = np.array([5.0, 4.0, 7.0, 3.0])
    res = count_bound(flow_net(rows, score), score, np.zeros(len(rows.hi)), time_limit=10)
    assert res.bound == pytest.approx(7 + 5 + 4)  # client 0 counted twice: a relaxation …
    assert brute_force(rows, score)[0] == 7 + 4 + 3  # … of the optimum (1, 2 → 0; 0 → 1)


@pytest.mark.oracle
@pytest.mark.parametrize("locks", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_lp_priced_bound_is_between_the_optimum_and_the_lp_bound(seed, locks):
    rows, score = pool_table(seed, clients=7, locks=locks)
    best, _ = brute_force(rows, score)
    lp_bound, duals = _lp_duals(rows, score)
    res = count_bound(flow_net(rows, score), score, duals, time_limit=10)
    assert res.status == "OPTIMAL"
    assert best - 1e-6 <= res.bound <= lp_bound + 1e-6


@pytest.mark.oracle
@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    clients=st.integers(1, 7),
    prices=st.lists(st.floats(-50, 120), min_size=30, max_size=30),
)
def test_bound_is_never_below_the_optimum_whatever_the_prices(seed, clients, prices):
    rows, score = pool_table(seed, clients=clients, locks=seed % 2 == 0)
    best, _ = brute_force(rows, score)
    duals = np.resize(np.asarray(prices), len(rows.hi))  # negative ones are clipped or free (locks)
    res = count_bound(flow_net(rows, score), score, duals, time_limit=10)
    assert res.bound is not None and res.bound >= best - 1e-6


@pytest.mark.oracle
@pytest.mark.parametrize("seed", range(5))
def test_counts_give_feasible_allocations_and_the_optimum_from_its_counts(seed):
    rows, score = pool_table(seed, clients=7, locks=seed % 2 == 1)
    net = flow_net(rows, score)
    best, best_chosen = brute_force(rows, score)
    _, duals = _lp_duals(rows, score)
    res = count_bound(net, score, duals, time_limit=10)
    r, _ = reduced_profits(rows, score, duals)
    chosen = assign_counts(net, score, res.counts, r)
    if chosen is not None:
        assert feasible(rows, chosen) and score[chosen].sum() <= best + 1e-6
    # the optimum's own counts: the transportation gets the optimum back
    group = groups_of(rows)
    counts = np.bincount(group[best_chosen], minlength=int(group.max()) + 1)
    again = assign_counts(net, score, counts, r, group=group)
    assert again is not None and feasible(rows, again)
    assert score[again].sum() == pytest.approx(best)
