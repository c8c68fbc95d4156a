"""A Lagrangian bound for large shortlist problems: the client rows (Σ y ≤ L) are priced, and what
is left — funding levels, budgets, caps, list lengths and covers, coupled only through the pools —
is solved exactly by HiGHS.

With the clients priced, a list only ever wants its best candidates by reduced score: at most K·s
of each cost class of each (list, pool) group, and of its unpaid candidates. So the subproblem is
the level model (matcher.shortlists.mip) over a few candidates per list slot — some ten thousand
columns instead of a million — and HiGHS solves it to optimality in a second or two. For any
prices π ≥ 0 its optimum plus L·Σπ bounds the best lists from above; unlike the LP of the level
model it funds whole seats and whole lists, which is where that LP is loose. The prices start at
the LP duals of the level model over each client's best candidates and move by subgradient steps.

Each subproblem's funding plan is also a set of reservations that fit every budget: the flow of
matcher.shortlists.search turns it into the best lists within those reservations.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from matcher.allocation.mip import highs_lp
from matcher.progress import Progress, ProgressFn
from matcher.shortlists.mip import build_level_model, prune, run_level_model
from matcher.shortlists.problem import ListProblem, is_feasible, objective_value
from matcher.shortlists.search import flow_lists, greedy_lists, list_state, repair_lists

# Subgradient steps without a better bound before the step size halves, and the smallest step.
STALL = 3
MIN_THETA = 1e-3
# HiGHS on the subproblem: its optimum is the bound, so a small relative gap is enough. On a
# 10 000-client region under load its bound levels off within 8 s, its lists take ~12 s to become
# good (benchmarks/RESULTS.md, "Shortlists at 10 000 clients"): the first subproblem gets twice
# SUB_SECONDS, the others SUB_SECONDS, and a plan becomes lists only when the subproblem's lists
# are within PLAN_GAP of its bound.
SUB_GAP = 1e-4
SUB_SECONDS = 10.0
PLAN_GAP = 0.01
# The LP that gives the first prices: over each client's LP_PER_CLIENT best candidates and the
# start lists, in at most LP_SHARE of the time. On a 10 000-client region (loaded machine) 4, 6
# and 12 per client took 12, 16 and 24+ s for bounds of 8.22, 8.12 and 8.07 M after pricing
# (benchmarks/RESULTS.md, "Shortlists"); the start lists matter most (12 without them: 8.85 M).
LP_PER_CLIENT = 6
LP_SHARE = 0.5


@dataclass
class PriceBound:
    """The best bound found, its prices (per client row of the pair table), how many subproblems
    were solved and the bound of each, and the LP value the prices started from."""

    bound: float
    pi: np.ndarray
    steps: int
    values: list[float]  # L(π) of each step
    lp_value: float | None
    seconds: float


def class_key(prob: ListProblem) -> np.ndarray:
    """Per candidate: its cost class (placement, pool, cents) when it is charged to a binding
    pool, else its list's unpaid group (placement) — candidates alike for every rule but clients."""
    charged = (
        (prob.c_pool >= 0) & (prob.c_cents > 0) & prob.binding_pools[np.maximum(prob.c_pool, 0)]
    )
    n_pools = len(prob.budget) + 1
    group = prob.c_place.astype(np.int64) * n_pools + np.where(charged, prob.c_pool + 1, 0)
    cents = np.where(charged, prob.c_cents, -1).astype(np.int64)
    _, cls = np.unique(np.stack([group, cents]), axis=1, return_inverse=True)
    return np.asarray(cls).ravel()


def best_per_class(prob: ListProblem, cls: np.ndarray, reduced: np.ndarray) -> np.ndarray:
    """Positions of each class's K·s best candidates by reduced score (s = its list's seats):
    no list takes more of one class, and the best of a class serve every rule it has as well."""
    order = np.lexsort((-reduced, cls))
    c = cls[order]
    first = np.searchsorted(c, c)
    rank = np.arange(len(order)) - first
    keep = rank < prob.per_seat * prob.seats[prob.c_place[order]]
    return np.sort(order[keep])


def lp_prices(prob: ListProblem, seconds: float) -> tuple[float | None, np.ndarray]:
    """The LP of the level model of `prob` (every column continuous) and the prices of its client
    rows, per client row of the pair table (0 for clients without a price)."""
    lm = build_level_model(prob, relax_y=True)
    _, h = highs_lp(lm.lp())
    h.setOptionValue("time_limit", float(max(0.1, seconds)))
    h.setOptionValue("solver", "ipm")
    h.run()
    n_clients = int(prob.pairs.client.max(initial=-1)) + 1
    pi = np.zeros(n_clients)
    if h.modelStatusToString(h.getModelStatus()) != "Optimal":
        return None, pi
    dual = np.asarray(h.getSolution().row_dual, dtype=np.float64)
    first, clients = lm.client_rows
    pi[clients] = np.abs(dual[first : first + len(clients)])
    return float(h.getObjectiveValue()), pi


def list_prices(prob: ListProblem, y: np.ndarray) -> np.ndarray:
    """Prices read off lists `y` when no LP is at hand: a listed client is worth what its score
    exceeds its list's weakest listed score by (on a 10 000-client region a bound 7 % above the
    LP prices' but far below zero prices')."""
    n_clients = int(prob.pairs.client.max(initial=-1)) + 1
    weakest = np.full(len(prob.seats), np.inf)
    np.minimum.at(weakest, prob.c_place[y], prob.c_score[y])
    j = np.flatnonzero(y)
    pi = np.zeros(n_clients)
    pi[prob.c_client[j]] = np.maximum(prob.c_score[j] - weakest[prob.c_place[j]], 0.0)
    return pi


def subproblem(
    prob: ListProblem, cls: np.ndarray, pi: np.ndarray, seconds: float
) -> tuple[float | None, np.ndarray, float | None]:
    """max Σ (score − π) y + bonus · covers over the lists without client rows, by HiGHS over each
    class's best candidates: (its bound or None, the lists found over `prob`'s candidates, their
    subproblem value)."""
    reduced = prob.c_score - pi[prob.c_client]
    sel = best_per_class(prob, cls, reduced)
    sub = replace(prob, cand=prob.cand[sel])
    sub.c_score = reduced[sel]
    lm = build_level_model(sub, relax_y=True, client_rows=False)
    run = run_level_model(lm, seconds, rel_gap=SUB_GAP, options={"mip_pscost_minreliable": 0})
    y = np.zeros(prob.m, dtype=bool)
    if run.x is not None:
        y[sel[run.x[: sub.m] > 0.5]] = True
    return run.bound, y, run.objective


def price_bound(
    prob: ListProblem,
    lower: float,
    seconds: float,
    pi: np.ndarray | None = None,
    lp_value: float | None = None,
    on_plan: Callable[[np.ndarray], float | None] | None = None,
    sub_seconds: float = SUB_SECONDS,
    reserve: Callable[[], float] = lambda: 0.0,
) -> PriceBound:
    """The smallest L(π) found in `seconds` by subgradient steps from `pi` towards `lower` (a known
    objective). Each subproblem's lists (clients possibly on several) go to `on_plan`, which may
    turn them into real lists and return their objective (sharpening the step). Each subproblem
    gets at most `sub_seconds` (the first twice that), and none starts with less than `reserve()` seconds left after it
    (the time its plan will take)."""
    t0 = time.perf_counter()
    t_end = t0 + seconds
    n_clients = int(prob.pairs.client.max(initial=-1)) + 1
    pi = np.zeros(n_clients) if pi is None else np.maximum(pi.astype(np.float64), 0.0)
    has = np.zeros(n_clients, dtype=bool)
    has[prob.c_client] = True
    pi[~has] = 0.0
    cls = class_key(prob)
    best, best_pi, theta, stall, steps = math.inf, pi.copy(), 1.0, 0, 0
    values: list[float] = []
    while time.perf_counter() < t_end - reserve() - 1.0:
        share = sub_seconds * (2.0 if steps == 0 else 1.0)
        limit = min(share, t_end - reserve() - time.perf_counter())
        sub_bound, y, sub_value = subproblem(prob, cls, pi, limit)
        steps += 1
        if sub_bound is None:
            break
        value = sub_bound + prob.max_lists * float(pi.sum())
        values.append(value)
        if value < best - 1e-6:
            best, best_pi, stall = value, pi.copy(), 0
        else:
            stall += 1
            if stall >= STALL:
                theta, stall, pi = theta / 2, 0, best_pi.copy()
                continue
        good = sub_value is not None and sub_bound - sub_value <= PLAN_GAP * abs(value)
        if on_plan is not None and good:
            found = on_plan(y)
            if found is not None:
                lower = max(lower, found)
        if best - lower < 0.5 or theta < MIN_THETA:
            break
        g = prob.max_lists - np.bincount(prob.c_client[y], minlength=n_clients).astype(float)
        g[~has] = 0.0
        g[(pi <= 0) & (g > 0)] = 0.0  # a price at zero cannot fall
        norm = float(g @ g)
        if norm <= 0:
            break
        pi = np.maximum(pi - theta * (value - lower) / norm * g, 0.0)
    return PriceBound(best, best_pi, steps, values, lp_value, time.perf_counter() - t0)


def price_search(
    prob: ListProblem,
    y: np.ndarray,
    z: np.ndarray,
    seconds: float,
    order: np.ndarray,
    report: ProgressFn,
    start: float,
    stats: dict[str, object],
    per_client: int,
) -> tuple[np.ndarray, int, float | None]:
    """Large instances: prices from the LP over each client's best candidates and the lists `y`,
    then `price_bound` with every subproblem's plan turned into lists — the flow within its
    reservations over each client's `per_client` best, repair, refill. Returns the best lists,
    their objective and the bound."""
    t0 = time.perf_counter()
    value = objective_value(prob, y)
    sub, _ = prune(prob, min(per_client, LP_PER_CLIENT), keep=y)
    lp_value, pi = lp_prices(sub, seconds * LP_SHARE)
    if lp_value is None:  # no LP in time: prices from the lists themselves
        pi = list_prices(prob, y)
    stats.update(price_lp_candidates=sub.m, price_lp_value=lp_value)
    stats["price_lp_seconds"] = round(time.perf_counter() - t0, 3)
    best_value, best_lists = value, y
    plan_seconds: list[float] = []

    def on_plan(planned: np.ndarray) -> float:
        nonlocal best_value, best_lists
        t_plan = time.perf_counter()
        # the flow over each client's best candidates and the plan's finds what the flow over
        # every candidate does, in a tenth of the time; the refill then sees every candidate
        part, kept = prune(prob, per_client, keep=planned | best_lists)
        lists = np.zeros(prob.m, dtype=bool)
        lists[kept[flow_lists(part, planned[kept])]] = True
        if not is_feasible(prob, lists, z):
            lists = repair_lists(prob, lists, z)
        lists = greedy_lists(prob, order, z, True, state=list_state(prob, z, lists))
        new = objective_value(prob, lists)
        if new > best_value and is_feasible(prob, lists, z):
            best_value, best_lists = new, lists
            report(Progress(time.perf_counter() - start, new, None, "prices"))
        plan_seconds.append(time.perf_counter() - t_plan)
        return float(best_value)

    left = seconds - (time.perf_counter() - t0)
    first_guess = min(10.0, left / 5)  # a plan (flow, refill) until one has been timed

    def reserve() -> float:
        return max(plan_seconds, default=first_guess)

    res = price_bound(prob, float(value), left, pi, lp_value, on_plan, reserve=reserve)
    stats.update(
        price_bound=None if math.isinf(res.bound) else round(res.bound, 3),
        price_steps=res.steps,
        price_step_bounds=[round(v, 1) for v in res.values],
        price_seconds=round(res.seconds, 3),
        price_plan_seconds=[round(t, 2) for t in plan_seconds],
    )
    bound = None if math.isinf(res.bound) else max(res.bound, float(best_value))
    return best_lists, best_value, bound
