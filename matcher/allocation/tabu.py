"""Tabu search with adaptive overload penalties for tables in knapsack form (GAP weeks).

The LNS re-solves a few pools at a time exactly; on the 80×1600 GAP files it makes a few dozen
steps a minute and stalls 0.6–0.9 % above the bound. This search makes thousands of small moves
a second instead: shift one client to another pool (or out), or swap two clients' pools, the
best admissible move each iteration over every shift and the swaps of a random sample of
clients. Pools may be over budget while searching; each overloaded unit costs the pool's
penalty α, raised while the pool is over and lowered while it is not (strategic oscillation
around the budget boundary, after Yagiura, Ibaraki and Glover's work on the GAP). A client may
not go back to a pool it left for a few iterations (tabu), unless that gives a new best feasible
allocation. The best feasible allocation seen is the result. The kernel is compiled by numba
(plain loops over dense pool × client arrays: 128 000 cells on 80×1600).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from matcher.allocation.knapsack import KnapsackForm

MAX_CELLS = 20_000_000  # dense pool × client arrays at most this large (else no search)
CHUNK = 500  # iterations per compiled call (the time limit is checked between calls)
SWAP_SAMPLE = 48  # clients whose swaps are scanned each iteration (every other client as partner)
TENURE = (10, 30)  # a client may not return to a pool it left for this many iterations (random)
PENALTY_UP = 1.05  # an overloaded pool's α grows by this factor each iteration …
PENALTY_DOWN = 0.98  # … and every α shrinks by this one while the allocation is feasible
RESTART = 20_000  # iterations without a new best: start again from the best (α kept)


@dataclass(frozen=True)
class TabuResult:
    """The best feasible allocation found (None if none beat the start), its score and what the
    search did."""

    chosen: np.ndarray | None
    value: float
    iterations: int
    improved: int
    seconds: float


@dataclass(frozen=True)
class Dense:
    """The knapsack form as dense (pool, client) arrays; pool `sacks` is "unassigned" (profit 0,
    weight 0, no capacity) and pool `sacks + 1` the free items (no budget row)."""

    profit: np.ndarray  # float64 (pools + 2) × clients, −inf where there is no triple
    weight: np.ndarray  # int64 (pools + 2) × clients
    triple: np.ndarray  # int64 (pools + 2) × clients, −1 where there is none
    capacity: np.ndarray  # int64 per pool (+ 2 unbounded)


def dense_form(form: KnapsackForm, score: np.ndarray) -> Dense | None:
    """Dense arrays of `form`, or None when a (client, pool) pair has several triples (the moves
    would have to choose among them) or the arrays would exceed MAX_CELLS."""
    sacks = len(form.capacity)
    pools = sacks + 2
    if pools * form.clients > MAX_CELLS:
        return None
    pool = np.where(form.sack >= 0, form.sack, sacks + 1)
    cell = pool.astype(np.int64) * form.clients + form.client
    if len(np.unique(cell)) != len(cell):
        return None
    profit = np.full(pools * form.clients, -np.inf)
    weight = np.zeros(pools * form.clients, dtype=np.int64)
    triple = np.full(pools * form.clients, -1, dtype=np.int64)
    profit[cell] = score
    weight[cell] = form.weight
    triple[cell] = np.arange(len(cell))
    profit[sacks * form.clients : (sacks + 1) * form.clients] = 0.0  # unassigned
    big = np.iinfo(np.int64).max // 4
    capacity = np.concatenate([form.capacity.astype(np.int64), [big, big]])
    shape = (pools, form.clients)
    return Dense(profit.reshape(shape), weight.reshape(shape), triple.reshape(shape), capacity)


@numba.njit(cache=True, nogil=True)
def _over(load: int, cap: int) -> int:
    return load - cap if load > cap else 0


@numba.njit(cache=True, nogil=True)
def _search(
    profit: np.ndarray,
    weight: np.ndarray,
    cap: np.ndarray,
    assign: np.ndarray,
    load: np.ndarray,
    alpha: np.ndarray,
    tabu: np.ndarray,
    counters: np.ndarray,
    current: np.ndarray,
    best: np.ndarray,
    best_value: np.ndarray,
    iterations: int,
    seed: int,
) -> int:
    """`iterations` tabu iterations from (assign, load) with penalties alpha; counters hold
    [iteration, iterations since the last new best], current[0] the current score, best and
    best_value the best feasible allocation. Returns how many new bests were found."""
    np.random.seed(seed)
    tenure_lo = TENURE[0]
    tenure_span = TENURE[1] - TENURE[0] + 1
    clients, pools = profit.shape
    sacks = pools - 2  # the budget pools; then "unassigned" and the free items, never over
    found = 0
    it = counters[0]
    stale = counters[1]
    value = current[0]
    over_total = 0
    for p in range(pools):
        over_total += _over(load[p], cap[p])
    for _ in range(iterations):
        it += 1
        best_delta = -np.inf
        kind = -1
        mj = -1
        mp = -1
        mk = -1
        # shifts: client j from its pool a to pool p
        for j in range(clients):
            a = assign[j]
            oa = _over(load[a] - weight[j, a], cap[a]) - _over(load[a], cap[a])
            pen_a = alpha[a] * oa
            for p in range(pools):
                if p == a:
                    continue
                pr = profit[j, p]
                if pr == -np.inf:
                    continue
                op = _over(load[p] + weight[j, p], cap[p]) - _over(load[p], cap[p])
                dprofit = pr - profit[j, a]
                delta = dprofit - alpha[p] * op
                delta -= pen_a
                if tabu[j, p] > it:
                    if not (over_total + op + oa == 0 and value + dprofit > best_value[0] + 1e-9):
                        continue
                if delta > best_delta:
                    best_delta = delta
                    kind = 0
                    mj = j
                    mp = p
        # swaps: a sample of clients j against every client k in another pool
        for _s in range(min(SWAP_SAMPLE, clients)):
            j = np.random.randint(clients)
            a = assign[j]
            for k in range(clients):
                b = assign[k]
                if b == a:
                    continue
                pjb = profit[j, b]
                pka = profit[k, a]
                if pjb == -np.inf or pka == -np.inf:
                    continue
                la = load[a] - weight[j, a] + weight[k, a]
                lb = load[b] - weight[k, b] + weight[j, b]
                oa = _over(la, cap[a]) - _over(load[a], cap[a])
                ob = _over(lb, cap[b]) - _over(load[b], cap[b])
                dprofit = pjb + pka - profit[j, a] - profit[k, b]
                delta = dprofit - alpha[a] * oa - alpha[b] * ob
                if tabu[j, b] > it or tabu[k, a] > it:
                    if not (over_total + oa + ob == 0 and value + dprofit > best_value[0] + 1e-9):
                        continue
                if delta > best_delta:
                    best_delta = delta
                    kind = 1
                    mj = j
                    mk = k
        if kind < 0:
            break
        if kind == 0:
            a = assign[mj]
            over_total -= _over(load[a], cap[a]) + _over(load[mp], cap[mp])
            load[a] -= weight[mj, a]
            load[mp] += weight[mj, mp]
            over_total += _over(load[a], cap[a]) + _over(load[mp], cap[mp])
            value += profit[mj, mp] - profit[mj, a]
            assign[mj] = mp
            tabu[mj, a] = it + tenure_lo + np.random.randint(tenure_span)
        else:
            a = assign[mj]
            b = assign[mk]
            over_total -= _over(load[a], cap[a]) + _over(load[b], cap[b])
            load[a] += weight[mk, a] - weight[mj, a]
            load[b] += weight[mj, b] - weight[mk, b]
            over_total += _over(load[a], cap[a]) + _over(load[b], cap[b])
            value += profit[mj, b] + profit[mk, a] - profit[mj, a] - profit[mk, b]
            assign[mj] = b
            assign[mk] = a
            tabu[mj, a] = it + tenure_lo + np.random.randint(tenure_span)
            tabu[mk, b] = it + tenure_lo + np.random.randint(tenure_span)
        if over_total == 0:
            for p in range(sacks):
                alpha[p] *= PENALTY_DOWN
            if value > best_value[0] + 1e-9:
                best_value[0] = value
                best[:] = assign
                found += 1
                stale = 0
            else:
                stale += 1
        else:
            for p in range(sacks):
                if load[p] > cap[p]:
                    alpha[p] *= PENALTY_UP
            stale += 1
        if stale > RESTART:
            assign[:] = best
            for p in range(pools):
                load[p] = 0
            for j in range(clients):
                load[assign[j]] += weight[j, assign[j]]
            value = best_value[0]
            over_total = 0
            stale = 0
            tabu[:, :] = 0
    counters[0] = it
    counters[1] = stale
    current[0] = value
    return found


def search(
    dense: Dense,
    chosen: np.ndarray,
    *,
    time_limit: float,
    seed: int = 0,
    target: float | None = None,
) -> TabuResult:
    """Tabu search from the feasible allocation `chosen` (bool per triple) for `time_limit`
    seconds or until its score reaches `target`; the best feasible allocation found."""
    t0 = time.perf_counter()
    pools, clients = dense.profit.shape
    assign = np.full(clients, pools - 2, dtype=np.int64)
    picked = np.flatnonzero(chosen)
    where = np.argwhere(dense.triple >= 0)
    pool_of = np.empty(int(dense.triple.max()) + 1, dtype=np.int64)
    client_of = np.empty_like(pool_of)
    pool_of[dense.triple[where[:, 0], where[:, 1]]] = where[:, 0]
    client_of[dense.triple[where[:, 0], where[:, 1]]] = where[:, 1]
    assign[client_of[picked]] = pool_of[picked]
    load = np.zeros(pools, dtype=np.int64)
    np.add.at(load, assign, dense.weight[assign, np.arange(clients)])
    start_value = float(dense.profit[assign, np.arange(clients)].sum())
    gaps = np.abs(np.diff(np.sort(np.where(np.isfinite(dense.profit), dense.profit, 0), 0), axis=0))
    unit_gain = float(np.median(gaps[gaps > 0])) if (gaps > 0).any() else 1.0
    unit_weight = (
        float(np.median(dense.weight[dense.weight > 0])) if (dense.weight > 0).any() else 1
    )
    alpha = np.full(pools, unit_gain / max(unit_weight, 1.0))
    alpha[pools - 2 :] = 0.0
    tabu = np.zeros((clients, pools), dtype=np.int64)
    counters = np.zeros(2, dtype=np.int64)
    current = np.array([start_value])
    best = assign.copy()
    best_value = np.array([start_value])
    improved = 0
    rounds = 0
    profit_t = np.ascontiguousarray(dense.profit.T)  # client-major: a client's pools side by side
    weight_t = np.ascontiguousarray(dense.weight.T)
    while time.perf_counter() - t0 < time_limit:
        if target is not None and best_value[0] >= target:
            break
        improved += _search(
            profit_t,
            weight_t,
            dense.capacity,
            assign,
            load,
            alpha,
            tabu,
            counters,
            current,
            best,
            best_value,
            CHUNK,
            seed + rounds,
        )
        rounds += 1
    seconds = time.perf_counter() - t0
    if not improved:
        return TabuResult(None, start_value, int(counters[0]), 0, seconds)
    out = np.zeros(len(chosen), dtype=bool)
    t = dense.triple[best, np.arange(clients)]
    out[t[t >= 0]] = True
    return TabuResult(out, float(best_value[0]), int(counters[0]), improved, seconds)


def start(
    form: KnapsackForm | None,
    score: np.ndarray,
    chosen: np.ndarray,
    time_limit: float,
    seed: int,
    bound: float | None,
) -> Future[TabuResult] | None:
    """For `solve`: the search from `chosen` in a thread of its own for `time_limit` seconds (up
    to floor(bound)), beside the LNS on the other workers; None where there is no dense form."""
    dense = dense_form(form, score) if form is not None else None
    if dense is None:
        return None
    target = None if bound is None else math.floor(bound + 1e-6)
    pool = ThreadPoolExecutor(max_workers=1)
    job = pool.submit(search, dense, chosen.copy(), time_limit=time_limit, seed=seed, target=target)
    pool.shutdown(wait=False)
    return job


def finish(job: Future[TabuResult] | None, stats: dict[str, Any]) -> list[np.ndarray]:
    """The search's allocation (as a list: empty when it found nothing better or did not run);
    its figures go into `stats`."""
    if job is None:
        return []
    res = job.result()
    stats.update(
        tabu_seconds=round(res.seconds, 3),
        tabu_iterations=res.iterations,
        tabu_improved=res.improved,
    )
    return [] if res.chosen is None else [res.chosen]
