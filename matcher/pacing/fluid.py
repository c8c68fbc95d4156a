"""The fluid LP of a stretch of weeks: clients (weighted), seat-weeks per placement, pool budgets.

The `dual` policy's prices come from it (the expected rest of the year). Variables are pair-table
rows x ∈ [0, the client's weight] (a weighted client stands for that many); rows: each client
Σx ≤ weight, each placement Σ x·weeks held ≤ seat-weeks available, each pool Σ cost·x ≤ budget. HiGHS (scipy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from matcher.pairs.table import PairTable


@dataclass(frozen=True)
class FluidResult:
    """LP value, solution and the budget rows' prices (points per €, one per pool row)."""

    value: float
    x: np.ndarray
    prices: np.ndarray
    status: str


def solve_fluid(
    pairs: PairTable,
    value: np.ndarray,
    client_weight: np.ndarray,
    seat_use: np.ndarray,
    seat_weeks: np.ndarray,
    budgets: np.ndarray,
) -> FluidResult:
    """Maximise Σ value·x over the rows above; prices are the budget rows' duals (≥ 0)."""
    n, n_pools = len(pairs), len(budgets)
    if n == 0:
        return FluidResult(0.0, np.zeros(0), np.zeros(n_pools), "EMPTY")
    cols = np.arange(n)
    n_c, n_p = len(client_weight), len(seat_weeks)
    paid = pairs.pool >= 0
    a_client = sp.csr_matrix((np.ones(n), (pairs.client, cols)), shape=(n_c, n))
    a_seat = sp.csr_matrix((seat_use.astype(float), (pairs.placement, cols)), shape=(n_p, n))
    a_pool = sp.csr_matrix((pairs.cost[paid], (pairs.pool[paid], cols[paid])), shape=(n_pools, n))
    a = sp.vstack([a_client, a_seat, a_pool]).tocsr()
    bounds = np.column_stack([np.zeros(n), np.asarray(client_weight, dtype=float)[pairs.client]])
    b = np.concatenate([client_weight, np.maximum(seat_weeks, 0), np.maximum(budgets, 0)])
    res = linprog(-np.asarray(value, dtype=float), A_ub=a, b_ub=b, bounds=bounds, method="highs")
    if res.status != 0 or res.x is None:
        return FluidResult(0.0, np.zeros(n), np.zeros(n_pools), f"FAILED: {res.message}")
    duals = -np.asarray(res.ineqlin.marginals)[n_c + n_p :]
    return FluidResult(float(-res.fun), res.x, np.maximum(duals, 0.0), "OPTIMAL")
