"""HiGHS over a column subset (matcher/mip.py), rounding (matcher/primal.py) and large-neighbourhood
search (matcher/lns.py): each returns feasible allocations, exact where it claims to be."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.allocation import lns
from matcher.allocation.colgen import solve_lp_columns
from matcher.allocation.flow import flow_net
from matcher.allocation.lagrange import Dual
from matcher.allocation.mip import solve_mip
from matcher.allocation.primal import fill, round_lp, violated_rows
from tests.factories import brute_force, feasible, make_rows


def _table(seed: int, clients: int = 10):
    rng = np.random.default_rng(seed)
    triples, score = [], []
    for c in range(clients):
        for p in sorted(rng.choice(4, size=2, replace=False).tolist()):
            triples.append((c, p, p % 2, int(rng.integers(100, 900))))
            score.append(float(rng.integers(10, 100)))
    rows = make_rows(
        triples, seats=[2, 1, 2, 1], budgets=[1200, 900], provider_of=[0, 0, 1, 1], caps={0: 2}
    )
    return rows, np.array(score)


@pytest.mark.oracle
def test_mip_over_every_column_is_exact():
    for seed in range(4):
        rows, score = _table(seed, clients=7)  # 14 triples: brute force is cheap
        best, _ = brute_force(rows, score)
        res = solve_mip(rows, score, time_limit=10)
        assert res.status == "OPTIMAL" and not res.restricted
        assert res.objective == best and feasible(rows, res.chosen)
        assert res.bound >= best - 1e-6


@pytest.mark.oracle
def test_restricted_mip_stays_in_its_columns_and_improves_the_start():
    rows, score = _table(1, clients=30)
    start = np.zeros(len(score), dtype=bool)
    columns = np.arange(0, len(score), 2)
    res = solve_mip(rows, score, columns=columns, time_limit=10, start=start)
    assert res.restricted
    assert not res.chosen[np.setdiff1d(np.arange(len(score)), columns)].any()
    assert feasible(rows, res.chosen) and res.objective > 0


@pytest.mark.oracle
def test_mip_stops_at_a_known_bound():
    rows, score = _table(2, clients=30)
    full = solve_mip(rows, score, time_limit=10)
    seen: list[float] = []
    res = solve_mip(rows, score, time_limit=10, stop_at=full.objective, on_improve=seen.append)
    assert res.objective == full.objective and seen and seen[-1] == full.objective


def test_fill_respects_every_row():
    rows, score = _table(3, clients=40)
    net = flow_net(rows, score)
    chosen = fill(net, np.zeros(len(score), dtype=bool), score)
    assert feasible(rows, chosen) and chosen.any()
    # nothing more fits: every unchosen triple of a free client would break a row
    for j in np.flatnonzero(~chosen):
        trial = chosen.copy()
        trial[j] = True
        client_free = not chosen[rows.matrix[:, j].nonzero()[0][:1]].any()
        if client_free and score[j] > 0:
            assert not feasible(rows, trial) or rows.matrix[:, j].nnz == 0


def test_rounding_an_lp_solution_is_feasible_and_keeps_locks():
    rows, score = _table(4, clients=30)
    rows = make_rows(
        [
            tuple(int(v) for v in t)
            for t in zip(
                np.asarray(rows.matrix[rows.of("client")].argmax(axis=0)).ravel(),
                np.zeros(len(score), dtype=int),
                -np.ones(len(score), dtype=int),
                np.zeros(len(score), dtype=int),
                strict=True,
            )
        ],
        seats=[3],
        locks=[(5, 0)],
    )
    net = flow_net(rows, score)
    lp = solve_lp_columns(net, score, time_limit=10)
    chosen = round_lp(net, score, lp.x, lp.reduced)
    assert not len(violated_rows(net, chosen))
    assert chosen[rows.matrix[rows.of("lock")[0]].nonzero()[1]].any()


def test_lns_improves_a_poor_start_and_stays_feasible():
    rows, score = _table(5, clients=40)
    net = flow_net(rows, score)
    lp = solve_lp_columns(net, score, time_limit=10)
    start = fill(net, np.zeros(len(score), dtype=bool), score, key=-score)  # worst-first greedy
    res = lns.search(
        lns.Context(net, score), start, lp.reduced, lp.duals, time_limit=5, bound=lp.bound
    )
    assert feasible(rows, res.chosen)
    assert res.objective >= float(score[start].sum())
    assert res.objective <= lp.bound + 1e-6


@pytest.mark.oracle
def test_lagrangian_bound_is_valid_for_any_prices():
    rows, score = _table(6, clients=7)
    best, _ = brute_force(rows, score)
    dual = Dual(flow_net(rows, score), score)
    for lam in ([0.0, 0.0], [0.05, 0.01], [1.0, 1.0]):
        ev = dual.evaluate(np.array(lam))
        assert ev.feasible and ev.bound >= best - 1e-6
