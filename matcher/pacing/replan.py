"""The fair bar re-planned: the hindsight model solved again every few weeks from the year so far.

Diagnosis only (`benchmarks.year --oracle`, row `hindsight-replanned`). It knows every future
arrival, wish and opening like the hindsight, but of each client only what a coordinator could:
the expected stay and completed share of `expected_year` (last year's means; the generator draws
both per client independently of anything observable). Every `every` weeks it plans the rest of
the year on that year from the true state — the clients still waiting, the money left, the seats
held by the current holders until their expected end — and the simulator carries out the plan's
starts until the next re-plan. So it reacts to the early ends and dropouts that happen, as a
policy would, without knowing them in advance.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from instances.arrivals import Year
from matcher.pacing.hindsight import Plan, YearPairs, best_plan, solve_lp, year_pairs
from matcher.pacing.state import SimState


def planning_year(year: Year, known: Year, state: SimState, week: int) -> Year:
    """`known` (the expected year) as seen in `week`: the placed and the gone leave the plan,
    the waiting stay their expected stay from now, later arrivals theirs from arrival."""
    stay = known.leave - known.arrival  # the expected stay (`expected_year`)
    from_now = np.maximum(known.arrival, week) + stay
    gone = (state.placed_week >= 0) | ((year.arrival <= week) & (year.leave <= week))
    leave = np.where(gone, 0, np.minimum(from_now, year.weeks)).astype(year.leave.dtype)
    return replace(known, leave=leave)


def free_seats(known: Year, state: SimState, week: int) -> np.ndarray:
    """Seats free per placement and week from `week` on, the current holders counted until
    their expected end (at least this week, at most their full duration)."""
    base = known.base
    seats = base.placements["seats"].to_numpy(dtype=np.int64)
    duration = base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    holding = np.flatnonzero((state.placed_week >= 0) & (state.until > week))
    p = state.placement[holding]
    start = state.placed_week[holding]
    share = known.completes[holding]
    expected = start + np.maximum(np.ceil(share * duration[p]), 1).astype(np.int64)
    until = np.clip(expected, week + 1, start + np.ceil(duration[p]).astype(np.int64))
    weeks = np.arange(known.weeks)
    held = np.zeros((len(seats), known.weeks), dtype=np.int64)
    np.add.at(held, p, (weeks[None, :] < until[:, None]).astype(np.int64))
    return np.maximum(seats[:, None] - held, 0)


def replan(
    year: Year,
    known: Year,
    state: SimState,
    week: int,
    time_limit: float,
    mip_limit: float,
) -> tuple[YearPairs, Plan] | None:
    """The plan of the rest of the year from `week` (module doc); None when nobody is left."""
    plan_year = planning_year(year, known, state, week)
    if not np.any(plan_year.leave > np.maximum(plan_year.arrival, week)):
        return None
    yp = year_pairs(plan_year, now=week, seats=free_seats(known, state, week), budgets=state.left)
    if not len(yp.pairs):
        return None
    lp = solve_lp(plan_year, yp, time_limit=time_limit)
    return yp, best_plan(plan_year, yp, lp, mip_limit=mip_limit)
