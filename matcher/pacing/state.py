"""The state of a simulated year between weeks, and the week's instance built from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from instances.arrivals import Year, grown_clients
from instances.next_week import advance_week
from models.instance import Instance


@dataclass
class SimState:
    """Who was placed where and when, held until which week, and the appropriation left."""

    placed_week: np.ndarray  # per client, -1 = not placed
    placement: np.ndarray  # per client, placement row or -1
    until: np.ndarray  # per client, first week the seat is free again
    cost: np.ndarray  # per client, € committed
    pool: np.ndarray  # per client, pool row or -1
    value: np.ndarray  # per client, the year value of the assignment
    left: np.ndarray  # per pool, € of the appropriation left
    spent_curve: list[np.ndarray]  # per week, € committed per pool

    @classmethod
    def start(cls, year: Year) -> SimState:
        n = len(year.base.clients)
        minus = np.full(n, -1, dtype=np.int64)
        return cls(
            placed_week=minus.copy(),
            placement=minus.copy(),
            until=np.zeros(n, dtype=np.int64),
            cost=np.zeros(n),
            pool=minus.copy(),
            value=np.zeros(n),
            left=year.appropriation.copy(),
            spent_curve=[],
        )

    def holders(self, week: int, n_placements: int) -> np.ndarray:
        """Seats held in `week` per placement."""
        held = (self.placed_week >= 0) & (self.placed_week <= week) & (self.until > week)
        return np.bincount(self.placement[held], minlength=n_placements)

    def held_weeks(self, start: int, end: np.ndarray) -> np.ndarray:
        """Seat-weeks the current holders still take per placement in [start, end[p])."""
        held = np.flatnonzero(self.placed_week >= 0)
        p = self.placement[held]
        weeks = np.clip(np.minimum(self.until[held], end[p]) - start, 0, None)
        return np.bincount(p, weights=weeks, minlength=len(end)).astype(np.float64)


def week_instance(
    year: Year,
    week: int,
    clients: pd.DataFrame,
    arrival: np.ndarray,
    seats: np.ndarray,
    budgets: np.ndarray,
    at_arrival: bool = False,
    left: np.ndarray | None = None,
) -> Instance:
    """The instance of week `week`: these clients (grown by their waiting unless `at_arrival`),
    every placement with `seats` free, pools with `budgets` and the period columns (`left`:
    the appropriation left, default `budgets`)."""
    base = year.base
    inst = base.with_decisions(base.decisions.iloc[0:0])
    stand = np.full(len(clients), week) if not at_arrival else np.asarray(arrival)
    inst.clients = grown_clients(clients, arrival, stand)
    placements = base.placements.copy()
    placements["seats"] = np.maximum(np.asarray(seats, dtype=np.int64), 0)
    inst.placements = placements
    pools = base.pools.copy()
    pools["budget"] = np.floor(np.maximum(budgets, 0) * 100) / 100
    pools["period_budget"] = year.appropriation
    spent_before = year.appropriation - np.asarray(budgets if left is None else left)
    pools["period_spent"] = np.round(spent_before, 2)
    pools["period_end_week"] = advance_week(year.settings.start_week, year.weeks - 1)
    inst.pools = pools
    inst.week = advance_week(year.settings.start_week, week)
    inst.name = f"{year.region}-{inst.week}"
    cols = dict(inst.columns_in_file)
    cols["funding.csv"] = list(pools.columns)
    inst.columns_in_file = cols
    return inst
