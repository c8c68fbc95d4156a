"""The dual policy's prices: the fluid LP over the expected rest of the year.

Forecast (README "A simulated year"): the clients expected in weeks t+1..end are last year's
arrivals of those calendar weeks (`Year.history`), at most `sample` of them, each weighted so the
sample stands for all of them, scaled by this year's arrivals so far against last year's in the
same weeks. They may go to the placements open now (their announced close week known; openings
later in the year are not), over the seat-weeks left after the current holders, paid from the
appropriation left. The prices are the LP's budget duals: what a € kept back is worth to them.
The current queue is not in this LP (it is this week's decision); see the README on what that
leaves out.
"""

from __future__ import annotations

import numpy as np

from instances.arrivals import Year
from matcher.pacing.fluid import solve_fluid
from matcher.pacing.state import SimState, week_instance
from matcher.pairs.candidates import build_pairs

SAMPLE = 1500


def prices(year: Year, state: SimState, week: int, sample: int = SAMPLE) -> np.ndarray:
    """Points per € per pool for week `week` (0-based); zeros in the last week."""
    n_pools = len(year.base.pools)
    hist = year.history
    future = np.flatnonzero(hist.arrival > week)
    if week + 1 >= year.weeks or not len(future):
        return np.zeros(n_pools)
    so_far_now = int(((year.arrival >= 1) & (year.arrival <= week)).sum())
    so_far_then = int(((hist.arrival >= 1) & (hist.arrival <= week)).sum())
    level = so_far_now / so_far_then if week >= 1 and so_far_then else 1.0
    rng = np.random.default_rng([year.seed, week, 18])
    take = future if len(future) <= sample else np.sort(rng.choice(future, sample, replace=False))
    weight = np.full(len(take), len(future) * level / len(take))

    end = np.minimum(year.closes, year.weeks)
    open_now = (year.opens <= week) & (end > week)
    inst = week_instance(
        year,
        week,
        hist.clients.iloc[take],
        hist.arrival[take],
        seats=np.where(open_now, year.base.placements["seats"].to_numpy(dtype=np.int64), 0),
        budgets=state.left,
        at_arrival=True,
    )
    pairs = build_pairs(inst)
    if not len(pairs):
        return np.zeros(n_pools)
    horizon = np.maximum(end - (week + 1), 0)  # weeks each placement is open after this one
    seats = year.base.placements["seats"].to_numpy(dtype=np.float64)
    seat_weeks = seats * horizon - state.held_weeks(week + 1, end)
    duration = year.base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    use = np.maximum(np.minimum(duration, horizon)[pairs.placement], 1.0)
    res = solve_fluid(pairs, pairs.score, weight, use, seat_weeks, state.left)
    return res.prices
