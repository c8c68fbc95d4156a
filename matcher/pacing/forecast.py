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
import scipy.sparse as sp

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
    scenarios: int = 1  # sampled futures whose prices are averaged
    blocks: int = 1  # the rest of the year in this many blocks of weeks, seat rows per block

    def __post_init__(self) -> None:
        if min(self.sample, self.reprice_every, self.scenarios, self.blocks) < 1:
            raise ValueError(
                "sample, reprice_every, scenarios and blocks must be ≥ 1, got "
                f"{self.sample}, {self.reprice_every}, {self.scenarios}, {self.blocks}"
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


def expected(year: Year, week: int, queue: np.ndarray, sample: int, scenario: int = 0) -> Forecast:
    """This week's queue plus last year's later arrivals, sampled (draw `scenario`) and
    scaled (module doc)."""
    hist = year.history
    future = np.flatnonzero(hist.arrival > week)
    so_far_now = int(((year.arrival >= 1) & (year.arrival <= week)).sum())
    so_far_then = int(((hist.arrival >= 1) & (hist.arrival <= week)).sum())
    level = so_far_now / so_far_then if week >= 1 and so_far_then else 1.0
    rng = np.random.default_rng([year.seed, week, 18] + ([scenario] if scenario else []))
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
    if s.oracle:
        return _scenario(year, state, week, s, true_future(year, week, queue))
    got = [
        _scenario(year, state, week, s, expected(year, week, queue, s.sample, k))
        for k in range(s.scenarios)
    ]
    return Prices(np.mean([g.pool for g in got], axis=0), np.mean([g.seat for g in got], axis=0))


def _scenario(year: Year, state: SimState, week: int, s: DualSettings, fc: Forecast) -> Prices:
    """The fluid LP's prices for one forecast of the rest of the year."""
    n_pools, n_p = len(year.base.pools), len(year.base.placements)
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
    duration = year.base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    c, p = pairs.client, pairs.placement
    first = np.maximum(np.maximum(fc.arrival[c], week), begin[p])
    held = np.maximum(np.ceil(fc.completes[c] * duration[p]), 1.0)
    edges = np.unique(np.linspace(week, year.weeks, s.blocks + 1).round().astype(np.int64))
    lo, hi = edges[:-1], edges[1:]
    # columns: (pair, block it starts in), from its earliest start or the block's first week
    block_start = np.maximum(first[:, None], lo[None, :])
    limit = np.minimum(end[p], fc.leave[c])
    rep, blk = np.nonzero(block_start < np.minimum(hi[None, :], limit[:, None]))
    start = block_start[rep, blk]
    stop = np.maximum(np.minimum(start + held[rep], end[p[rep]]), start + 1)
    col, row, use = [], [], []
    for b in range(len(lo)):
        ov = np.clip(np.minimum(stop, hi[b]) - np.maximum(start, lo[b]), 0, None)
        k = np.flatnonzero(ov > 0)
        col.append(k)
        row.append(p[rep[k]] * len(lo) + b)
        use.append(ov[k])
    n_rows = n_p * len(lo)
    a_seat = sp.csc_matrix(
        (np.concatenate(use), (np.concatenate(row), np.concatenate(col))), shape=(n_rows, len(rep))
    )
    cap = np.zeros((n_p, len(lo)))
    for b in range(len(lo)):
        weeks_open = np.clip(np.minimum(end, hi[b]) - np.maximum(begin, lo[b]), 0, None)
        cap[:, b] = np.where(open_, seats * weeks_open, 0) - state.held_weeks(
            int(lo[b]), np.minimum(end, hi[b])
        )
    res = solve_fluid(pairs.take(rep), pairs.score[rep], fc.weight, a_seat, cap.ravel(), state.left)
    if not s.seat_prices:
        return Prices(res.prices, np.zeros(n_p))
    share = float(year.history.completes.mean()) if len(year.history.completes) else 1.0
    now_stop = np.minimum(week + np.maximum(np.ceil(share * duration), 1.0), end)
    y = res.seat_prices.reshape(n_p, len(lo))
    charge = np.zeros(n_p)
    for b in range(len(lo)):
        charge += y[:, b] * np.clip(np.minimum(now_stop, hi[b]) - max(week, lo[b]), 0, None)
    return Prices(res.prices, charge)
