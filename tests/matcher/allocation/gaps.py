"""Small GAP tables for the knapsack and tabu tests: the engine's net of a GAP, random GAPs, the
brute-force optimum, and a random GAP set up for the tabu search with a poor feasible start."""

from __future__ import annotations

import itertools

import numpy as np

from benchmarks.gap import GapProblem, to_engine
from matcher.allocation import tabu
from matcher.allocation.constraints import build_rows
from matcher.allocation.flow import flow_net
from matcher.allocation.knapsack import KnapsackForm, knapsack_form
from matcher.allocation.primal import violated_rows


def gap_net(cost: np.ndarray, resource: np.ndarray, capacity: np.ndarray):  # type: ignore[no-untyped-def]
    """A GAP's engine table: (net, score)."""
    model = to_engine(GapProblem("t", cost, resource, capacity))
    rows = build_rows(model.instance, model.pairs)
    score = model.pairs.score.astype(np.float64)
    return flow_net(rows, score), score


def brute_allocation(form: KnapsackForm, score: np.ndarray) -> float:
    """The best Σ score of triples with each client at most once and each sack within capacity."""
    by_client = [np.flatnonzero(form.client == c) for c in range(form.clients)]
    best = 0.0
    for pick in itertools.product(*[[-1, *t.tolist()] for t in by_client]):
        chosen = np.array([t for t in pick if t >= 0], dtype=np.int64)
        use = np.bincount(
            form.sack[chosen], weights=form.weight[chosen], minlength=len(form.capacity)
        )
        if (use <= form.capacity).all():
            best = max(best, float(score[chosen].sum()))
    return best


def random_gap(seed: int, m: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    resource = rng.integers(1, 10, (m, n))
    cost = rng.integers(1, 20, (m, n))
    capacity = np.maximum(resource.sum(axis=1) // 2, resource.min(axis=1))
    return cost, resource, capacity


def worst_start(net, form: KnapsackForm, score: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """A feasible but poor allocation: clients in order, each to its lowest-score pool that fits."""
    chosen = np.zeros(len(score), dtype=bool)
    use = np.zeros(len(form.capacity), dtype=np.int64)
    for c in range(form.clients):
        for t in sorted(np.flatnonzero(form.client == c).tolist(), key=lambda t: score[t]):
            s = form.sack[t]
            if s < 0 or use[s] + form.weight[t] <= form.capacity[s]:
                chosen[t] = True
                if s >= 0:
                    use[s] += form.weight[t]
                break
    assert not len(violated_rows(net, chosen))
    return chosen


def small_gap(seed: int, m: int, n: int):  # type: ignore[no-untyped-def]
    """A random GAP's net, knapsack form, score, dense form and a poor feasible start."""
    cost, resource, capacity = random_gap(seed, m, n)
    net, score = gap_net(cost, resource, capacity)
    form, _ = knapsack_form(net)
    assert form is not None
    dense = tabu.dense_form(form, score)
    assert dense is not None
    return net, form, score, dense, worst_start(net, form, score)
