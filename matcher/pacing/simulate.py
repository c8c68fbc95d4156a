"""Simulate a year of weekly allocations under one policy (README "A simulated year").

Each week: the queue is everyone arrived, not placed and not yet left; a placement offers its
seats minus the clients holding one (none when it is not open); the policy sets the week's
budgets (and for `dual` the prices) and chooses; each assignment commits its whole cost to its
pool and holds the seat for the completed share of the placement's duration. The year's
objective is Σ over assignments of the pair's score with the client's priority as at arrival
(waiting never adds value). `hindsight` solves the time-indexed model of the whole year
(`matcher.pacing.hindsight`) and replays its integer plan week by week through the same loop, so
its objective is counted like every policy's; its LP bound and LP value ride along.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from instances.arrivals import Year
from matcher.allocation.constraints import build_rows
from matcher.allocation.repair import greedy
from matcher.allocation.solve import SolveOptions
from matcher.pacing.forecast import DualSettings, Prices
from matcher.pacing.forecast import prices as forecast_prices
from matcher.pacing.hindsight import Plan, YearPairs, best_plan, solve_lp, year_pairs
from matcher.pacing.policies import POLICIES, WeekContext, choose, week_budget
from matcher.pacing.replan import replan
from matcher.pacing.state import SimState, week_instance
from matcher.pairs.candidates import build_pairs
from matcher.pairs.score import liability_per_week, priority


def _record_prices(
    year: Year,
    state: SimState,
    week: int,
    queue: np.ndarray,
    dual: DualSettings,
    last: list[Prices],
    out: list[Prices],
) -> Prices:
    """The forecast's prices for `week` (re-priced every `dual.reprice_every` weeks and in the
    last week, else the last ones), kept in `out` for the report."""
    if not last or week % dual.reprice_every == 0 or week + 1 >= year.weeks:
        last[:] = [forecast_prices(year, state, week, queue, dual)]
    out.append(last[0])
    return out[-1]


@dataclass
class YearResult:
    """A policy's year: objective, per-client outcomes, spending per week and pool, timings."""

    policy: str
    objective: float
    state: SimState | None
    prices: list[np.ndarray] = field(default_factory=list)
    liability_saved: float = 0.0
    seconds: float = 0.0
    lp_bound: float | None = None  # hindsight: the time-indexed LP's valid upper bound
    lp_value: float | None = None  # hindsight: the LP value of the columns generated
    lp_seconds: float | None = None
    plan_value: float | None = None  # hindsight: the integer plan's value before the replay
    plan_how: str | None = None  # hindsight: "lp" (LP rounded) or "mip" (MIP over its columns)


def year_value(pairs, arrived: np.ndarray) -> np.ndarray:
    """Each pair's year value: its score with the client's priority as at arrival (`arrived`,
    per client row of the week's queue)."""
    return pairs.score - pairs.components["priority"] + arrived[pairs.client]


def planned_rows(
    yp: YearPairs, plan: Plan, queue: np.ndarray, inst, pairs, week: int
) -> np.ndarray:
    """The rows of this week's `pairs` the hindsight plan starts now, and the planned starts
    that could not happen yet (seat still held, provider cap) tried again while the client
    waits, kept while every row of the week's constraints (seats, budgets, provider caps)
    holds: the starts due now first."""
    c = queue[pairs.client]
    r = plan.row[c]
    due = np.flatnonzero((plan.start[c] <= week) & (r >= 0))
    due = due[yp.pairs.placement[r[due]] == pairs.placement[due]]
    if not len(due):
        return due
    same_pool = yp.pairs.pool[r[due]] == pairs.pool[due]
    late = plan.start[c[due]] < week
    order = due[np.lexsort((~same_pool, late))]  # due now, the planned pool first
    sub = pairs.take(order)
    chosen = greedy(build_rows(inst, sub), np.arange(len(order)))
    return np.sort(order[chosen])


def simulate(
    year: Year,
    policy: str,
    time_limit: float = 5.0,
    workers: int = 1,
    log=None,
    hindsight_limit: float = 900.0,
    dual: DualSettings | None = None,
    plan_year: Year | None = None,
    hindsight_mip: float = 60.0,
    replan_every: int = 0,
) -> YearResult:
    """Run `policy` over `year`; `time_limit` is each weekly solve's (seconds),
    `hindsight_limit` the hindsight LP's column generation's, `hindsight_mip` the MIP's over
    the LP's columns (0 = the LP rounded only). `plan_year` (hindsight only,
    diagnosis): plan on this year — `year` with some of the future blurred — and replay the plan
    on `year`; `replan_every` > 0 (with `plan_year`, diagnosis): plan again on it every that
    many weeks from the true state (`matcher.pacing.replan`)."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    start = time.perf_counter()
    plan = yp = lp = None
    if policy == "hindsight" and not replan_every:
        known = plan_year or year
        yp = year_pairs(known)
        lp = solve_lp(known, yp, time_limit=hindsight_limit, log=log)
        plan = best_plan(known, yp, lp, mip_limit=hindsight_mip)
        if log is not None:
            log(f"hindsight plan: {plan.value:.0f} ({plan.how}), LP bound {lp.bound:.0f}")
    base = year.base
    state = SimState.start(year)
    arrived_priority = priority(base)
    seats = base.placements["seats"].to_numpy(dtype=np.int64)
    duration = base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    n_p = len(seats)
    options = SolveOptions(time_limit=time_limit, workers=workers, seed=year.seed)
    used_prices: list[np.ndarray] = []
    last_prices: list[Prices] = []
    dual = dual or DualSettings()
    saved = 0.0
    for t in range(year.weeks):
        if policy == "hindsight" and replan_every and t % replan_every == 0:
            got = replan(year, plan_year or year, state, t, hindsight_limit, hindsight_mip)
            yp, plan = got if got is not None else (yp, plan)
            if log is not None and got is not None:
                log(f"re-planned in week {t + 1}: {got[1].value:.0f} ({got[1].how})")
        queue = np.flatnonzero((year.arrival <= t) & (state.placed_week < 0) & (year.leave > t))
        open_now = (year.opens <= t) & (year.closes > t)
        free = np.where(open_now, seats - state.holders(t, n_p), 0)
        ctx = WeekContext(t, year.weeks, state.left)
        budget = week_budget(policy, ctx)
        inst = week_instance(
            year, t, base.clients.iloc[queue], year.arrival[queue], free, budget, left=state.left
        )
        pairs = build_pairs(inst)
        week_prices: list[Prices] = []
        price_fn = partial(_record_prices, year, state, t, queue, dual, last_prices, week_prices)
        if policy == "hindsight":  # no plan: nobody to plan for
            none = np.zeros(0, dtype=np.int64)
            rows = planned_rows(yp, plan, queue, inst, pairs, t) if plan and yp else none
        elif policy == "dual" and dual.year_value:
            valued = pairs.take(slice(None))
            valued.score = year_value(pairs, arrived_priority[queue])
            rows = choose(policy, inst, valued, options, prices=price_fn)
        else:
            rows = choose(policy, inst, pairs, options, prices=price_fn)
        used_prices.append(week_prices[0].pool if week_prices else np.zeros(len(state.left)))
        who = queue[pairs.client[rows]]
        where = pairs.placement[rows]
        held = np.maximum(np.ceil(year.completes[who] * duration[where]), 1).astype(np.int64)
        state.placed_week[who] = t
        state.placement[who] = where
        state.until[who] = t + held
        state.cost[who] = pairs.cost[rows]
        state.pool[who] = pairs.pool[rows]
        state.value[who] = year_value(pairs, arrived_priority[queue])[rows]
        spent = np.bincount(
            pairs.pool[rows][pairs.pool[rows] >= 0],
            weights=pairs.cost[rows][pairs.pool[rows] >= 0],
            minlength=len(state.left),
        )
        state.left = np.maximum(state.left - spent, 0.0)
        state.spent_curve.append(spent)
        saved += float(
            (liability_per_week(inst)[pairs.client[rows]] * np.minimum(held, year.weeks - t)).sum()
        )
        if log is not None:
            log(
                f"{policy} week {t + 1}/{year.weeks}: queue {len(queue)}, placed {len(rows)}, "
                f"left {state.left.sum():,.0f} €"
            )
    objective = float(state.value[state.placed_week >= 0].sum())
    out = YearResult(policy, objective, state, used_prices, saved, time.perf_counter() - start)
    if lp is not None:
        out.lp_bound, out.lp_value, out.lp_seconds = lp.bound, lp.value, lp.seconds
    if plan is not None and not replan_every:
        out.plan_value, out.plan_how = plan.value, plan.how
    return out
