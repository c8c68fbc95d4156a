"""The dual policy's prices: the fluid LP over the expected rest of the year, this week included.

Forecast (README "A simulated year"): the clients competing for what is left are (a) the queue
of this week, as they stand now, and (b) the clients expected in weeks t+1..end: last year's
arrivals of those calendar weeks (`Year.history`), at most `sample` of them, each weighted so
the sample stands for all of them, scaled by this year's arrivals so far against last year's in
the same weeks. They may go to the placements open now (their announced close week known;
openings later in the year are not) if they arrive before it closes, over the seat-weeks from
this week on left after the current holders, paid from the appropriation left; a seat is held
for the duration × last year's mean completed share. The prices are the LP's duals: a pool's
budget row — what a € kept back is worth to the rest of the year — and, with `seat_prices`, a
placement's seat-week row — what a seat kept free is worth. Leaving the queue out (as the first
version did) priced only the future arrivals against the whole budget, so a € looked cheap
while a long queue carried over, and the policy spent 60 % of the year's money in 13 weeks.

`oracle` (diagnosis only, never a policy): the same LP over this year's true future — the real
arrivals with their wishes, dropouts, early ends and later openings — to split the gap to
hindsight into what a better forecast could recover and what pricing cannot.
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
    seat_prices: bool = False  # charge a placement's seat-week dual × weeks held in the week
    oracle: bool = False  # diagnosis only: the forecast sees this year's true future
    year_value: bool = False  # price and choose by the year value (priority at arrival)

    def __post_init__(self) -> None:
        if self.sample < 1 or self.reprice_every < 1:
            raise ValueError(
                f"sample and reprice_every must be ≥ 1, got {self.sample}, {self.reprice_every}"
            )


@dataclass(frozen=True)
class Prices:
    """Points per € per pool, and points per assignment per placement (its seat-weeks' price)."""

    pool: np.ndarray
    seat: np.ndarray

    @classmethod
    def zero(cls, n_pools: int, n_placements: int) -> Prices:
        return cls(np.zeros(n_pools), np.zeros(n_placements))


@dataclass(frozen=True)
class Forecast:
    """The clients of the forecast LP: rows, weights, arrival and leave weeks, held share."""

    clients: pd.DataFrame
    weight: np.ndarray
    arrival: np.ndarray
    leave: np.ndarray
    completes: np.ndarray


def expected(year: Year, week: int, queue: np.ndarray, sample: int) -> Forecast:
    """This week's queue plus last year's later arrivals, sampled and scaled (module doc)."""
    hist = year.history
    future = np.flatnonzero(hist.arrival > week)
    so_far_now = int(((year.arrival >= 1) & (year.arrival <= week)).sum())
    so_far_then = int(((hist.arrival >= 1) & (hist.arrival <= week)).sum())
    level = so_far_now / so_far_then if week >= 1 and so_far_then else 1.0
    rng = np.random.default_rng([year.seed, week, 18])
    take = future
    if len(future) > sample:
        take = np.sort(rng.choice(future, sample, replace=False))
    share = float(hist.completes.mean()) if len(hist.completes) else 1.0
    n = len(queue) + len(take)
    return Forecast(
        pd.concat([year.base.clients.iloc[queue], hist.clients.iloc[take]], ignore_index=True),
        np.concatenate(
            [np.ones(len(queue)), np.full(len(take), len(future) * level / max(len(take), 1))]
        ),
        np.concatenate([year.arrival[queue], hist.arrival[take]]),
        np.full(n, year.weeks),
        np.full(n, share),
    )


def true_future(year: Year, week: int, queue: np.ndarray) -> Forecast:
    """The oracle's clients: the queue and this year's real later arrivals, as they will be."""
    later = np.flatnonzero(year.arrival > week)
    rows = np.concatenate([queue, later])
    return Forecast(
        year.base.clients.iloc[rows].reset_index(drop=True),
        np.ones(len(rows)),
        year.arrival[rows],
        np.minimum(year.leave[rows], year.weeks),
        year.completes[rows],
    )


def prices(
    year: Year,
    state: SimState,
    week: int,
    queue: np.ndarray,
    settings: DualSettings | None = None,
) -> Prices:
    """The prices for week `week` (0-based) given this week's queue (client rows); zeros in the
    last week, where the week's own solve weighs the queue against what is left."""
    s = settings or DualSettings()
    n_pools, n_p = len(year.base.pools), len(year.base.placements)
    if week + 1 >= year.weeks:
        return Prices.zero(n_pools, n_p)
    fc = true_future(year, week, queue) if s.oracle else expected(year, week, queue, s.sample)
    end = np.minimum(year.closes, year.weeks)
    begin = np.maximum(year.opens, week) if s.oracle else np.full(n_p, week)
    open_ = (begin < end) if s.oracle else (year.opens <= week) & (end > week)
    seats = year.base.placements["seats"].to_numpy(dtype=np.int64)
    inst = week_instance(
        year,
        week,
        fc.clients,
        fc.arrival,
        np.where(open_, seats, 0),
        budgets=state.left,
        at_arrival=s.year_value,
    )
    pairs = build_pairs(inst)
    c, p = pairs.client, pairs.placement
    start = np.maximum(np.maximum(fc.arrival[c], week), begin[p])
    pairs = pairs.take(np.flatnonzero(start < np.minimum(end[p], fc.leave[c])))
    if not len(pairs):
        return Prices.zero(n_pools, n_p)
    c, p = pairs.client, pairs.placement
    seat_weeks = np.where(open_, seats * np.maximum(end - begin, 0), 0) - state.held_weeks(
        week, end
    )
    duration = year.base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    start = np.maximum(np.maximum(fc.arrival[c], week), begin[p])
    held = np.maximum(np.ceil(fc.completes[c] * duration[p]), 1.0)
    use = np.maximum(np.minimum(held, end[p] - start), 1.0)
    res = solve_fluid(pairs, pairs.score, fc.weight, use, seat_weeks, state.left)
    if not s.seat_prices:
        return Prices(res.prices, np.zeros(n_p))
    share = float(year.history.completes.mean()) if len(year.history.completes) else 1.0
    now = np.maximum(np.minimum(np.ceil(share * duration), end - week), 1.0)
    return Prices(res.prices, res.seat_prices * now)
