"""LP relaxation of the allocation: an upper bound on the optimum and a near-integral solution
to round (the structure is an assignment with a few budget rows, so the LP is almost integral).

HiGHS (through scipy, built from the same sparse rows as the CP-SAT model) solves it exactly on
regional sizes; for very large tables `matcher.pdlp` gives a first-order bound instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from matcher.allocation.constraints import Rows
from matcher.allocation.fairness import SCALE, FairnessUnits


@dataclass(frozen=True)
class LpResult:
    """The relaxation's value (an upper bound when optimal), its x, and the row duals."""

    status: str
    bound: float | None
    x: np.ndarray
    duals: np.ndarray  # ≥ 0 prices of the ≤ rows (same order as rows), zeros when unknown
    seconds: float


def lp_matrices(
    rows: Rows, objective: np.ndarray, units: FairnessUnits | None, fairness_weight: float
):
    """(c, A_ub, b_ub, A_eq, b_eq, bounds, eq) of the relaxation in linprog's minimisation form.

    Variables: the n pairs, then (with fairness floors) one shortfall per unit and the total T.
    """
    n = rows.matrix.shape[1]
    k = len(units) if units is not None else 0
    extra = k + 1 if k else 0
    c = np.concatenate(
        [
            -np.asarray(objective, dtype=float),
            np.full(k, float(fairness_weight)),
            np.zeros(extra - k),
        ]
    )
    eq = rows.lo >= 1
    m = rows.matrix.astype(float).tocsr()

    def widen(a: sp.spmatrix) -> sp.csr_matrix:
        return (
            sp.csr_matrix(sp.hstack([a, sp.csr_matrix((a.shape[0], extra))]))
            if extra
            else sp.csr_matrix(a)
        )

    a_ub, b_ub = widen(m[~eq]), rows.hi[~eq].astype(float)
    a_eq, b_eq = widen(m[eq]), rows.lo[eq].astype(float)
    if k:
        assert units is not None  # k counts the fairness units
        share = units.coeff() / SCALE
        # −placed_u − short_u + share_u·T ≤ 0
        fair = sp.hstack(
            [-units.member.astype(float), -sp.identity(k), sp.csr_matrix(share[:, None])]
        )
        a_ub = sp.csr_matrix(sp.vstack([a_ub, fair]))
        b_ub = np.concatenate([b_ub, np.zeros(k)])
        # Σx − T = 0
        total = sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(k), [-1.0]])[None, :])
        a_eq = sp.csr_matrix(sp.vstack([a_eq, total]))
        b_eq = np.concatenate([b_eq, [0.0]])
    bounds = np.zeros((n + extra, 2))
    bounds[:n, 1] = 1.0
    bounds[n:, 1] = np.inf
    has_eq = a_eq.shape[0] > 0
    return c, a_ub, b_ub, (a_eq if has_eq else None), (b_eq if has_eq else None), bounds, eq


def solve_lp(
    rows: Rows,
    objective: np.ndarray,
    units: FairnessUnits | None = None,
    fairness_weight: float = 0.0,
    time_limit: float = 60.0,
) -> LpResult:
    """Solve the relaxation with HiGHS; a time-out gives status 'TIME_LIMIT' and no bound."""
    start = time.perf_counter()
    n = rows.matrix.shape[1]
    c, a_ub, b_ub, a_eq, b_eq, bounds, eq = lp_matrices(rows, objective, units, fairness_weight)
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs",
        options={"time_limit": max(1.0, time_limit), "presolve": True},
    )
    seconds = time.perf_counter() - start
    duals = np.zeros(len(rows.lo))
    if res.status == 0:
        ub_duals = -np.asarray(res.ineqlin.marginals)[: int((~eq).sum())]
        duals[~eq] = ub_duals
        return LpResult("OPTIMAL", float(-res.fun), np.clip(res.x[:n], 0, 1), duals, seconds)
    status = {1: "TIME_LIMIT", 2: "INFEASIBLE", 3: "UNBOUNDED"}.get(res.status, "ERROR")
    x = np.clip(res.x[:n], 0, 1) if res.x is not None else np.zeros(n)
    return LpResult(status, None, x, duals, seconds)
