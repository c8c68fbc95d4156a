"""The Lagrangian bound over whole-seat pool fillings (matcher/allocation/groupbound.py): never
below the optimum (brute force) at the LP's duals or at any prices, never above the LP bound at
the LP's duals, and tight where a budget is a fraction of a seat too wide."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation.colgen import solve_lp_columns
from matcher.allocation.flow import flow_net
from matcher.allocation.groupbound import fill, group_bound, group_of
from tests.factories import brute_force, feasible, make_rows


def _table(seed: int, clients: int, locks: bool = False):
    """Clients with 1–3 of 5 placements, three pools two or three seats wide and one placement
    outside any pool, costs from a few values (groups hold several clients), a capped provider,
    and optionally one lock."""
    rng = np.random.default_rng(seed)
    pool_of = [0, 1, 2, 0, -1]
    triples, score = [], []
    for c in range(clients):
        picks = rng.choice(5, size=int(rng.integers(1, 4)), replace=False)
        for p in sorted(picks.tolist()):
            cents = int(rng.choice([200, 400, 600])) if pool_of[p] >= 0 else 0
            triples.append((c, p, pool_of[p], cents))
            score.append(float(rng.integers(5, 120)))
    rows = make_rows(
        triples,
        seats=[1, 2, 2, 1, 2],
        budgets=[900, 1000, 700],
        provider_of=[0, 1, 0, 1, 1],
        caps={0: 1},
        locks=[(triples[0][0], triples[0][1])] if locks else [],
    )
    return rows, np.array(score)


def _lp(rows, score):
    net = flow_net(rows, score)
    return net, solve_lp_columns(net, score, time_limit=10)


def test_a_budget_of_one_and_two_thirds_seats_fills_one():
    # three clients, one placement of 2 seats, 600 cents each from a 1 000-cent pool: the LP
    # takes 1⅔ seats (16.67), whole seats only one (10) — the bound says so
    rows = make_rows([(c, 0, 0, 600) for c in range(3)], seats=[2], budgets=[1000])
    score = np.full(3, 10.0)
    net, lp = _lp(rows, score)
    assert lp.bound == pytest.approx(50 / 3)
    res = group_bound(net, score, lp.duals, time_limit=5)
    assert res.bound == pytest.approx(10.0) and res.groups == 1


@pytest.mark.parametrize("locks", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_valid_and_no_looser_than_the_lp_at_its_duals(seed, locks):
    rows, score = _table(seed, clients=5, locks=locks)  # ≤ 15 triples: brute force is cheap
    best, _ = brute_force(rows, score)
    net, lp = _lp(rows, score)
    res = group_bound(net, score, lp.duals, time_limit=5)
    assert res.bound is not None
    assert best - 1e-6 <= res.bound <= lp.bound + 1e-6
    chosen = fill(net, score, group_of(net), res.counts, res.locked)
    assert feasible(rows, chosen) and score[chosen].sum() <= best + 1e-6


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    clients=st.integers(1, 5),
    scale=st.floats(0.0, 120.0),
)
def test_valid_at_any_prices(seed, clients, scale):
    rows, score = _table(seed, clients=clients, locks=seed % 2 == 0)
    best, _ = brute_force(rows, score)
    net = flow_net(rows, score)
    y = np.random.default_rng(seed).uniform(-scale, scale, len(rows.hi))  # clipped where ≥ 0
    res = group_bound(net, score, y, time_limit=5)
    assert res.bound is not None and res.bound >= best - 1e-6


def test_fill_keeps_the_counts_and_takes_the_best_clients():
    # one placement, two pools; the filling takes one seat from each: the best client of each
    rows = make_rows(
        [(0, 0, 0, 500), (0, 0, 1, 500), (1, 0, 0, 500), (2, 0, 1, 500), (3, 0, 1, 500)],
        seats=[3],
        budgets=[600, 600],
    )
    score = np.array([50.0, 50.0, 40.0, 30.0, 45.0])
    net = flow_net(rows, score)
    group = group_of(net)
    counts = np.zeros(int(group.max()) + 1, dtype=np.int64)
    counts[group[[0, 1]]] = 1  # one seat per pool
    chosen = fill(net, score, group, counts, np.zeros(0, dtype=np.int64))
    assert (
        feasible(rows, chosen) and score[chosen].sum() == 95.0
    )  # client 0 in pool 0, client 3 in pool 1
