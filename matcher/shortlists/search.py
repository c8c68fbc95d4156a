"""Finding good shortlists fast: greedy lists, the best lists within given reservations by
min-cost flow, repair and refill, a large-neighbourhood search with CP-SAT, and lists from the
Lagrangian bound's funding plans.
"""

from __future__ import annotations

import bisect
import heapq
import math
import time

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.progress import Progress, ProgressFn
from matcher.shortlists.bound import lagrangian_bound
from matcher.shortlists.problem import (
    ListProblem,
    list_lengths,
    objective_value,
    reservations,
)


class _ListState:
    """Lists under construction with running counts per client, list, (list, pool) and provider,
    so that a candidate is checked against every rule and added in O(log K·s)."""

    def __init__(self, prob: ListProblem, z: np.ndarray) -> None:
        self.prob = prob
        self.n_pools = len(prob.budget)
        self.budget = prob.budget.tolist()
        self.reserved = [0] * self.n_pools
        lock_t = prob.lock_triples[z]
        for f, c in zip(prob.pairs.pool[lock_t].tolist(), prob.cents[lock_t].tolist(), strict=True):
            if f >= 0 and c > 0:
                self.reserved[f] += c
        self.client = prob.c_client.tolist()
        self.place = prob.c_place.tolist()
        self.pool = prob.c_pool.tolist()
        self.cents = prob.c_cents.tolist()
        self.score = prob.c_score.tolist()
        self.seats = prob.seats.tolist()
        self.provider = prob.provider_of.tolist()
        self.capped = prob.capped.tolist()
        self.cap_left = prob.cap_left.tolist()
        self.binding_pool = prob.binding_pools.tolist()
        self.binding_cap = prob.binding_caps.tolist()
        self.n_pl = max(len(self.seats), 1)
        self.on_lists: dict[int, int] = {}
        self.listed_pairs: set[int] = set()
        self.length = [0] * len(self.seats)
        self.group_costs: dict[int, list[int]] = {}
        self.cap_used = [0] * len(self.cap_left)
        self.taken = [False] * prob.m

    def charged(self, j: int) -> bool:
        """Does candidate j count against a pool that may bind?"""
        f = self.pool[j]
        return f >= 0 and self.cents[j] > 0 and self.binding_pool[f]

    @classmethod
    def of(cls, prob: ListProblem, z: np.ndarray, y: np.ndarray) -> _ListState:
        """The state of the lists `y` (which must keep every rule)."""
        state = cls(prob, z)
        for j in np.flatnonzero(y).tolist():
            state.add(j, state.top_delta(j))
        return state

    def top_delta(self, j: int) -> int:
        """Cents j would add to its pool's reservation (0 when its pool never binds)."""
        if not self.charged(j):
            return 0
        p, f, cost = self.place[j], self.pool[j], self.cents[j]
        s = self.seats[p]
        costs = self.group_costs.get(p * self.n_pools + f, [])
        return cost if len(costs) < s else max(0, cost - costs[len(costs) - s])

    def delta(self, j: int, limit: int) -> int | None:
        """Cents j would add to its pool's reservation, or None when a rule forbids adding j
        (list longer than `limit`, client on L lists, pair listed, budget or cap exceeded)."""
        if self.taken[j]:
            return None
        c, p = self.client[j], self.place[j]
        if self.length[p] >= limit or self.on_lists.get(c, 0) >= self.prob.max_lists:
            return None
        if c * self.n_pl + p in self.listed_pairs:
            return None
        d = self.top_delta(j)
        if d and self.reserved[self.pool[j]] + d > self.budget[self.pool[j]]:
            return None
        v = self.provider[p]
        if self.capped[p] and self.binding_cap[v] and self.length[p] < self.seats[p]:
            if self.cap_used[v] + 1 > self.cap_left[v]:
                return None
        return d

    def add(self, j: int, d: int) -> None:
        """List candidate j (after `delta` allowed it with `d`)."""
        c, p = self.client[j], self.place[j]
        self.taken[j] = True
        self.on_lists[c] = self.on_lists.get(c, 0) + 1
        self.listed_pairs.add(c * self.n_pl + p)
        v = self.provider[p]
        if self.capped[p] and self.binding_cap[v] and self.length[p] < self.seats[p]:
            self.cap_used[v] += 1
        self.length[p] += 1
        if self.charged(j):
            f = self.pool[j]
            bisect.insort(self.group_costs.setdefault(p * self.n_pools + f, []), self.cents[j])
            self.reserved[f] += d

    def y(self) -> np.ndarray:
        return np.asarray(self.taken, dtype=bool)


def list_state(prob: ListProblem, z: np.ndarray, y: np.ndarray) -> _ListState:
    """The running state of the lists `y` (which must keep every rule), ready to add more."""
    return _ListState.of(prob, z, y)


def choose_lock_pools(
    prob: ListProblem, lock_pref: np.ndarray | None = None
) -> tuple[np.ndarray, bool]:
    """One triple per lock: the first in `lock_pref` order whose pool still has room for it.
    Returns (z, whether every lock fitted)."""
    z = np.zeros(len(prob.lock_triples), dtype=bool)
    if not len(prob.lock_triples):
        return z, True
    reserved = [0] * len(prob.budget)
    budget = prob.budget.tolist()
    pref = np.arange(len(prob.lock_triples)) if lock_pref is None else lock_pref
    pools = prob.pairs.pool[prob.lock_triples].tolist()
    cents = prob.cents[prob.lock_triples].tolist()
    owner = prob.lock_owner.tolist()
    done = [False] * prob.n_locks
    first: dict[int, int] = {}
    for i in np.asarray(pref).tolist():
        k = owner[i]
        if done[k]:
            continue
        first.setdefault(k, i)
        f = pools[i]
        if f < 0 or cents[i] <= 0 or reserved[f] + cents[i] <= budget[f]:
            z[i] = done[k] = True
            if f >= 0:
                reserved[f] += cents[i]
    for k, i in first.items():
        if not done[k]:
            z[i] = True
    return z, all(done)


def greedy_lists(
    prob: ListProblem,
    order: np.ndarray,
    z: np.ndarray,
    cover_first: bool = True,
    state: _ListState | None = None,
) -> np.ndarray:
    """Lists built by taking candidates in `order` while every rule holds (first up to s per list
    when `cover_first`, then up to K·s), continuing from `state` when given."""
    state = state or _ListState(prob, z)
    seats = state.seats
    place = state.place
    ord_list = np.asarray(order).tolist()
    for per_seat in [1, prob.per_seat] if cover_first else [prob.per_seat]:
        for j in ord_list:
            d = state.delta(j, per_seat * seats[place[j]])
            if d is not None:
                state.add(j, d)
    return state.y()


def greedy_open(
    prob: ListProblem, z: np.ndarray, noise: float = 0.0, rng: np.random.Generator | None = None
) -> _ListState:
    """Open (list, pool) groups whole, best value per reserved cent first (lazily re-evaluated):
    a group's first s candidates each reserve a seat's cost, the next (K−1)·s are free, so
    filling an opened list is what makes reservations pay. Returns the state to fill further."""
    state = _ListState(prob, z)
    key = prob.c_place * (len(prob.budget) + 1) + np.where(
        (prob.c_pool >= 0) & (prob.c_cents > 0), prob.c_pool + 1, 0
    )
    order = np.lexsort((prob.c_client, -prob.c_score, key))
    k = key[order]
    cuts = np.flatnonzero(k[1:] != k[:-1]) + 1
    groups = [g.tolist() for g in np.split(order, cuts)] if len(order) else []
    seats, score = state.seats, state.score
    bonus, per_seat = prob.cover_bonus, prob.per_seat

    def evaluate(g: int) -> tuple[float, list[int]]:
        members = groups[g]
        p = state.place[members[0]]
        room = per_seat * seats[p] - state.length[p]
        picked: list[int] = []
        value = 0.0
        cost = 0
        for j in members:
            if len(picked) >= room:
                break
            d = state.delta(j, per_seat * seats[p])
            if d is None:
                continue
            picked.append(j)
            value += score[j]
        if not picked:
            return -math.inf, picked
        before = state.length[p]
        value += bonus * (min(seats[p], before + len(picked)) - min(seats[p], before))
        f = state.pool[picked[0]]
        if state.charged(picked[0]):
            costs = state.group_costs.get(p * state.n_pools + f, [])
            s = seats[p]
            new = sorted(costs + [state.cents[j] for j in picked])
            cost = sum(new[-s:]) - sum(costs[-s:]) if s else 0
            if state.reserved[f] + cost > state.budget[f]:
                return -math.inf, []
        return value / max(cost, 1) * jitter[g], picked

    jitter = (1 + noise * (rng or np.random.default_rng(0)).standard_normal(len(groups))).tolist()
    heap = [(-evaluate(g)[0], g) for g in range(len(groups))]
    heap = [h for h in heap if h[0] < math.inf]
    heapq.heapify(heap)
    while heap:
        _, g = heapq.heappop(heap)
        ratio, picked = evaluate(g)
        if not picked:
            continue
        if heap and ratio < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-ratio, g))
            continue
        for j in picked:
            d = state.delta(j, per_seat * seats[state.place[j]])
            if d is not None:
                state.add(j, d)
    return state


def flow_lists(prob: ListProblem, y0: np.ndarray) -> np.ndarray:
    """The best lists that reserve no more than `y0` does, by min-cost flow.

    `y0`'s reservations fix, per (list, pool), how many candidates of each cost class may be
    listed: where a class and the costlier ones count fewer than s candidates, at most that many
    (cumulative class nodes in a chain); beyond s a group's reservation no longer grows. With
    those nested capacities — and list lengths K·s, covers min(s, length), cap-bound lists kept
    at their covered seats — every other rule is a capacity, so the flow is optimal and exact.
    """
    m = prob.m
    if not m:
        return np.zeros(0, dtype=bool)
    seats, K = prob.seats, prob.per_seat
    charged = (
        (prob.c_pool >= 0) & (prob.c_cents > 0) & prob.binding_pools[np.maximum(prob.c_pool, 0)]
    )
    n_pl = len(seats)
    # class key: (placement, pool, cost) for charged candidates, (placement, −1) for the rest
    gkey = np.where(
        charged,
        prob.c_place * (len(prob.budget) + 1) + prob.c_pool + 1,
        prob.c_place * (len(prob.budget) + 1),
    )
    ckey = np.where(charged, prob.c_cents, -1)
    order = np.lexsort((-ckey, gkey))  # within a group, costliest class first
    gk, ck = gkey[order], ckey[order]
    new_class = np.ones(m, dtype=bool)
    new_class[1:] = (gk[1:] != gk[:-1]) | (ck[1:] != ck[:-1])
    cls_of = np.empty(m, dtype=np.int64)
    cls_of[order] = np.cumsum(new_class) - 1
    first = order[new_class]
    n_cls = len(first)
    cls_group = gkey[first]
    cls_place = prob.c_place[first]
    last_in_group = np.ones(n_cls, dtype=bool)
    last_in_group[:-1] = cls_group[1:] != cls_group[:-1]
    # y0's cumulative count per class (costliest first within a group)
    n0 = np.bincount(cls_of[y0], minlength=n_cls)
    grp_start = np.flatnonzero(np.r_[True, cls_group[1:] != cls_group[:-1]])
    cum = np.cumsum(n0)
    base = np.repeat(cum[grp_start] - n0[grp_start], np.diff(np.r_[grp_start, n_cls]))
    n_cum = cum - base
    s_cls = seats[cls_place]
    free_cls = ~charged[first]
    cap_cls = np.where(free_cls | (n_cum >= s_cls), K * s_cls, n_cum)
    # list capacity: cap-bound lists keep their covered seats
    length0 = np.bincount(prob.c_place[y0], minlength=n_pl)
    cap_bound = prob.capped & prob.binding_caps[prob.provider_of]
    cover_cap = np.where(cap_bound & (length0 < seats), length0, seats)
    rest_cap = np.where(cap_bound & (length0 < seats), 0, (K - 1) * seats)
    clients, c_idx = np.unique(prob.c_client, return_inverse=True)
    n_c = len(clients)
    src, snk = 0, 1
    off_c = 2
    if prob.max_lists > 1:
        pairs_key = prob.c_client * max(n_pl, 1) + prob.c_place
        pair_ids, p_idx = np.unique(pairs_key, return_inverse=True)
        off_pair = off_c + n_c
        off_cls = off_pair + len(pair_ids)
    else:
        off_cls = off_c + n_c
    off_pl = off_cls + n_cls
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def arcs(t: np.ndarray, h: np.ndarray, cap: np.ndarray, cost: np.ndarray) -> int:
        start = sum(len(x) for x in tails)
        tails.append(np.asarray(t, dtype=np.int32))
        heads.append(np.asarray(h, dtype=np.int32))
        caps.append(np.asarray(cap, dtype=np.int64))
        costs.append(np.asarray(cost, dtype=np.int64))
        return start

    arcs(np.full(n_c, src), off_c + np.arange(n_c), np.full(n_c, prob.max_lists), np.zeros(n_c))
    if prob.max_lists > 1:
        owner = prob.c_client[np.unique(p_idx, return_index=True)[1]]
        arcs(
            off_c + np.searchsorted(clients, owner),
            off_pair + np.arange(len(pair_ids)),
            np.ones(len(pair_ids)),
            np.zeros(len(pair_ids)),
        )
        tail_j = off_pair + p_idx
    else:
        tail_j = off_c + c_idx
    cand_arc = arcs(tail_j, off_cls + cls_of, np.ones(m), -prob.c_score)
    nxt = np.where(last_in_group, off_pl + cls_place, off_cls + np.arange(n_cls) + 1)
    arcs(off_cls + np.arange(n_cls), nxt, cap_cls, np.zeros(n_cls))
    pl = np.arange(n_pl)
    arcs(off_pl + pl, np.full(n_pl, snk), cover_cap, np.full(n_pl, -prob.cover_bonus))
    arcs(off_pl + pl, np.full(n_pl, snk), rest_cap, np.zeros(n_pl))
    total = n_c * prob.max_lists
    arcs(np.array([src]), np.array([snk]), np.array([total]), np.array([0]))
    net = min_cost_flow.SimpleMinCostFlow()
    net.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supplies = np.zeros(off_pl + n_pl, dtype=np.int64)
    supplies[src], supplies[snk] = total, -total
    net.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    if net.solve() != net.OPTIMAL:
        return y0.copy()
    flows = net.flows(np.arange(cand_arc, cand_arc + m, dtype=np.int32))
    return np.asarray(flows) > 0


def flow_plan(
    prob: ListProblem,
    group_of: np.ndarray,
    group_cap: np.ndarray,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """The best lists when each candidate's group (any partition of a list's candidates) may list
    at most `group_cap` of them, and only `allowed` candidates may be listed: a min-cost flow like
    `flow_lists`, with one capacity per group."""
    m = prob.m
    if not m:
        return np.zeros(0, dtype=bool)
    seats, K = prob.seats, prob.per_seat
    n_pl = len(seats)
    n_g = len(group_cap)
    g_place = np.zeros(n_g, dtype=np.int64)
    g_place[group_of] = prob.c_place
    clients, c_idx = np.unique(prob.c_client, return_inverse=True)
    n_c = len(clients)
    src, snk, off_c = 0, 1, 2
    if prob.max_lists > 1:
        pair_ids, p_idx = np.unique(
            prob.c_client * max(n_pl, 1) + prob.c_place, return_inverse=True
        )
        off_pair = off_c + n_c
        off_g = off_pair + len(pair_ids)
    else:
        off_g = off_c + n_c
    off_pl = off_g + n_g
    total = n_c * prob.max_lists
    tails = [np.full(n_c, src), np.array([src])]
    heads = [off_c + np.arange(n_c), np.array([snk])]
    caps = [np.full(n_c, prob.max_lists), np.array([total])]
    costs = [np.zeros(n_c), np.array([0])]
    if prob.max_lists > 1:
        owner = prob.c_client[np.unique(p_idx, return_index=True)[1]]
        tails.append(off_c + np.searchsorted(clients, owner))
        heads.append(off_pair + np.arange(len(pair_ids)))
        caps.append(np.ones(len(pair_ids)))
        costs.append(np.zeros(len(pair_ids)))
        tail_j = off_pair + p_idx
    else:
        tail_j = off_c + c_idx
    cand_arc = sum(len(t) for t in tails)
    tails += [tail_j, off_g + np.arange(n_g), off_pl + np.arange(n_pl), off_pl + np.arange(n_pl)]
    heads += [off_g + group_of, off_pl + g_place, np.full(n_pl, snk), np.full(n_pl, snk)]
    arc_cap = np.ones(m) if allowed is None else allowed.astype(np.int64)
    caps += [arc_cap, np.asarray(group_cap), seats, (K - 1) * seats]
    costs += [-prob.c_score, np.zeros(n_g), np.full(n_pl, -prob.cover_bonus), np.zeros(n_pl)]
    net = min_cost_flow.SimpleMinCostFlow()
    net.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    supplies = np.zeros(off_pl + n_pl, dtype=np.int64)
    supplies[src], supplies[snk] = total, -total
    net.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies)
    if net.solve() != net.OPTIMAL:
        return np.zeros(m, dtype=bool)
    return np.asarray(net.flows(np.arange(cand_arc, cand_arc + m, dtype=np.int32))) > 0


def repair_lists(prob: ListProblem, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Lists within every budget and cap. While a pool is over budget, take off the candidate that
    frees the most reservation per objective lost (one in a group of ≤ s frees its cost; beyond s
    a removal frees nothing), or when none frees anything the whole group that costs least per
    cent; while a cap is over, empty the weakest of the provider's capped lists."""
    y = y.copy()
    while True:
        used = reservations(prob, y, z)
        over = np.flatnonzero(used > prob.budget)
        if not len(over):
            break
        f = int(over[0])
        sel = np.flatnonzero(y & (prob.c_pool == f) & (prob.c_cents > 0))
        if not len(sel):
            break
        lengths = list_lengths(prob, y)
        best, best_ratio = None, -1.0
        groups = []
        for p in np.unique(prob.c_place[sel]).tolist():
            group = sel[prob.c_place[sel] == p]
            s = int(prob.seats[p])
            groups.append((p, group))
            if len(group) > s:
                continue
            for j in group.tolist():
                lost = float(prob.c_score[j]) + (prob.cover_bonus if lengths[p] <= s else 0)
                ratio = float(prob.c_cents[j]) / max(lost, 1.0)
                if ratio > best_ratio:
                    best, best_ratio = np.array([j]), ratio
        if best is None:
            cheapest = math.inf
            for p, group in groups:
                freed = float(np.sort(prob.c_cents[group])[::-1][: int(prob.seats[p])].sum())
                lost = float(prob.c_score[group].sum()) + prob.cover_bonus * min(
                    int(prob.seats[p]), int(lengths[p])
                )
                if lost / max(freed, 1.0) < cheapest:
                    best, cheapest = group, lost / max(freed, 1.0)
        y[best] = False
    for v in np.flatnonzero(prob.binding_caps).tolist():
        lists = np.flatnonzero(prob.capped & (prob.provider_of == v))
        while True:
            lengths = list_lengths(prob, y)
            if int(np.minimum(prob.seats, lengths)[lists].sum()) <= prob.cap_left[v]:
                break
            open_lists = lists[lengths[lists] > 0]
            worst = open_lists[
                np.argmin([prob.c_score[y & (prob.c_place == p)].sum() for p in open_lists])
            ]
            y[y & (prob.c_place == worst)] = False
    return y


def improve(
    prob: ListProblem, z: np.ndarray, y: np.ndarray, order: np.ndarray, rounds: int = 3
) -> np.ndarray:
    """Alternate the flow (best lists within y's reservations) and a greedy refill of the budget
    the flow freed, while the objective grows."""
    value = objective_value(prob, y)
    for _ in range(rounds):
        flowed = flow_lists(prob, y)
        refilled = greedy_lists(prob, order, z, True, state=_ListState.of(prob, z, flowed))
        new = objective_value(prob, refilled)
        if new <= value:
            break
        y, value = refilled, new
    return y


def lagrangian_phase(
    prob: ListProblem,
    z: np.ndarray,
    y: np.ndarray,
    seconds: float,
    order: np.ndarray,
    report: ProgressFn,
    start: float,
    bound: float | None,
) -> tuple[np.ndarray, float]:
    """The Lagrangian bound (matcher.shortlists.bound), turning its funding plans into lists on
    the way: flow within the plan, repair, refill, improve. Returns the best lists and the bound."""
    best_value, best_lists = objective_value(prob, y), y

    def on_plan(group_of: np.ndarray, group_cap: np.ndarray, allowed: np.ndarray) -> float:
        nonlocal best_value, best_lists
        planned = repair_lists(prob, flow_plan(prob, group_of, group_cap, allowed), z)
        filled = greedy_lists(prob, order, z, True, state=_ListState.of(prob, z, planned))
        lists = improve(prob, z, filled, order)
        value = objective_value(prob, lists)
        if value > best_value:
            best_value, best_lists = value, lists
            report(Progress(time.perf_counter() - start, value, bound, "lagrange"))
        return float(best_value)

    lag = lagrangian_bound(prob, float(best_value), seconds, on_plan=on_plan, z=z)
    return best_lists, lag
