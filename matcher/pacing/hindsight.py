"""The hindsight optimum of a year: a time-indexed model of the whole year known in advance.

A column is (pair, start week s): the client is placed in the placement in week s, paid by the
pair's pool, and holds the seat in weeks s .. s+held−1 (held = the completed share of the
placement's duration, early ends known). Rows: each client at most once over the year; each
placement's seats in each week it is open (Σ holders ≤ seats, week by week — exact, no blocks);
each pool's appropriation over the year. A pair may start in a week where the client has
arrived and not left and the placement is open. Its value is the simulator's (the score with the
priority frozen at arrival), so the same for every start week.

The pair table is built with each client as in the last week they could wait (benefit days only
grow, so it holds every pair a policy can take; the 0.6 % of pairs that become eligible only
while waiting are allowed from arrival — a relaxation). Provider caps are left out of the LP
(another relaxation) and kept by the integer plan's replay.

Solved by column generation: the restricted LP (HiGHS) over columns found so far, priced over
every (pair, start week) with numpy (a start's seat cost is a prefix-sum difference of the
week-seat duals). Any duals give the Lagrangian bound Σ b·y + Σ_clients max(0, best reduced
value), so `bound` is a valid upper bound on every policy even when stopped early; at the LP
optimum it equals the LP value. The integer hindsight is the LP rounded (columns by LP value,
then value per seat-week) and filled greedily, replayed through the simulator
(`matcher.pacing.simulate`) so it is counted exactly like every policy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from instances.arrivals import Year, grown_clients
from matcher.pacing.state import week_instance
from matcher.pairs.candidates import build_pairs
from matcher.pairs.score import priority
from matcher.pairs.table import PairTable

CHUNK = 40_000  # pairs priced at once (× weeks floats)


@dataclass(frozen=True)
class YearPairs:
    """Every pair of the year with its value, seat-holding weeks and start window."""

    pairs: PairTable
    value: np.ndarray  # year value per pair
    held: np.ndarray  # weeks the seat is held from the start (≥ 1)
    first: np.ndarray  # earliest start week
    last: np.ndarray  # latest start week
    end: np.ndarray  # per placement: first week it is closed (≤ weeks)
    seats: np.ndarray  # per placement and week: the seats free for the plan
    weeks: int
    n_clients: int
    budgets: np.ndarray  # per pool: the money for the plan


@dataclass(frozen=True)
class HindsightLP:
    """The time-indexed LP: bound (valid), LP value of the columns found, the columns and x."""

    bound: float
    value: float
    row: np.ndarray  # pair row per column
    start: np.ndarray  # start week per column
    x: np.ndarray
    rounds: int
    seconds: float


@dataclass(frozen=True)
class Plan:
    """An integer hindsight allocation: per client the pair row and start week (−1 = none)."""

    row: np.ndarray
    start: np.ndarray
    value: float
    how: str = "lp"  # "lp": the LP rounded; "mip": the MIP over the LP's columns, then filled


def year_pairs(
    year: Year, now: int = 0, seats: np.ndarray | None = None, budgets: np.ndarray | None = None
) -> YearPairs:
    """The year's pairs (module doc) with value, held weeks and start windows; from week `now`
    on with `seats` free per placement and week and `budgets` left (re-planning, default: the
    whole year, every seat, the appropriation)."""
    base = year.base
    stay_last = np.minimum(year.leave, year.weeks) - 1
    n_p = len(base.placements)
    full = base.placements["seats"].to_numpy(dtype=np.int64)
    seats = np.repeat(full[:, None], year.weeks, axis=1) if seats is None else seats
    budgets = year.appropriation if budgets is None else budgets
    keep = np.flatnonzero(stay_last >= max(now, 0))
    inst = week_instance(year, 0, base.clients.iloc[keep], year.arrival[keep], full, budgets)
    inst.clients = grown_clients(base.clients.iloc[keep], year.arrival[keep], stay_last[keep])
    pairs = build_pairs(inst)
    pairs.client = keep[pairs.client]
    end = np.minimum(year.closes, year.weeks).astype(np.int64)
    c, p = pairs.client, pairs.placement
    first = np.maximum(np.maximum(year.arrival[c], year.opens[p]), now)
    last = np.minimum(stay_last[c], end[p] - 1)
    meet = np.flatnonzero(first <= last)
    pairs = pairs.take(meet)
    c, p = pairs.client, pairs.placement
    duration = base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    held = np.maximum(np.ceil(year.completes[c] * duration[p]), 1).astype(np.int64)
    value = (pairs.score - pairs.components["priority"] + priority(base)[c]).astype(np.float64)
    assert seats.shape == (n_p, year.weeks)
    return YearPairs(
        pairs, value, held, first[meet], last[meet], end, seats, year.weeks, len(base.clients),
        np.asarray(budgets, dtype=np.float64),
    )  # fmt: skip


def _held_span(yp: YearPairs, rows: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Weeks a column holds its seat inside the placement's open weeks: s .. stop−1."""
    return np.minimum(start + yp.held[rows], yp.end[yp.pairs.placement[rows]])


def price(yp: YearPairs, y_seat: np.ndarray, y_pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: the best start week at these duals and its value less seat and budget prices."""
    w = yp.weeks
    prefix = np.zeros((len(yp.seats), w + 1))
    prefix[:, 1:] = np.cumsum(y_seat.reshape(len(yp.seats), w), axis=1)
    n = len(yp.pairs)
    best_start = np.zeros(n, dtype=np.int64)
    best = np.zeros(n)
    pool = yp.pairs.pool
    budget_cost = np.where(pool >= 0, y_pool[np.maximum(pool, 0)] * yp.pairs.cost, 0.0)
    weeks = np.arange(w)
    for lo in range(0, n, CHUNK):
        sl = slice(lo, min(lo + CHUNK, n))
        p = yp.pairs.placement[sl]
        s = np.broadcast_to(weeks, (len(p), w))
        stop = np.minimum(s + yp.held[sl, None], yp.end[p, None])
        rows = p[:, None]
        seat_cost = prefix[rows, np.maximum(stop, s)] - prefix[rows, s]
        ok = (s >= yp.first[sl, None]) & (s <= yp.last[sl, None])
        seat_cost = np.where(ok, seat_cost, np.inf)
        k = np.argmin(seat_cost, axis=1)
        best_start[sl] = k
        best[sl] = yp.value[sl] - budget_cost[sl] - seat_cost[np.arange(len(p)), k]
    return best_start, best


def _matrix(
    yp: YearPairs, rows: np.ndarray, start: np.ndarray, budgets: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """The rows of these columns: each client once, each used week-seat, each pool's money
    (matrix, right-hand sides, and the week-seat row index of each seat row)."""
    w = yp.weeks
    n = len(rows)
    p = yp.pairs.placement[rows]
    stop = _held_span(yp, rows, start)
    length = np.maximum(stop - start, 1)
    col = np.repeat(np.arange(n), length)
    offset = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    seat_row = np.repeat(p * w + start, length) + offset
    used_rows, seat_idx = np.unique(seat_row, return_inverse=True)
    n_c = yp.n_clients
    paid = yp.pairs.pool[rows] >= 0
    a_client = sp.csr_matrix((np.ones(n), (yp.pairs.client[rows], np.arange(n))), shape=(n_c, n))
    a_seat = sp.csr_matrix((np.ones(len(col)), (seat_idx, col)), shape=(len(used_rows), n))
    a_pool = sp.csr_matrix(
        (yp.pairs.cost[rows][paid], (yp.pairs.pool[rows][paid], np.arange(n)[paid])),
        shape=(len(budgets), n),
    )
    a = sp.vstack([a_client, a_seat, a_pool]).tocsr()
    b = np.concatenate(
        [np.ones(n_c), yp.seats.ravel()[used_rows].astype(float), np.maximum(budgets, 0)]
    )
    return a, b, used_rows


def _master(
    yp: YearPairs, rows: np.ndarray, start: np.ndarray, budgets: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The restricted LP over these columns: value, x, client, week-seat and pool duals."""
    a, b, used_rows = _matrix(yp, rows, start, budgets)
    n_c = yp.n_clients
    res = linprog(-yp.value[rows], A_ub=a, b_ub=b, bounds=(0, 1), method="highs")
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"hindsight LP failed: {res.message}")
    duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
    y_seat = np.zeros(len(yp.seats) * yp.weeks)
    y_seat[used_rows] = duals[n_c : n_c + len(used_rows)]
    return float(-res.fun), res.x, duals[:n_c], y_seat, duals[n_c + len(used_rows) :]


def lagrangian_bound(
    yp: YearPairs, budgets: np.ndarray, y_seat: np.ndarray, y_pool: np.ndarray, best: np.ndarray
) -> float:
    """Σ seats·y + Σ budget·y + Σ_clients max(0, best reduced value): valid for any y ≥ 0."""
    w = yp.weeks
    open_week = np.arange(w)[None, :] < yp.end[:, None]
    seat_term = float((y_seat.reshape(-1, w) * open_week * yp.seats).sum())
    per_client = np.zeros(yp.n_clients)
    np.maximum.at(per_client, yp.pairs.client, np.maximum(best, 0.0))
    return seat_term + float(np.maximum(budgets, 0) @ y_pool) + float(per_client.sum())


def solve_lp(
    year: Year,
    yp: YearPairs | None = None,
    rounds: int = 30,
    gap: float = 0.002,
    time_limit: float = 900.0,
    log=None,
) -> HindsightLP:
    """Column generation until the bound is within `gap` of the LP, `rounds` or `time_limit`."""
    t0 = time.perf_counter()
    yp = yp or year_pairs(year)
    budgets = yp.budgets
    n = len(yp.pairs)
    # start: each client's 3 best pairs by value, at the earliest start
    order = np.lexsort((-yp.value, yp.pairs.client))
    rank = np.arange(n) - np.searchsorted(yp.pairs.client[order], yp.pairs.client[order])
    rows = np.sort(order[rank < 3])
    start = yp.first[rows].copy()
    seen = set(zip(rows.tolist(), start.tolist(), strict=True))
    bound, value, x = np.inf, 0.0, np.zeros(0)
    k = 0
    for k in range(1, rounds + 1):
        value, x, _, y_seat, y_pool = _master(yp, rows, start, budgets)
        best_start, best = price(yp, y_seat, y_pool)
        bound = min(bound, lagrangian_bound(yp, budgets, y_seat, y_pool, best))
        if log is not None:
            log(f"hindsight LP round {k}: {len(rows)} columns, LP {value:.0f}, bound {bound:.0f}")
        if bound - value <= gap * max(abs(value), 1.0) or time.perf_counter() - t0 > time_limit:
            break
        new = _entering(yp, best, best_start, x, rows, seen)
        if not len(new):
            break
        rows = np.concatenate([rows, new])
        start = np.concatenate([start, best_start[new]])
    return HindsightLP(bound, value, rows, start, x, k, time.perf_counter() - t0)


def _entering(
    yp: YearPairs,
    best: np.ndarray,
    best_start: np.ndarray,
    x: np.ndarray,
    rows: np.ndarray,
    seen: set[tuple[int, int]],
) -> np.ndarray:
    """Pairs to add at their best start: per client its best 3 columns of positive reduced value
    (the client's dual is taken as its best column's, so only columns near it enter)."""
    cand = np.flatnonzero(best > 1e-6)
    if not len(cand):
        return cand
    c = yp.pairs.client[cand]
    order = cand[np.lexsort((-best[cand], c))]
    c = yp.pairs.client[order]
    rank = np.arange(len(order)) - np.searchsorted(c, c)
    pick = order[rank < 3]
    keep = [r for r in pick.tolist() if (r, int(best_start[r])) not in seen]
    for r in keep:
        seen.add((r, int(best_start[r])))
    return np.array(keep, dtype=np.int64)


def mip_columns(year: Year, yp: YearPairs, lp: HindsightLP, time_limit: float) -> np.ndarray | None:
    """The restricted master as a MIP (HiGHS) over the LP's columns: 0/1 per column, the best
    integer found in `time_limit` s (None when none was)."""
    if not len(lp.row) or time_limit <= 0:
        return None
    a, b, _ = _matrix(yp, lp.row, lp.start, yp.budgets)
    res = milp(
        -yp.value[lp.row],
        constraints=LinearConstraint(a, -np.inf, b),
        integrality=np.ones(len(lp.row)),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-4, "disp": False},
    )
    return None if res.x is None else np.round(res.x)


def best_plan(year: Year, yp: YearPairs, lp: HindsightLP, mip_limit: float = 0.0) -> Plan:
    """The better integer plan of the LP rounded and (`mip_limit` > 0) the MIP over the LP's
    columns, each filled greedily: a higher integer hindsight is a more honest bar."""
    plan = round_plan(year, yp, lp)
    x = mip_columns(year, yp, lp, mip_limit)
    if x is not None:
        mip = round_plan(year, yp, lp, x=x)
        if mip.value > plan.value:
            return Plan(mip.row, mip.start, mip.value, "mip")
    return plan


def round_plan(year: Year, yp: YearPairs, lp: HindsightLP, x: np.ndarray | None = None) -> Plan:
    """An integer allocation: LP columns by x (`x`, default the LP's) then value per seat-week,
    then every other pair at its earliest start with a free seat, each kept while seats and the
    appropriation hold."""
    x = lp.x if x is None else x
    w = yp.weeks
    taken = np.zeros(yp.n_clients, dtype=bool)
    holders = np.zeros((len(yp.seats), w), dtype=np.int64)
    left = yp.budgets.copy()
    plan_row = np.full(yp.n_clients, -1, dtype=np.int64)
    plan_start = np.full(yp.n_clients, -1, dtype=np.int64)
    pairs = yp.pairs
    per_week = yp.value / np.maximum(yp.held, 1)

    def try_take(r: int, s: int) -> bool:
        c, p, pool = int(pairs.client[r]), int(pairs.placement[r]), int(pairs.pool[r])
        if taken[c] or (pool >= 0 and pairs.cost[r] > left[pool] + 1e-6):
            return False
        stop = min(s + int(yp.held[r]), int(yp.end[p]))
        if np.any(holders[p, s:stop] >= yp.seats[p, s:stop]):
            return False
        taken[c] = True
        holders[p, s:stop] += 1
        if pool >= 0:
            left[pool] -= pairs.cost[r]
        plan_row[c], plan_start[c] = r, s
        return True

    lp_order = np.lexsort((-per_week[lp.row], -x))
    for j in lp_order[x[lp_order] > 1e-6].tolist():
        try_take(int(lp.row[j]), int(lp.start[j]))
    for r in np.lexsort((-yp.value, -per_week)).tolist():
        c, p = int(pairs.client[r]), int(pairs.placement[r])
        pool = int(pairs.pool[r])
        if taken[c] or (pool >= 0 and pairs.cost[r] > left[pool] + 1e-6):
            continue
        lo, hi = int(yp.first[r]), int(yp.last[r])
        full = holders[p, lo : hi + 1] >= yp.seats[p, lo : hi + 1]
        for s in (lo + np.flatnonzero(~full)).tolist():
            if try_take(r, s) or taken[c]:
                break
    value = float(yp.value[plan_row[plan_row >= 0]].sum())
    return Plan(plan_row, plan_start, value)


def expected_year(year: Year, full_length: bool = False) -> Year:
    """The year as a planner without per-client foresight sees it (diagnosis: the fair bar):
    the real arrivals, wishes and openings, but every client's leaving = arrival + last year's
    mean stay and completed share = last year's mean (`full_length`: 1, the whole duration).
    The generator draws both per client independently of anything known at placement, so a
    mean is all one can know."""
    hist = year.history
    left = hist.leave < year.weeks
    exposure = float(np.maximum(hist.leave - hist.arrival, 0).sum())
    rate = float(left.sum()) / exposure if exposure > 0 else 0.0
    stay = int(round(1 / rate)) if rate > 0 else year.weeks
    share = 1.0 if full_length or not len(hist.completes) else float(hist.completes.mean())
    return replace(
        year,
        completes=np.full(len(year.completes), share),
        leave=np.minimum(year.arrival + stay, year.weeks).astype(year.leave.dtype),
    )
