"""The hindsight bound: the whole year known, one fluid LP over every client and placement.

Every client stands as in the last week they could wait (benefit days only grow, so every pair a
policy can take is in this table), valued with the year value (score with the priority frozen at
arrival, as the simulator counts it). A pair needs the placement's open weeks and the client's
waiting weeks to meet. Seats become seat-weeks: a client placed in p holds it for at least
min(weeks completed, weeks from the latest possible start to p's end), and p offers seats × its
open weeks. Budgets are the appropriations. Provider caps are dropped. Each dropped or relaxed
constraint only raises the LP, so its value bounds every policy's year objective from above.
"""

from __future__ import annotations

import numpy as np

from instances.arrivals import Year, grown_clients
from matcher.pacing.fluid import FluidResult, solve_fluid
from matcher.pacing.state import week_instance
from matcher.pairs.candidates import build_pairs
from matcher.pairs.score import priority


def hindsight(year: Year) -> FluidResult:
    """The LP bound on the year's objective (module doc)."""
    base = year.base
    last = np.minimum(year.leave, year.weeks) - 1
    seats = base.placements["seats"].to_numpy(dtype=np.int64)
    inst = week_instance(year, 0, base.clients, year.arrival, seats, year.appropriation)
    inst.clients = grown_clients(base.clients, year.arrival, last)
    pairs = build_pairs(inst)
    end = np.minimum(year.closes, year.weeks)
    c, p = pairs.client, pairs.placement
    first = np.maximum(year.arrival[c], year.opens[p])
    t_last = np.minimum(last[c], end[p] - 1)
    meet = first <= t_last
    pairs = pairs.take(np.flatnonzero(meet))
    c, p, t_last = pairs.client, pairs.placement, t_last[meet]
    duration = base.placements["duration_weeks"].to_numpy(dtype=np.float64)
    held = np.maximum(np.ceil(year.completes[c] * duration[p]), 1.0)
    use = np.maximum(np.minimum(held, end[p] - t_last), 1.0)
    arrived = priority(base)
    value = pairs.score - pairs.components["priority"] + arrived[c]
    seat_weeks = seats * (end - year.opens).astype(np.float64)
    return solve_fluid(
        pairs, value, np.ones(len(base.clients)), use, seat_weeks, year.appropriation
    )
