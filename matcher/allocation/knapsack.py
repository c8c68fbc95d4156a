"""Lagrangian relaxation of the client rows where each pool is one 0-1 knapsack (GAP-like tables).

When every triple's only rows besides its client row are ONE budget row (its pool) — seats
rows implied (each placement has at least as many seats as triples), no provider caps, no
locks — relaxing the client rows Σ_pools x ≤ 1 with prices π ≥ 0 leaves one 0-1 knapsack per
budget row:  L(π) = Σ_j π_j + Σ_pools max{ Σ (score − π_client)·x : Σ cents·x ≤ budget },
an upper bound on the allocation for every π ≥ 0. Each knapsack is solved exactly by a dynamic
programme over the budget in units of the gcd of the costs (numpy, all pools at once), so the
bound is the Lagrangian dual z_LD — at least as tight as the LP and, for GAP type D/E, much
tighter. π is optimised by a projected subgradient (Polyak step toward the best allocation,
θ halved after stalls) from the LP's client duals. Every step's knapsack solutions also give an
allocation: clients taken by several pools keep the best, the rest are inserted by regret.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.allocation.flow import FlowNet
from matcher.allocation.primal import violated_rows

DP_CELLS = 150_000_000  # at most this many DP cells (pools × budget units × items) per evaluation
STALL_STEPS = 8  # θ halves after this many steps without a better bound
THETA_START = 0.5  # Polyak step factor at the start (from the LP duals, already close)
THETA_MIN = 1e-4  # … and the subgradient stops below this
COMPLETE_PASSES = 4  # greedy passes after the critical item for each sack's lower bound
PATIENCE = 40  # … or after this many steps that improved neither floor(bound) nor the allocation
QUIET_SHARE = 0.3  # … or after this share of its time without such a gain (d801600: 1 s a step,
# the LP duals already optimal for the knapsacks, nothing to gain)


@dataclass(frozen=True)
class KnapsackForm:
    """The table as knapsacks: per triple its client (0..clients−1), its pool sack (−1: no budget
    row, a free item) and weight in units of `unit` cents; per sack its capacity in units."""

    client: np.ndarray
    sack: np.ndarray
    weight: np.ndarray
    capacity: np.ndarray
    unit: int
    clients: int
    client_row: np.ndarray  # per client: its row in net.rows (to read the LP's duals)

    @property
    def cells(self) -> int:
        """DP cells of one evaluation at worst (every item of every sack positive)."""
        if not len(self.capacity):
            return 0
        items = int(np.bincount(self.sack[self.sack >= 0], minlength=len(self.capacity)).max())
        return len(self.capacity) * (int(self.capacity.max()) + 1) * items


def knapsack_form(net: FlowNet, max_cells: int = DP_CELLS) -> tuple[KnapsackForm | None, str]:
    """The knapsack form of `net` and what was detected, or None and why not: every triple in one
    client row (bound 1) and at most one budget row, seats rows implied (seats ≥ the triples of
    the placement), no cap or lock row, and the DP within `max_cells`."""
    rows = net.rows
    n = net.n
    if not n:
        return None, "empty table"
    if (net.cap_row >= 0).any() or (net.lock_row >= 0).any():
        return None, "provider caps or locks"
    if (rows.hi[net.client_row] != 1).any():
        return None, "a client row that is not 'at most once'"
    per_seat = np.bincount(net.seats_row, minlength=len(rows.hi))
    used = np.flatnonzero(per_seat)
    if (rows.hi[used] < per_seat[used]).any():
        return None, "seats rows that bind (fewer seats than triples)"
    known = np.isin(rows.family, ("client", "seats", "budget"))
    if rows.matrix[np.flatnonzero(~known)].nnz:
        return None, "rows other than client, seats and budget"
    charged = net.budget_row >= 0
    cents = rows.cost_cents.astype(np.int64)
    if charged.any() and (cents[charged] <= 0).any():
        return None, "a budget row with a non-positive coefficient"
    sack_rows, sack = np.unique(net.budget_row[charged], return_inverse=True)
    unit = int(np.gcd.reduce(cents[charged])) if charged.any() else 1
    weight = np.zeros(n, dtype=np.int64)
    weight[charged] = cents[charged] // unit
    sack_of = np.full(n, -1, dtype=np.int64)
    sack_of[charged] = sack
    capacity = np.maximum(rows.hi[sack_rows], 0) // unit
    client_rows, client = np.unique(net.client_row, return_inverse=True)
    form = KnapsackForm(client, sack_of, weight, capacity, unit, len(client_rows), client_rows)
    if form.cells > max_cells:
        return None, f"knapsack DP too large ({form.cells:,} cells > {max_cells:,})"
    return form, (
        f"knapsack form: {len(capacity)} budget rows as 0-1 knapsacks (unit {unit} cents, "
        f"capacity ≤ {int(capacity.max()) if len(capacity) else 0} units), seats rows implied"
    )


def reduce_items(
    form: KnapsackForm, profit: np.ndarray, items: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fix items of the sacks before the DP, exactly: with each sack's LP (Dantzig) bound U,
    critical ratio r and greedy value G, an item with U + (p − r·w) < G is in no optimal filling
    (dropped) and one with U − (p − r·w) < G is in every optimal filling (taken). Returns the
    items left, the items taken and their profit."""
    k = len(form.capacity)
    w = form.weight[items]
    p = profit[items]
    sack = form.sack[items]
    order = np.lexsort((-p / w, sack))
    items, w, p, sack = items[order], w[order], p[order], sack[order]
    counts = np.bincount(sack, minlength=k)
    ends = np.cumsum(counts)
    begins = ends - counts
    cw = np.cumsum(w)
    cp = np.cumsum(p)
    base_w = np.concatenate(([0], cw))[begins]  # cumulative sums before each sack
    base_p = np.concatenate(([0.0], cp))[begins]
    in_w = cw - base_w[sack]  # weight of the sack's items up to and including this one
    over = in_w > form.capacity[sack]
    # critical item per sack: the first that does not fit (none: every item fits)
    first_over = np.full(k, -1, dtype=np.int64)
    hit = np.flatnonzero(over)
    if len(hit):
        sk = sack[hit]
        keep = np.ones(len(hit), dtype=bool)
        keep[1:] = sk[1:] != sk[:-1]
        first_over[sk[keep]] = hit[keep]
    has = first_over >= 0
    crit = np.where(has, first_over, 0)
    before_w = np.where(has, np.concatenate(([0], cw))[crit] - base_w, 0)
    before_p = np.where(has, np.concatenate(([0.0], cp))[crit] - base_p, 0.0)
    ratio = np.where(has, p[crit] / w[crit], 0.0)
    total_p = np.concatenate(([0.0], cp))[ends] - base_p
    greedy = np.where(has, before_p, total_p) + _complete(
        sack, w, p, over, form.capacity - before_w
    )
    upper = np.where(has, before_p + (form.capacity - before_w) * ratio, total_p)
    reduced = p - ratio[sack] * w
    margin = 1e-9 * np.maximum(1.0, np.abs(upper[sack]))
    drop = upper[sack] + reduced < greedy[sack] - margin
    fix = (upper[sack] - reduced < greedy[sack] - margin) & ~over
    fix |= ~has[sack]  # everything fits
    free = ~drop & ~fix
    return items[free], items[fix], float(p[fix].sum())


def _complete(
    sack: np.ndarray, w: np.ndarray, p: np.ndarray, after: np.ndarray, room: np.ndarray
) -> np.ndarray:
    """Profit per sack of items from `after` (in ratio order) added greedily into the `room`
    left by the greedy prefix, a few vectorised passes (each takes the longest prefix of the
    items that still fit): with the prefix, a feasible filling and so a lower bound."""
    k = len(room)
    gain = np.zeros(k)
    room = room.copy()
    open_ = after.copy()
    for _ in range(COMPLETE_PASSES):
        cand = np.flatnonzero(open_ & (w <= room[sack]))
        if not len(cand):
            break
        sk = sack[cand]
        cum = np.cumsum(w[cand])
        counts = np.bincount(sk, minlength=k)
        base = np.concatenate(([0], cum))[np.cumsum(counts) - counts]
        ok = cum - base[sk] <= room[sk]
        took = cand[ok]
        open_[cand] = False
        room -= np.bincount(sack[took], weights=w[took], minlength=k).astype(np.int64)
        gain += np.bincount(sack[took], weights=p[took], minlength=k)
    return gain


def solve_knapsacks(form: KnapsackForm, profit: np.ndarray) -> tuple[float, np.ndarray]:
    """Σ over sacks of the best 0-1 knapsack at `profit` per triple (free items taken when
    positive), exactly, and the chosen triples: items fixed by `reduce_items`, then one DP over
    the budget units left for all sacks at once, items of each sack in a padded column (weight
    0, profit 0 for padding)."""
    n = len(profit)
    chosen = np.zeros(n, dtype=bool)
    free = (form.sack < 0) & (profit > 0)
    chosen[free] = True
    total = float(profit[free].sum())
    items = np.flatnonzero((form.sack >= 0) & (profit > 0))
    k = len(form.capacity)
    if not len(items) or not k:
        return total, chosen
    items, fixed, fixed_profit = reduce_items(form, profit, items)
    chosen[fixed] = True
    total += fixed_profit
    capacity = form.capacity - np.bincount(
        form.sack[fixed], weights=form.weight[fixed], minlength=k
    ).astype(np.int64)
    if not len(items):
        return total, chosen
    order = items[np.argsort(form.sack[items], kind="stable")]
    sack = form.sack[order]
    counts = np.bincount(sack, minlength=k)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    slot = np.arange(len(order)) - starts[sack]
    width = int(counts.max())
    top = int(capacity.max())
    w = np.zeros((width, k), dtype=np.int64)
    p = np.zeros((width, k), dtype=np.float64)
    idx = np.full((width, k), -1, dtype=np.int64)
    w[slot, sack] = form.weight[order]
    p[slot, sack] = profit[order]
    idx[slot, sack] = order
    cap = np.arange(top + 1)
    dp = np.zeros((k, top + 1), dtype=np.float64)
    take = np.zeros((width, k, top + 1), dtype=bool)
    rows_k = np.arange(k)[:, None]
    for i in range(width):
        src = cap[None, :] - w[i][:, None]
        cand = dp[rows_k, np.maximum(src, 0)] + p[i][:, None]
        better = (src >= 0) & (cand > dp)
        take[i] = better
        dp = np.where(better, cand, dp)
    left = capacity.copy()
    sacks = np.arange(k)
    for i in range(width - 1, -1, -1):
        t = take[i, sacks, left]
        chosen[idx[i, t]] = True
        left = left - np.where(t, w[i], 0)
    return total + float(dp[sacks, capacity].sum()), chosen


def repair(form: KnapsackForm, score: np.ndarray, x: np.ndarray, priced: np.ndarray) -> np.ndarray:
    """A feasible allocation from knapsack solutions `x`: a client taken by several sacks keeps
    the triple of best priced score, then unassigned clients go in by regret (best minus second
    best score among the triples that still fit), while any positive-score triple fits."""
    n = len(score)
    chosen = np.zeros(n, dtype=bool)
    picked = np.flatnonzero(x)
    if len(picked):
        best = picked[np.lexsort((-priced[picked], form.client[picked]))]
        first = np.ones(len(best), dtype=bool)
        first[1:] = form.client[best][1:] != form.client[best][:-1]
        chosen[best[first]] = True
    k = len(form.capacity)
    charged = chosen & (form.sack >= 0)
    left = form.capacity - np.bincount(
        form.sack[charged], weights=form.weight[charged], minlength=k
    ).astype(np.int64)
    done = np.zeros(form.clients, dtype=bool)
    done[form.client[chosen]] = True
    open_ = np.flatnonzero(~done[form.client] & (score > 0))
    if not len(open_):
        return chosen
    # regret per open client over its triples that fit now: best − second best score
    fits = (form.sack[open_] < 0) | (form.weight[open_] <= left[np.maximum(form.sack[open_], 0)])
    open_ = open_[fits]
    cl = form.client[open_]
    order = np.lexsort((-score[open_], cl))
    cand, cl = open_[order], cl[order]
    head = np.ones(len(cand), dtype=bool)
    head[1:] = cl[1:] != cl[:-1]
    firsts = np.flatnonzero(head)
    ends = np.append(firsts[1:], len(cand))
    second = np.where(
        ends - firsts > 1, score[cand[np.minimum(firsts + 1, len(cand) - 1)]], -np.inf
    )
    regret = score[cand[firsts]] - second
    sacks, weights = form.sack.tolist(), form.weight.tolist()
    room = left.tolist()
    for r in np.argsort(-regret, kind="stable").tolist():
        for t in cand[firsts[r] : ends[r]].tolist():  # by score, best first
            s = sacks[t]
            if s < 0 or weights[t] <= room[s]:
                chosen[t] = True
                if s >= 0:
                    room[s] -= weights[t]
                break
    return chosen


@dataclass
class LagrangeResult:
    """The best bound met (valid: Σπ + Σ exact knapsacks at some π ≥ 0), the best allocation
    built from the knapsack solutions, and the subgradient's steps and seconds."""

    bound: float
    chosen: np.ndarray
    value: float
    steps: int
    seconds: float


def lagrange_bound(
    form: KnapsackForm,
    score: np.ndarray,
    prices: np.ndarray | None = None,
    *,
    time_limit: float,
    best: np.ndarray | None = None,
    max_steps: int = 100_000,
) -> LagrangeResult:
    """Minimise L(π) over π ≥ 0 by projected subgradient from `prices` (per client, e.g. the LP's
    client duals; default 0) within `time_limit` s: step θ·(L − best value)/‖g‖² along
    g = (1 − times each client is taken), θ halved after STALL_STEPS steps without a better bound.
    `best` (a feasible allocation) sets the Polyak target until the heuristic beats it."""
    t0 = time.perf_counter()
    score = np.asarray(score, dtype=np.float64)
    pi = np.zeros(form.clients) if prices is None else np.maximum(np.asarray(prices, float), 0.0)
    if best is None:
        best = np.zeros(len(score), dtype=bool)
    value = float(score[best].sum())
    top = math.inf
    theta, stall, steps, quiet = THETA_START, 0, 0, 0
    last_floor, last_value, gained = math.inf, value, t0
    while steps < max_steps and time.perf_counter() - t0 < time_limit:
        priced = score - pi[form.client]
        inner, x = solve_knapsacks(form, priced)
        bound = float(pi.sum()) + inner
        bound += 1e-9 * max(1.0, abs(bound))  # float sums: keep the bound on the safe side
        steps += 1
        if bound < top - 1e-9:
            top, stall = bound, 0
        else:
            stall += 1
            if stall >= STALL_STEPS:
                theta, stall = theta / 2, 0
        cand = repair(form, score, x, priced)
        v = float(score[cand].sum())
        if v > value:
            best, value = cand, v
        if math.floor(top + 1e-6) < last_floor or value > last_value:
            last_floor, last_value, quiet = math.floor(top + 1e-6), value, 0
            gained = time.perf_counter()
        else:
            quiet += 1
        idle = time.perf_counter() - gained > QUIET_SHARE * time_limit
        if value >= math.floor(top + 1e-6) or theta < THETA_MIN or quiet >= PATIENCE or idle:
            break
        g = 1.0 - np.bincount(form.client[x], minlength=form.clients)
        g[(pi <= 0) & (g > 0)] = 0.0  # the projection would undo these
        norm = float(g @ g)
        if norm == 0:  # x is feasible and complementary: L = its value, optimal
            break
        step = theta * max(bound - value, 1e-6 * max(1.0, abs(bound))) / norm
        pi = np.maximum(pi - step * g, 0.0)
    return LagrangeResult(
        bound=top, chosen=best, value=value, steps=steps, seconds=time.perf_counter() - t0
    )


def knapsack_phase(
    net: FlowNet,
    form: KnapsackForm,
    score: np.ndarray,
    duals: np.ndarray,
    chosen: np.ndarray,
    time_limit: float,
    stats: dict[str, Any],
) -> tuple[float | None, np.ndarray | None]:
    """For `solve`: on `net` in knapsack form `form`, the Lagrangian bound from the LP's duals
    (per row of net.rows) and its best allocation (None if infeasible), `chosen` (feasible) the
    one to beat; the figures go into `stats`."""
    res = lagrange_bound(form, score, duals[form.client_row], time_limit=time_limit, best=chosen)
    stats.update(
        knapsack_seconds=round(res.seconds, 3),
        knapsack_steps=res.steps,
        knapsack_bound=res.bound,
        knapsack_value=res.value,
    )
    if len(violated_rows(net, res.chosen)):  # repair keeps every row: never, but check
        return res.bound, None
    return res.bound, res.chosen
