"""The LP by column generation (matcher/colgen.py): the LP optimum of the whole table, a valid
bound at every round, duals that price everything out at the end."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from matcher.allocation.colgen import dual_bound, solve_lp_columns
from matcher.allocation.flow import flow_net
from tests.factories import make_rows


def _lp_optimum(rows, score):
    eq = rows.lo >= 1
    a = rows.matrix.astype(float).toarray()
    res = linprog(
        -score,
        A_ub=a[~eq],
        b_ub=rows.hi[~eq],
        A_eq=a[eq] if eq.any() else None,
        b_eq=rows.lo[eq] if eq.any() else None,
        bounds=(0, None),
        method="highs",
    )
    assert res.status == 0
    return -res.fun


def _random_table(seed: int, clients: int = 120, placements: int = 15):
    rng = np.random.default_rng(seed)
    triples, score = [], []
    for c in range(clients):
        for p in sorted(rng.choice(placements, size=5, replace=False).tolist()):
            pool = p % 3
            triples.append((c, p, pool, int(rng.integers(100, 5000))))
            score.append(float(rng.integers(50, 500)))
    rows = make_rows(
        triples,
        seats=rng.integers(1, 6, size=placements).tolist(),
        budgets=[20_000, 15_000, 30_000],
        provider_of=[p % 4 for p in range(placements)],
        caps={0: 3},
        locks=[(triples[0][0], triples[0][1])],
    )
    return rows, np.array(score)


def test_column_generation_reaches_the_lp_optimum_of_the_whole_table():
    for seed in range(3):
        rows, score = _random_table(seed)
        res = solve_lp_columns(flow_net(rows, score), score, time_limit=30)
        assert res.status == "OPTIMAL"
        lp = _lp_optimum(rows, score)
        assert abs(res.bound - lp) < 1e-5 * lp
        assert abs(res.value - lp) < 1e-5 * lp
        assert np.all(res.reduced <= 1e-6)  # nothing prices out


def test_every_round_bound_is_valid():
    rows, score = _random_table(7)
    lp = _lp_optimum(rows, score)
    net = flow_net(rows, score)
    res = solve_lp_columns(net, score, time_limit=30, initial=net.client_start[:10])  # a poor start
    assert res.status == "OPTIMAL" and abs(res.bound - lp) < 1e-5 * lp
    assert res.rounds >= 3  # pricing had to bring the columns in
    assert all(entry["bound"] >= lp - 1e-6 for entry in res.log)


def test_any_prices_give_an_upper_bound():
    rows, score = _random_table(11)
    lp = _lp_optimum(rows, score)
    net = flow_net(rows, score)
    rng = np.random.default_rng(0)
    for _ in range(5):
        y = rng.random(len(rows.hi)) * 100
        bound, _, _ = dual_bound(net, score, y)
        assert bound >= lp - 1e-6


def test_budget_row_prices_are_read_back():
    # one pool too small for both: the LP funds 1.5 of two equal pairs at a price on the budget
    rows = make_rows([(0, 0, 0, 1000), (1, 1, 0, 1000)], seats=[1, 1], budgets=[1500])
    score = np.array([10.0, 10.0])
    res = solve_lp_columns(flow_net(rows, score), score, time_limit=10)
    assert abs(res.bound - 15.0) < 1e-9
    budget = rows.of("budget")[0]
    assert abs(res.duals[budget] - 0.01) < 1e-9  # 10 score per 1000 cents
