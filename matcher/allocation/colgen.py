"""The LP relaxation by column generation: exact LP bound and duals without the whole LP.

Most candidate pairs can never matter (a placement with three seats takes three of its hundreds
of candidates), so HiGHS solves the LP over a small active set of columns and keeps its basis
between rounds (GLOP through OR-Tools restarts from scratch when columns arrive); the duals y of
that restricted LP price every triple of the table in one sparse pass (reduced profit = score −
Aᵀy), and the best columns that price out join the next round. When none prices out, the
restricted optimum is the LP optimum of the whole table.

Every round also gives a valid upper bound: raising each client row's dual by its best positive
reduced profit makes y feasible for the full dual, so Σ y·rhs + Σ_clients max(0, best reduced
profit) bounds the LP (and so the allocation) from above — before the end too.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.allocation.flow import NEG, FlowNet, _first_active

ROUND_COLUMNS = 20_000  # at most this many new columns per round (the best priced first)
PER_CLIENT = 2  # … and at most this many per client
TOL = 1e-6


@dataclass
class ColumnLpResult:
    """The LP relaxation over the whole table, as far as column generation got."""

    status: str  # OPTIMAL (nothing prices out), TIME_LIMIT, or the LP solver's failure
    bound: float | None  # best valid upper bound met (the LP optimum when OPTIMAL)
    value: float | None  # the last restricted LP's optimum
    x: np.ndarray  # per triple (0 outside the active set)
    duals: np.ndarray  # per row, the last restricted LP's duals
    reduced: np.ndarray  # per triple: score − Aᵀy at the last duals (≤ 0 everywhere when OPTIMAL)
    active: np.ndarray  # the columns of the last restricted LP
    rounds: int
    seconds: float
    log: list[dict[str, float]] = field(default_factory=list)


def highs_available() -> bool:
    """Is a HiGHS Python binding importable (`highspy`, or the one inside SciPy ≥ 1.15)?"""
    try:
        _highs_module()
    except (ImportError, AttributeError):
        return False
    return True


def _highs_module() -> tuple[Any, Any]:
    """HiGHS' own Python binding: `highspy` when installed, else the copy SciPy ships (private
    to SciPy, so `highs_available` guards its use)."""
    try:
        import highspy

        return highspy, highspy.Highs
    except ImportError:
        from scipy.optimize._highspy import _core

        return _core, _core._Highs


class RestrictedLp:
    """HiGHS over a growing set of columns of `net.rows` (interior point for the first solve, then
    the simplex warm-started from the last basis): every row exists from the start, columns
    arrive in batches; x ≥ 0 (the client rows cap it at 1), maximise score·x."""

    def __init__(self, net: FlowNet, score: np.ndarray) -> None:
        self.net = net
        self.rows = net.rows
        self.score = np.asarray(score, dtype=np.float64)
        self.csc = self.rows.matrix.astype(np.float64).tocsc()
        self.transposed = self.csc.T.tocsr()  # Aᵀ for pricing: one float copy, made once
        module, highs = _highs_module()
        self.highs = highs()
        self.highs.setOptionValue("output_flag", False)
        inf = self.highs.getInfinity()
        self.inf = inf
        eq = self.rows.lo >= 1
        n_rows = len(self.rows.hi)
        lo = np.where(eq, self.rows.lo, -inf).astype(np.float64)
        hi = self.rows.hi.astype(np.float64)
        self.highs.addRows(
            n_rows, lo, hi, 0, np.zeros(1, np.int32), np.zeros(0, np.int32), np.zeros(0)
        )
        self.highs.changeObjectiveSense(module.ObjSense.kMaximize)
        self.status_name = self.highs.modelStatusToString
        self.optimal = module.HighsModelStatus.kOptimal
        self.cols = np.zeros(0, dtype=np.int64)
        self.in_model = np.zeros(len(self.score), dtype=bool)
        self.solves = 0

    def add(self, cols: np.ndarray) -> int:
        """Add the columns not yet in the model; returns how many were new."""
        cols = np.asarray(cols, dtype=np.int64)
        cols = np.unique(cols[~self.in_model[cols]])
        if not len(cols):
            return 0
        sub = self.csc[:, cols]
        self.highs.addCols(
            len(cols),
            self.score[cols],
            np.zeros(len(cols)),
            np.full(len(cols), self.inf),
            int(sub.nnz),
            sub.indptr[:-1].astype(np.int32),
            sub.indices.astype(np.int32),
            sub.data.astype(np.float64),
        )
        self.in_model[cols] = True
        self.cols = np.concatenate([self.cols, cols])
        return len(cols)

    def solve(self, time_limit: float) -> tuple[str, float | None, np.ndarray, np.ndarray]:
        """(status, value, x over the model's columns, duals per row of `rows`). The first solve
        is an interior point with crossover (from scratch it is ~2× faster than the simplex);
        later ones warm-start the simplex from the last basis."""
        self.highs.setOptionValue("solver", "ipm" if self.solves == 0 else "simplex")
        self.solves += 1
        self.highs.setOptionValue("time_limit", float(max(0.1, time_limit)))
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != self.optimal:
            name = self.status_name(status)
            return (
                ("TIME_LIMIT" if "limit" in name.lower() else name.upper()),
                None,
                np.zeros(len(self.cols)),
                np.zeros(len(self.rows.hi)),
            )
        sol = self.highs.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        y = np.asarray(sol.row_dual, dtype=np.float64)
        return "OPTIMAL", float(self.highs.getObjectiveValue()), x, y


def dual_bound(
    net: FlowNet, score: np.ndarray, y: np.ndarray, transposed: sp.spmatrix | None = None
) -> tuple[float, np.ndarray, np.ndarray]:
    """A valid upper bound from any row prices y: (bound, reduced profit per triple, per-client
    best positive reduced profit). Inequality rows' prices are clipped at 0 first. `transposed`
    (Aᵀ as float, CSR) saves converting the rows on every call."""
    rows = net.rows
    eq = rows.lo >= 1
    y = np.where(eq, y, np.maximum(y, 0.0))
    at = transposed if transposed is not None else rows.matrix.T.astype(np.float64)
    reduced = np.asarray(score, dtype=np.float64) - at @ y
    best = (
        np.maximum(np.maximum.reduceat(reduced, net.client_start), 0.0)
        if len(reduced)
        else np.zeros(0)
    )
    rhs = np.where(eq, rows.lo, rows.hi).astype(np.float64)
    return float(y @ rhs + best.sum()), reduced, best


def _entering(
    net: FlowNet, reduced: np.ndarray, in_model: np.ndarray, usable: np.ndarray
) -> np.ndarray:
    """The best priced-out columns: per client up to PER_CLIENT, at most ROUND_COLUMNS in all."""
    cand = np.flatnonzero((reduced > TOL) & ~in_model & usable)
    if not len(cand):
        return cand
    run = net.run_of[cand]
    order = np.lexsort((-reduced[cand], run))
    cand, run = cand[order], run[order]
    start = np.searchsorted(run, run, side="left")
    rank = np.arange(len(cand)) - start
    cand = cand[rank < PER_CLIENT]
    if len(cand) > ROUND_COLUMNS:
        cand = cand[np.argpartition(-reduced[cand], ROUND_COLUMNS)[:ROUND_COLUMNS]]
    return cand


def solve_lp_columns(
    net: FlowNet,
    score: np.ndarray,
    *,
    time_limit: float,
    initial: np.ndarray | None = None,
    on_round: Callable[[dict[str, float]], None] | None = None,
) -> ColumnLpResult:
    """The LP relaxation of the rows of `net` with objective `score`, by column generation within
    `time_limit` seconds (the best valid bound so far is returned on time-out)."""
    t0 = time.perf_counter()
    score = np.asarray(score, dtype=np.float64)
    n = len(score)
    usable = score > 0
    usable[net.lock_row >= 0] = True  # a locked pair is needed whatever its score
    lp = RestrictedLp(net, score)
    if initial is None:
        val = np.where(usable, np.rint(score).astype(np.int64), NEG)
        initial = _first_active(net, val, net.rows.hi.astype(np.int64))
    lp.add(np.concatenate([initial, np.flatnonzero(net.lock_row >= 0)]))
    best_bound = math.inf
    status, value = "TIME_LIMIT", None
    x_cols = np.zeros(0)
    y = np.zeros(len(net.rows.hi))
    reduced = score.copy()
    log: list[dict[str, float]] = []
    rounds = 0
    while True:
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            status = "TIME_LIMIT"
            break
        rounds += 1
        st, val_lp, x_new, y_new = lp.solve(left)
        if st != "OPTIMAL":
            status = st
            break
        assert val_lp is not None  # an OPTIMAL solve has a value
        value, x_cols, y = val_lp, x_new, y_new
        bound, reduced, _ = dual_bound(net, score, y, lp.transposed)
        best_bound = min(best_bound, bound)
        entering = _entering(net, reduced, lp.in_model, usable)
        entry = {
            "round": float(rounds),
            "t": round(time.perf_counter() - t0, 3),
            "lp": float(val_lp),
            "bound": float(best_bound),
            "columns": float(len(lp.cols)),
            "entering": float(len(entering)),
        }
        log.append(entry)
        if on_round:
            on_round(entry)
        if not len(entering):
            status = "OPTIMAL"
            break
        lp.add(entering)
    x = np.zeros(n)
    if len(x_cols):
        x[lp.cols[: len(x_cols)]] = np.clip(x_cols, 0.0, 1.0)
    return ColumnLpResult(
        status=status,
        bound=best_bound if math.isfinite(best_bound) else None,
        value=value,
        x=x,
        duals=y,
        reduced=reduced,
        active=lp.cols.copy(),
        rounds=rounds,
        seconds=time.perf_counter() - t0,
        log=log,
    )
