"""The aggregated whole-table MIP (matcher/allocation/aggregate.py): integer counts per
(placement, pool, cost) group, continuous triples — exact against brute force and against the
triple MIP, with a bound no allocation beats."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation.aggregate import solve_aggregate
from matcher.allocation.flow import flow_net
from matcher.allocation.groupbound import group_of
from matcher.allocation.mip import solve_mip
from tests.factories import brute_force, feasible, make_rows


def _table(seed: int, clients: int, locks: bool = False):
    """Clients with 2 of 4 placements, two budget pools, costs from a few values (so groups hold
    several clients), a capped provider, and optionally one lock."""
    rng = np.random.default_rng(seed)
    triples, score = [], []
    for c in range(clients):
        for p in sorted(rng.choice(4, size=2, replace=False).tolist()):
            triples.append((c, p, p % 2, int(rng.choice([300, 500, 700]))))
            score.append(float(rng.integers(10, 100)))
    lock = [(triples[0][0], triples[0][1])] if locks else []
    rows = make_rows(
        triples,
        seats=[2, 2, 3, 1],
        budgets=[1100, 1300],
        provider_of=[0, 0, 1, 1],
        caps={1: 2},
        locks=lock,
    )
    return rows, np.array(score)


def test_groups_are_placement_pool_and_cost():
    rows = make_rows(
        [(0, 0, 0, 300), (1, 0, 0, 300), (2, 0, 0, 500), (2, 1, 0, 300), (3, 1, -1, 0)],
        seats=[2, 1],
        budgets=[1000],
    )
    g = group_of(flow_net(rows))
    assert g[0] == g[1]  # same placement, pool and cost
    assert len({g[1], g[2], g[3], g[4]}) == 4  # another cost, another placement, no pool


@pytest.mark.oracle
@pytest.mark.parametrize("locks", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_aggregated_mip_is_exact_on_tiny_tables(seed, locks):
    rows, score = _table(seed, clients=7, locks=locks)  # 14 triples: brute force is cheap
    best, _ = brute_force(rows, score)
    res = solve_aggregate(rows, score, time_limit=10)
    assert (res.status, res.objective) == ("OPTIMAL", best)
    assert feasible(rows, res.chosen) and res.bound >= best - 1e-6


@pytest.mark.oracle
@pytest.mark.parametrize("after_root", [False, True])
def test_aggregated_mip_matches_the_triple_mip_and_keeps_the_start(after_root):
    for seed in range(3):
        rows, score = _table(seed, clients=40, locks=True)
        triple = solve_mip(rows, score, time_limit=20)
        assert triple.status == "OPTIMAL"
        start = triple.chosen.copy()
        res = solve_aggregate(rows, score, time_limit=20, start=start, start_after_root=after_root)
        assert res.status == "OPTIMAL" and feasible(rows, res.chosen)
        assert res.objective == triple.objective


@pytest.mark.oracle
def test_a_start_given_after_the_root_is_kept_when_nothing_beats_it():
    # 0.01 s is too short to search: the result is the start (feasible, its own value), never less
    rows, score = _table(3, clients=60, locks=True)
    start = solve_mip(rows, score, time_limit=20).chosen
    res = solve_aggregate(rows, score, time_limit=0.01, start=start, start_after_root=True)
    assert res.objective is not None and feasible(rows, res.chosen)
    assert res.objective >= float(score[start].sum())


@pytest.mark.oracle
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), clients=st.integers(1, 7))
def test_aggregated_bound_is_never_below_the_optimum(seed, clients):
    rows, score = _table(seed, clients=clients, locks=seed % 2 == 0)
    best, _ = brute_force(rows, score)
    res = solve_aggregate(rows, score, time_limit=10)
    assert res.bound is not None and res.bound >= best - 1e-6
    assert feasible(rows, res.chosen) and res.objective <= best + 1e-6
