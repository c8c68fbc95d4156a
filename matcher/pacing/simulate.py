"""Simulate a year of weekly allocations under one policy (README "A simulated year").

Each week: the queue is everyone arrived, not placed and not yet left; a placement offers its
seats minus the clients holding one (none when it is not open); the policy sets the week's
budgets (and for `dual` the prices) and chooses; each assignment commits its whole cost to its
pool and holds the seat for the completed share of the placement's duration. The year's
objective is Σ over assignments of the pair's score with the client's priority as at arrival
(waiting never adds value); `hindsight` is the LP bound over the whole year instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from instances.arrivals import Year
from matcher.allocation.solve import SolveOptions
from matcher.pacing.forecast import prices as forecast_prices
from matcher.pacing.hindsight import hindsight
from matcher.pacing.policies import POLICIES, WeekContext, choose, week_budget
from matcher.pacing.state import SimState, week_instance
from matcher.pairs.candidates import build_pairs
from matcher.pairs.score import liability_per_week, priority


def _record_prices(year: Year, state: SimState, week: int, out: list[np.ndarray]) -> np.ndarray:
    """The forecast's prices for `week`, kept in `out` for the report."""
    out.append(forecast_prices(year, state, week))
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
    placed_fluid: float | None = None  # hindsight: Σ x of the LP


def simulate(
    year: Year, policy: str, time_limit: float = 5.0, workers: int = 1, log=None
) -> YearResult:
    """Run `policy` over `year`; `time_limit` is each weekly solve's (seconds)."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    start = time.perf_counter()
    if policy == "hindsight":
        res = hindsight(year)
        return YearResult(
            policy,
            res.value,
            None,
            seconds=time.perf_counter() - start,
            placed_fluid=float(res.x.sum()),
        )
    base = year.base
    state = SimState.start(year)
    arrived_priority = priority(base)
    seats = base.placements["seats"].to_numpy(dtype=np.int64)
    duration = base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    n_p = len(seats)
    options = SolveOptions(time_limit=time_limit, workers=workers, seed=year.seed)
    used_prices: list[np.ndarray] = []
    saved = 0.0
    for t in range(year.weeks):
        queue = np.flatnonzero((year.arrival <= t) & (state.placed_week < 0) & (year.leave > t))
        open_now = (year.opens <= t) & (year.closes > t)
        free = np.where(open_now, seats - state.holders(t, n_p), 0)
        ctx = WeekContext(t, year.weeks, state.left)
        budget = week_budget(policy, ctx)
        inst = week_instance(
            year, t, base.clients.iloc[queue], year.arrival[queue], free, budget, left=state.left
        )
        pairs = build_pairs(inst)
        week_prices: list[np.ndarray] = []
        price_fn = partial(_record_prices, year, state, t, week_prices)
        rows = choose(policy, inst, pairs, options, prices=price_fn)
        used_prices.append(week_prices[0] if week_prices else np.zeros(len(state.left)))
        who = queue[pairs.client[rows]]
        where = pairs.placement[rows]
        held = np.maximum(np.ceil(year.completes[who] * duration[where]), 1).astype(np.int64)
        state.placed_week[who] = t
        state.placement[who] = where
        state.until[who] = t + held
        state.cost[who] = pairs.cost[rows]
        state.pool[who] = pairs.pool[rows]
        state.value[who] = (
            pairs.score[rows] - pairs.components["priority"][rows] + arrived_priority[who]
        )
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
    return YearResult(policy, objective, state, used_prices, saved, time.perf_counter() - start)
