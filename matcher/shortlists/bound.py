"""A Lagrangian bound on the best shortlists, much tighter than the LP relaxation.

The LP lets a pool fund a fraction of a list — a third of a one-seat list buys one candidate for a
third of a seat's cost — which no real list can do: a list's first s candidates in a pool each
reserve a seat's cost, the next (K−1)·s none. Here the client rows (Σ y ≤ L), the list lengths
(≤ K·s) and the covered seats per list (≤ s) are priced instead (π, μ, ν ≥ 0); what remains splits
into one knapsack per pool over its (list, pool) groups, each funded at o = 0…s seats (o < s buys
o candidates, o = s the whole list), solved exactly by dynamic programming over the budget. For
every price vector the result is an upper bound on the optimum; a subgradient search lowers it.

Relaxations that keep it valid: seat costs rounded down to the DP's budget unit and taken at the
group's cheapest class, provider caps and the one-pool-per-pair rule dropped, and a lock's cost
subtracted only when the lock can be charged to one pool alone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.shortlists.problem import ListProblem

DP_CELLS = 4000  # budget cells per pool in the knapsack
STALL = 5  # subgradient steps without a better bound before the step size halves
MIN_THETA = 1e-4


@dataclass(frozen=True)
class _Groups:
    """Candidates grouped by (list, pool) — binding pools only; everything else one free group
    per list — with each group's seats, pool, and seat cost in DP cells of its pool."""

    of: np.ndarray  # per candidate: group
    place: np.ndarray
    pool: np.ndarray  # −1 for a free group
    seats: np.ndarray
    cells: np.ndarray  # per group: cells one seat costs (rounded down: the bound)
    capacity: np.ndarray  # per pool: budget cells left after single-pool locks
    plan_cells: np.ndarray  # per group: cells of its cheapest seat, rounded up (plans that fit)
    plan_capacity: np.ndarray  # per pool: cells left after the chosen locks, rounded down
    client: np.ndarray  # per candidate: client number 0..n_clients-1
    n_clients: int


def _groups(prob: ListProblem, z: np.ndarray | None = None) -> _Groups:
    charged = (
        (prob.c_pool >= 0) & (prob.c_cents > 0) & prob.binding_pools[np.maximum(prob.c_pool, 0)]
    )
    n_pools = len(prob.budget)
    key = prob.c_place * (n_pools + 1) + np.where(charged, prob.c_pool + 1, 0)
    keys, of = np.unique(key, return_inverse=True)
    place = keys // (n_pools + 1)
    pool = keys % (n_pools + 1) - 1
    budget = prob.budget.astype(np.float64)
    t = prob.lock_triples
    if len(t):
        n_of = np.bincount(prob.lock_owner, minlength=prob.n_locks)
        single = n_of[prob.lock_owner] == 1
        lp = prob.pairs.pool[t]
        ok = single & (lp >= 0)
        np.subtract.at(budget, lp[ok], prob.cents[t][ok].astype(np.float64))
    unit = np.maximum(budget, 1.0) / DP_CELLS
    cheapest = np.full(len(keys), np.inf)
    np.minimum.at(cheapest, of, prob.c_cents.astype(np.float64))
    cells = np.where(pool >= 0, np.floor(cheapest / unit[np.maximum(pool, 0)]), 0).astype(np.int64)
    capacity = np.where(budget >= 0, DP_CELLS, -1)
    plan_budget = prob.budget.astype(np.float64)
    if z is not None and len(t):
        chosen = t[z]
        lp = prob.pairs.pool[chosen]
        np.subtract.at(plan_budget, lp[lp >= 0], prob.cents[chosen][lp >= 0].astype(np.float64))
    plan_capacity = np.floor(plan_budget / unit).astype(np.int64)
    plan_capacity = np.where(plan_capacity >= 0, np.minimum(plan_capacity, DP_CELLS), -1)
    plan_cells = np.where(pool >= 0, np.ceil(cheapest / unit[np.maximum(pool, 0)]), 0).astype(
        np.int64
    )
    clients, client = np.unique(prob.c_client, return_inverse=True)
    return _Groups(
        of,
        place,
        pool,
        prob.seats[place],
        cells,
        capacity,
        plan_cells,
        plan_capacity,
        client,
        len(clients),
    )


def _options(
    prob: ListProblem, g: _Groups, r: np.ndarray, bonus: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group and funding level o = 0..s_max: the best value (−inf when impossible), and the
    candidates' order (by group, best reduced score first) with each one's position in its group."""
    order = np.lexsort((-r, g.of))
    gs = g.of[order]
    rs = r[order]
    n_g = len(g.place)
    size = np.bincount(g.of, minlength=n_g)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    pos = np.arange(len(order)) - start[gs]
    cum = np.concatenate([[0.0], np.cumsum(rs)])
    cum_pos = np.concatenate([[0.0], np.cumsum(np.maximum(rs, 0.0))])
    s_max = int(g.seats.max(initial=0))
    o = np.arange(s_max + 1)
    take = np.minimum(o[None, :], size[:, None])
    value = cum[start[:, None] + take] - cum[start[:, None]]
    value = value + np.maximum(bonus[g.place], 0.0)[:, None] * o[None, :]
    full_end = np.minimum(prob.per_seat * g.seats, size)
    tail = cum_pos[start + full_end] - cum_pos[start + np.minimum(g.seats, size)]
    value[np.arange(n_g), g.seats] += np.where(size >= g.seats, tail, 0.0)
    impossible = (o[None, :] > size[:, None]) | (o[None, :] > g.seats[:, None])
    value[impossible] = -np.inf
    return value, order, pos


def _solve_relaxation(
    prob: ListProblem, g: _Groups, value: np.ndarray, cells: np.ndarray, capacity: np.ndarray
) -> tuple[float, np.ndarray]:
    """Best total value of the groups (a knapsack per binding pool over `capacity` cells, seats
    costing `cells`; free groups alone) and the funding level chosen per group."""
    level = np.zeros(len(g.place), dtype=np.int64)
    free = np.flatnonzero(g.pool < 0)
    level[free] = np.argmax(value[free], axis=1)
    total = float(value[free, level[free]].sum())
    for f in np.unique(g.pool[g.pool >= 0]).tolist():
        cap = int(capacity[f])
        members = np.flatnonzero(g.pool == f)
        if cap < 0:
            return math.inf, level
        best = np.zeros(cap + 1)
        choices = np.zeros((len(members), cap + 1), dtype=np.int8)
        for k, gi in enumerate(members.tolist()):
            new = best + value[gi, 0]
            pick = np.zeros(cap + 1, dtype=np.int8)
            for o in range(1, int(g.seats[gi]) + 1):
                v = value[gi, o]
                if not math.isfinite(v):
                    break
                c = int(cells[gi]) * o
                if c > cap:
                    break
                cand = np.full(cap + 1, -np.inf)
                cand[c:] = best[: cap + 1 - c] + v
                better = cand > new
                new = np.where(better, cand, new)
                pick[better] = o
            best, choices[k] = new, pick
        total += float(best[cap])
        b = cap
        for k in range(len(members) - 1, -1, -1):
            o = int(choices[k, b])
            level[members[k]] = o
            b -= int(cells[members[k]]) * o
    return total, level


def lagrangian_bound(
    prob: ListProblem,
    lower: float,
    seconds: float,
    pi: np.ndarray | None = None,
    mu: np.ndarray | None = None,
    nu: np.ndarray | None = None,
    on_plan: Callable[[np.ndarray, np.ndarray, np.ndarray], float | None] | None = None,
    plan_every: int = 5,
    z: np.ndarray | None = None,
) -> float:
    """An upper bound on the best objective (min over the prices tried), searching prices by
    subgradient steps towards `lower` (a known objective) for at most `seconds`. Start prices
    (π per client number as in np.unique(c_client), μ and ν per placement) default to 0.

    Every `plan_every` steps the relaxation's funding plan is passed to `on_plan(group_of,
    group_cap, allowed)` — per candidate its group, per group how many it may list, per candidate
    whether it costs no more than the seat cost the plan paid — which may turn it into lists and
    return their objective (a better `lower` sharpens the step size). Two plans each time: the
    relaxation's own, and one with seat costs rounded up and the locks' chosen pools (`z`)
    charged, which fits the budgets (the first may not, and is repaired by the caller)."""
    t_end = time.perf_counter() + seconds
    if not prob.m:
        return 0.0
    g = _groups(prob, z)
    n_pl = len(prob.seats)
    pi = np.zeros(g.n_clients) if pi is None else np.maximum(pi.astype(float), 0.0)
    mu = np.zeros(n_pl) if mu is None else np.maximum(mu.astype(float), 0.0)
    nu = np.zeros(n_pl) if nu is None else np.maximum(nu.astype(float), 0.0)
    if prob.cover_bonus <= 0:
        nu[:] = 0.0
    best = math.inf
    theta = 1.0
    stall = 0
    K, L = prob.per_seat, prob.max_lists
    cheapest = np.full(len(g.place), np.inf)
    np.minimum.at(cheapest, g.of, prob.c_cents.astype(np.float64))
    cheap = (g.pool[g.of] < 0) | (prob.c_cents <= cheapest[g.of])
    steps = 0
    while True:
        r = prob.c_score.astype(float) - pi[g.client] - mu[prob.c_place]
        value, order, pos = _options(prob, g, r, prob.cover_bonus - nu)
        total, level = _solve_relaxation(prob, g, value, g.cells, g.capacity)
        bound = total + L * pi.sum() + float((mu * K * prob.seats).sum() + (nu * prob.seats).sum())
        if bound < best - 1e-6:
            best, stall = bound, 0
        else:
            stall += 1
            if stall >= STALL:
                theta, stall = theta / 2, 0
        steps += 1
        if on_plan is not None and steps % plan_every == 1:
            _, fitting = _solve_relaxation(prob, g, value, g.plan_cells, g.plan_capacity)
            for plan in (level, fitting):
                cap = np.where((g.pool < 0) | (plan == g.seats), K * g.seats, plan)
                found = on_plan(g.of, cap, cheap)
                if found is not None:
                    lower = max(lower, found)
        if time.perf_counter() > t_end or theta < MIN_THETA or best - lower < 0.5:
            break
        # listed per group: o < s buys o candidates; o = s also the positive ones up to K·s
        full = level == g.seats
        positive = np.zeros(len(g.place), dtype=np.int64)
        rs = r[order]
        in_tail = (pos >= g.seats[g.of[order]]) & (pos < K * g.seats[g.of[order]]) & (rs > 0)
        np.add.at(positive, g.of[order][in_tail], 1)
        n_listed = np.where(full, level + positive, level)
        chosen = pos < n_listed[g.of[order]]
        gi = L - np.bincount(g.client[order][chosen], minlength=g.n_clients)
        per_place = np.bincount(g.place, weights=n_listed, minlength=n_pl)
        gm = K * prob.seats - per_place
        covers = np.bincount(
            g.place, weights=np.where(prob.cover_bonus - nu[g.place] > 0, level, 0), minlength=n_pl
        )
        gn = prob.seats - covers if prob.cover_bonus > 0 else np.zeros(n_pl)
        norm = float((gi**2).sum() + (gm**2).sum() + (gn**2).sum())
        if norm <= 0:
            break
        step = theta * max(bound - lower, 1.0) / norm
        pi = np.maximum(pi - step * gi, 0.0)
        mu = np.maximum(mu - step * gm, 0.0)
        nu = np.maximum(nu - step * gn, 0.0)
    return best
