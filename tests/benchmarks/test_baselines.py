"""The benchmark's baselines (matcher/baselines.py) on one small table: each does what it says —
the greedy is feasible, the flow and LP are upper bounds, the MIP and CP-SAT find the optimum."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import baselines as bl
from tests.factories import brute_force, feasible, make_rows

# three clients, two placements of one seat each, one pool that pays for one of the dear pairs
TRIPLES = [(0, 0, 0, 800), (0, 1, -1, 0), (1, 0, 0, 800), (2, 1, -1, 0), (2, 0, 0, 300)]
SCORE = np.array([10, 6, 9, 7, 5], dtype=np.int64)
PRIORITY = np.array([1, 1, 3, 2, 2], dtype=np.int64)


@pytest.fixture()
def rows():
    return make_rows(TRIPLES, seats=[1, 1], budgets=[1000])


def test_greedy_takes_clients_by_priority(rows):
    res = bl.greedy_by_priority(rows, SCORE, PRIORITY)
    # client 1 (priority 3) first takes p0, client 2 then p1, client 0 is left out
    assert res.chosen.tolist() == [False, False, True, True, False]
    assert res.objective == 16 and feasible(rows, res.chosen)


@pytest.mark.oracle
def test_flow_without_budgets_is_an_upper_bound(rows):
    best, _ = brute_force(rows, SCORE)
    res = bl.flow_without_budgets(rows, SCORE)
    assert res.objective is None and res.bound >= best


@pytest.mark.oracle
@pytest.mark.parametrize("solver", ["glop", "pdlp"])
def test_lp_bound_is_valid(rows, solver):
    best, _ = brute_force(rows, SCORE)
    res = bl.lp_bound(rows, SCORE, time_limit=10, solver=solver)
    assert res.bound is not None and res.bound >= best - 1e-6


def test_pdlp_bound_comes_from_its_duals_not_its_objective(rows):
    res = bl.lp_bound(rows, SCORE, time_limit=10, solver="pdlp")
    assert "pdlp_seconds" in res.stats and res.bound >= 16


@pytest.mark.oracle
@pytest.mark.parametrize("solver", ["scip", "highs"])
def test_mip_finds_the_optimum(rows, solver):
    best, _ = brute_force(rows, SCORE)
    res = bl.mip_ortools(rows, SCORE, time_limit=10, solver=solver)
    assert res.objective == best and feasible(rows, res.chosen)
    assert res.bound >= best - 1e-6


@pytest.mark.oracle
def test_naive_cpsat_finds_the_optimum(rows):
    best, _ = brute_force(rows, SCORE)
    res = bl.naive_cpsat(rows, SCORE, time_limit=10)
    assert res.objective == best and feasible(rows, res.chosen)
    assert res.history and res.history[-1][1] == best
