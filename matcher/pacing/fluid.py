"""The fluid LP of a stretch of weeks: clients (weighted), seat-weeks per placement, pool budgets.

The `dual` policy's prices come from it (the expected rest of the year). Variables are pair-table
rows x ≥ 0 (a weighted client stands for that many); rows: each client Σx ≤ weight, each
placement Σ x·weeks held ≤ seat-weeks available, each pool Σ cost·x ≤ budget. Solved by column
generation (HiGHS via scipy on the columns found so far, reduced values of every pair priced in
numpy): the whole LP over 3 000-client years took 10–20 s of HiGHS per re-pricing, the
restricted one a fraction of it at the same optimum (`rounds`/`time_limit` cap it; the duals
of the last restricted LP are then used, a valid dual point of that LP).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from matcher.pairs.table import PairTable

START_COLUMNS = 4  # per client: its best pairs by value enter the first restricted LP
ENTER = 3  # per client and round: at most this many pairs of positive reduced value enter


@dataclass(frozen=True)
class FluidResult:
    """LP value, solution, the budget rows' prices (points per €, one per pool row) and the
    seat rows' (points per seat-week, one per placement), rounds of column generation."""

    value: float
    x: np.ndarray
    prices: np.ndarray
    status: str
    seat_prices: np.ndarray
    rounds: int = 0


def _top_per_client(client: np.ndarray, key: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """Of `rows`, each client's `k` best by `key` (descending)."""
    order = rows[np.lexsort((-key[rows], client[rows]))]
    c = client[order]
    rank = np.arange(len(order)) - np.searchsorted(c, c)
    return np.sort(order[rank < k])


def solve_fluid(
    pairs: PairTable,
    value: np.ndarray,
    client_weight: np.ndarray,
    seat_use: np.ndarray | sp.csc_matrix,
    seat_weeks: np.ndarray,
    budgets: np.ndarray,
    rounds: int = 40,
    time_limit: float = 60.0,
    tol: float = 1e-6,
) -> FluidResult:
    """Maximise Σ value·x over the rows above; prices are the rows' duals (≥ 0). `seat_use` is
    per pair its seat-weeks on its placement's row, or a (seat rows × pairs) matrix when a
    column holds seats on several rows (placement × block of weeks); `seat_weeks` per row."""
    n, n_pools, n_p = len(pairs), len(budgets), len(seat_weeks)
    if n == 0:
        return FluidResult(0.0, np.zeros(0), np.zeros(n_pools), "EMPTY", np.zeros(n_p))
    t0 = time.perf_counter()
    value = np.asarray(value, dtype=float)
    if isinstance(seat_use, np.ndarray):
        seat_use = sp.csc_matrix(
            (np.asarray(seat_use, dtype=float), (pairs.placement, np.arange(n))), shape=(n_p, n)
        )
    use = sp.csc_matrix(seat_use)
    use_t = use.T.tocsr()
    weight = np.asarray(client_weight, dtype=float)
    n_c = len(weight)
    paid = pairs.pool >= 0
    pool = np.maximum(pairs.pool, 0)
    cost = np.where(paid, pairs.cost, 0.0)
    b = np.concatenate([weight, np.maximum(seat_weeks, 0), np.maximum(budgets, 0)])
    cols = _top_per_client(pairs.client, value, np.flatnonzero(value > 0), START_COLUMNS)
    in_lp = np.zeros(n, dtype=bool)
    in_lp[cols] = True
    y_seat, y_pool = np.zeros(n_p), np.zeros(n_pools)
    fun, xs, k = 0.0, np.zeros(0), 0
    for k in range(1, rounds + 1):
        m = len(cols)
        j = np.arange(m)
        a = sp.vstack(
            [
                sp.csr_matrix((np.ones(m), (pairs.client[cols], j)), shape=(n_c, m)),
                use[:, cols],
                sp.csr_matrix(
                    (cost[cols][paid[cols]], (pool[cols][paid[cols]], j[paid[cols]])),
                    shape=(n_pools, m),
                ),
            ]
        ).tocsr()
        res = linprog(-value[cols], A_ub=a, b_ub=b, bounds=(0, None), method="highs")
        if res.status != 0 or res.x is None:
            return FluidResult(
                0.0, np.zeros(n), np.zeros(n_pools), f"FAILED: {res.message}", np.zeros(n_p), k
            )
        fun, xs = float(-res.fun), res.x
        duals = np.maximum(-np.asarray(res.ineqlin.marginals), 0.0)
        y_client, y_seat, y_pool = duals[:n_c], duals[n_c : n_c + n_p], duals[n_c + n_p :]
        reduced = value - y_client[pairs.client] - use_t @ y_seat
        reduced -= cost * y_pool[pool]
        cand = np.flatnonzero((reduced > tol * max(1.0, float(np.abs(value).max()))) & ~in_lp)
        if not len(cand) or time.perf_counter() - t0 > time_limit:
            break
        new = _top_per_client(pairs.client, reduced, cand, ENTER)
        in_lp[new] = True
        cols = np.concatenate([cols, new])
    x = np.zeros(n)
    x[cols] = xs
    return FluidResult(fun, x, y_pool, "OPTIMAL", y_seat, k)
