"""The dual policy's prices: the fluid LP over the expected rest of the year, this week included.

Forecast (README "A simulated year"): the clients competing for what is left are (a) the queue
of this week, as they stand now, and (b) the clients expected in weeks t+1..end: last year's
arrivals of those calendar weeks (`Year.history`), at most `sample` of them, each weighted so
the sample stands for all of them, scaled by this year's arrivals so far against last year's in
the same weeks. They may go to the placements open now (their announced close week known;
openings later in the year are not), over the seat-weeks from this week on left after the
current holders, paid from the appropriation left. The prices are the LP's budget duals: what a
€ kept back is worth to the rest of the year. Leaving the queue out (as the first version did)
priced only the future arrivals against the whole budget, so a € looked cheap while a long
queue carried over, and the policy spent 60 % of the year's money in the first 13 weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from instances.arrivals import Year
from matcher.pacing.fluid import solve_fluid
from matcher.pacing.state import SimState, week_instance
from matcher.pairs.candidates import build_pairs


@dataclass(frozen=True)
class DualSettings:
    """The dual policy's forecast (documented defaults, README "A simulated year")."""

    sample: int = 1500  # future arrivals drawn from last year, weighted to stand for all
    reprice_every: int = 2  # weeks between two LPs; the prices are kept in between

    def __post_init__(self) -> None:
        if self.sample < 1 or self.reprice_every < 1:
            raise ValueError(
                f"sample and reprice_every must be ≥ 1, got {self.sample}, {self.reprice_every}"
            )


def prices(
    year: Year,
    state: SimState,
    week: int,
    queue: np.ndarray,
    settings: DualSettings | None = None,
) -> np.ndarray:
    """Points per € per pool for week `week` (0-based) given this week's queue (client rows);
    zeros in the last week, where the week's own solve weighs the queue against what is left."""
    s = settings or DualSettings()
    n_pools = len(year.base.pools)
    if week + 1 >= year.weeks:
        return np.zeros(n_pools)
    hist = year.history
    future = np.flatnonzero(hist.arrival > week)
    so_far_now = int(((year.arrival >= 1) & (year.arrival <= week)).sum())
    so_far_then = int(((hist.arrival >= 1) & (hist.arrival <= week)).sum())
    level = so_far_now / so_far_then if week >= 1 and so_far_then else 1.0
    rng = np.random.default_rng([year.seed, week, 18])
    take = future
    if len(future) > s.sample:
        take = np.sort(rng.choice(future, s.sample, replace=False))
    weight = np.concatenate(
        [np.ones(len(queue)), np.full(len(take), len(future) * level / max(len(take), 1))]
    )
    clients = pd.concat([year.base.clients.iloc[queue], hist.clients.iloc[take]], ignore_index=True)
    arrival = np.concatenate([year.arrival[queue], hist.arrival[take]])
    end = np.minimum(year.closes, year.weeks)
    open_now = (year.opens <= week) & (end > week)
    seats = year.base.placements["seats"].to_numpy(dtype=np.int64)
    inst = week_instance(
        year, week, clients, arrival, np.where(open_now, seats, 0), budgets=state.left
    )
    pairs = build_pairs(inst)
    if not len(pairs):
        return np.zeros(n_pools)
    seat_weeks = seats * np.maximum(end - week, 0) - state.held_weeks(week, end)
    duration = year.base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    from_week = np.maximum(arrival[pairs.client], week)
    use = np.maximum(np.minimum(duration[pairs.placement], end[pairs.placement] - from_week), 1.0)
    res = solve_fluid(pairs, pairs.score, weight, use, seat_weeks, state.left)
    return res.prices
