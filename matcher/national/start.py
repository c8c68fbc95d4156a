"""Starting prices for the national master: the row duals of the LP of a sample of the queue.

A uniform sample of a share f of the queue clients, with every seats, budget and cap capacity
scaled by f, is a small copy of the national week: the duals of its LP (HiGHS) approximate the
prices of the whole week's LP, which the master's subgradient would otherwise have to reach
from zero over its first rounds. Locked pairs are kept as "at most once" (a scaled seat may be
below one). The driver computes it while the workers build their parts; only the rows the
sample reaches get a price (the others start at zero).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from matcher.allocation.constraints import build_rows
from matcher.allocation.lp import solve_lp
from matcher.national.part import SHARED_FAMILIES, row_keys
from matcher.pairs.compact import build_compact
from models.instance import Instance

MIN_SAMPLE = 200  # clients at least (a smaller sample's duals are mostly noise)


@dataclass(frozen=True)
class SamplePrices:
    """Row keys (`part.row_keys` order: family code, owner) and their LP duals; LP status."""

    keys: np.ndarray
    prices: np.ndarray
    status: str
    clients: int
    pairs: int
    seconds: float

    def on(self, coupling: np.ndarray) -> np.ndarray:
        """The prices of the coupling rows (sorted keys), 0 where the sample has no row."""
        out = np.zeros(len(coupling))
        if not len(self.keys) or not len(coupling):
            return out
        at = np.clip(np.searchsorted(coupling, self.keys), 0, len(coupling) - 1)
        hit = coupling[at] == self.keys
        out[at[hit]] = self.prices[hit]
        return out


def sample_prices(
    inst: Instance, share: float, seed: int = 0, time_limit: float = 60.0
) -> SamplePrices:
    """The LP duals of the shared-family rows over a `share` of the queue (capacities scaled)."""
    t0 = time.perf_counter()
    queue = np.flatnonzero(inst.columns.c_queue)
    k = min(len(queue), max(MIN_SAMPLE, int(round(share * len(queue)))))
    clients = np.sort(np.random.default_rng(seed).choice(queue, size=k, replace=False))
    f = k / max(len(queue), 1)
    pairs = build_compact(inst, clients=clients).table(inst)
    rows = build_rows(inst, pairs, clients)
    scaled = np.isin(rows.family, SHARED_FAMILIES)
    hi = rows.hi.astype(np.float64)
    hi[scaled] *= f
    lo = np.where(rows.family == "lock", 0, rows.lo)
    lp = solve_lp(replace(rows, lo=lo, hi=hi), pairs.score, time_limit=time_limit)
    pos, keys = row_keys(rows)
    order = np.argsort(keys)
    prices = lp.duals[pos] if lp.status == "OPTIMAL" else np.zeros(len(pos))
    return SamplePrices(
        keys[order],
        np.maximum(prices[order], 0.0),
        lp.status,
        k,
        len(pairs),
        time.perf_counter() - t0,
    )
