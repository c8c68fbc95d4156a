"""HiGHS branch-and-cut over a set of columns of the shared rows, from a known allocation.

The LP of the allocation is almost integral, so a MIP solver whose root LP already sits at the
LP optimum, started from the rounded allocation, repacks the few budget-binding parts well (its
sub-MIP heuristics do what an LNS does). It runs on the columns column generation kept (plus the
start); with every column it is exact. Improving solutions are reported as they come, and the
search stops at the time limit or once the objective reaches a given target (e.g. floor of a
bound known from elsewhere).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.allocation.colgen import _highs_module
from matcher.allocation.constraints import Rows


@dataclass
class MipResult:
    """Best allocation found (full length over the pair table), its objective, and the MIP's
    own bound — valid for the whole problem only when `restricted` is False."""

    status: str
    chosen: np.ndarray
    objective: float | None
    bound: float | None
    restricted: bool
    seconds: float
    improvements: int = 0


_QUIET_LOCK = threading.Lock()
_QUIET = {"depth": 0, "saved": -1}


@contextlib.contextmanager
def _quiet_stdout(quiet: bool) -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints debug lines there even with output_flag off). Safe
    across threads: the first one in redirects, the last one out restores."""
    if not quiet:
        yield
        return
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield  # no real stdout (captured by a test runner): nothing to silence
        return
    with _QUIET_LOCK:
        if _QUIET["depth"] == 0:
            sys.stdout.flush()
            _QUIET["saved"] = os.dup(fd)
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)
        _QUIET["depth"] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET["depth"] -= 1
            if _QUIET["depth"] == 0:
                os.dup2(_QUIET["saved"], fd)
                os.close(_QUIET["saved"])


def solve_mip(
    rows: Rows,
    score: np.ndarray,
    *,
    columns: np.ndarray | None = None,
    time_limit: float,
    start: np.ndarray | None = None,
    stop_at: float | None = None,
    on_improve: Callable[[float], None] | None = None,
    should_stop: Callable[[float], bool] | None = None,
    log: bool = False,
) -> MipResult:
    """Maximise score·x over 0/1 x on `columns` (all when None), within `rows`; `start` (bool over
    all triples) must be feasible and inside `columns`; `should_stop(dual bound)` is asked now and
    then (e.g. whether a search running alongside has reached the bound)."""
    t0 = time.perf_counter()
    n = rows.matrix.shape[1]
    score = np.asarray(score, dtype=np.float64)
    cols = np.arange(n) if columns is None else np.unique(np.asarray(columns, dtype=np.int64))
    restricted = len(cols) < n
    sub = rows.matrix.tocsc()[:, cols] if restricted else rows.matrix.tocsc()
    used = np.flatnonzero(np.bincount(sub.indices, minlength=len(rows.hi)) > 0)
    eq = rows.lo[used] >= 1
    k = len(cols)
    run = run_highs(
        Lp(
            sub[used, :],
            np.where(eq, rows.lo[used], -np.inf),
            rows.hi[used],
            score[cols],
            np.zeros(k),
            np.ones(k),
        ),
        np.ones(k, dtype=bool),
        time_limit=time_limit,
        start=None if start is None else np.asarray(start, dtype=bool)[cols].astype(np.float64),
        stop_at=stop_at,
        on_improve=on_improve,
        should_stop=should_stop,
        log=log,
    )
    chosen = np.zeros(n, dtype=bool)
    objective = None
    if run.x is not None:
        chosen[cols[run.x > 0.5]] = True
        objective = float(score[chosen].sum())
    status = run.status
    return MipResult(
        status, chosen, objective, run.bound, restricted, time.perf_counter() - t0, run.improvements
    )


@dataclass
class HighsRun:
    """What one HiGHS MIP run found: status, the best x (None if none), its objective, the dual
    bound, and how many improving solutions came."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    improvements: int


@dataclass(frozen=True)
class Lp:
    """max objective·x subject to row_lo ≤ matrix·x ≤ row_hi and col_lo ≤ x ≤ col_hi (a
    non-finite bound is no bound): a model handed to HiGHS whole."""

    matrix: Any
    row_lo: np.ndarray
    row_hi: np.ndarray
    objective: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray


def highs_lp(lp: Lp, log: bool = False) -> tuple[Any, Any]:
    """(HiGHS' module, a new HiGHS instance holding `lp`): the one place this package loads a
    whole model (the MIP here, the cut rounds' LP, the shortlists' level model and its LP)."""
    module, highs_cls = _highs_module()
    h = highs_cls()
    h.setOptionValue("output_flag", bool(log))
    inf = h.getInfinity()
    csc = lp.matrix.tocsc()
    n_rows, n_cols = csc.shape
    h.addRows(
        n_rows,
        np.where(np.isfinite(lp.row_lo), lp.row_lo, -inf).astype(np.float64),
        np.where(np.isfinite(lp.row_hi), lp.row_hi, inf).astype(np.float64),
        0,
        np.zeros(1, np.int32),
        np.zeros(0, np.int32),
        np.zeros(0),
    )
    h.addCols(
        n_cols,
        np.asarray(lp.objective, dtype=np.float64),
        np.asarray(lp.col_lo, dtype=np.float64),
        np.asarray(lp.col_hi, dtype=np.float64),
        int(csc.nnz),
        csc.indptr[:-1].astype(np.int32),
        csc.indices.astype(np.int32),
        csc.data.astype(np.float64),
    )
    h.changeObjectiveSense(module.ObjSense.kMaximize)
    return module, h


def run_highs(
    lp: Lp,
    integer: np.ndarray,
    *,
    time_limit: float,
    start: np.ndarray | None = None,
    stop_at: float | None = None,
    on_improve: Callable[[float], None] | None = None,
    should_stop: Callable[[float], bool] | None = None,
    log: bool = False,
    rel_gap: float = 1e-9,
    options: dict[str, Any] | None = None,
    late_start: np.ndarray | None = None,
) -> HighsRun:
    """Maximise `lp` (x integer where `integer`) with HiGHS branch-and-cut from `start` (a feasible x, or None).
    Improving solutions are reported as they come; the search stops at the time limit or once
    the objective reaches floor(stop_at) or `should_stop(dual bound)` says so."""
    t0 = time.perf_counter()
    module, h = highs_lp(lp, log)
    ints = np.flatnonzero(integer).astype(np.int32)
    if len(ints):
        h.changeColsIntegrality(len(ints), ints, np.full(len(ints), module.HighsVarType.kInteger))
    h.setOptionValue("time_limit", float(max(0.1, time_limit)))  # HiGHS' own check, and ours below
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    if start is not None:
        sol = module.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    found: dict[str, float] = {"count": 0, "best": -math.inf}
    cb_types = module.cb.HighsCallbackType
    target = None if stop_at is None else math.floor(stop_at + 1e-6)
    deadline = t0 + time_limit

    late = {"x": None if late_start is None else np.asarray(late_start, dtype=np.float64)}

    def callback(ctype: Any, _msg: str, out: Any, inp: Any, _user: Any) -> None:
        if ctype == cb_types.kCallbackMipUserSolution:
            if late["x"] is not None and out.mip_node_count > 0:
                inp.setSolution(late["x"])
                late["x"] = None
        elif ctype == cb_types.kCallbackMipImprovingSolution:
            found["count"] += 1
            found["best"] = max(found["best"], float(out.objective_function_value))
            if on_improve:
                on_improve(float(out.objective_function_value))
        elif ctype == cb_types.kCallbackMipInterrupt:
            reached = target is not None and found["best"] >= target - 1e-6
            asked = should_stop is not None and should_stop(float(out.mip_dual_bound))
            if reached or asked or time.perf_counter() > deadline:
                inp.user_interrupt = True

    h.setCallback(callback, None)
    h.startCallback(cb_types.kCallbackMipImprovingSolution)
    h.startCallback(cb_types.kCallbackMipInterrupt)
    if late_start is not None:
        h.startCallback(cb_types.kCallbackMipUserSolution)
    with _quiet_stdout(not log):
        h.run()
    info = h.getInfo()
    status_name = h.modelStatusToString(h.getModelStatus())
    solution = h.getSolution()
    x = None
    value = None
    if getattr(solution, "value_valid", False) and info.primal_solution_status >= 1:
        x = np.asarray(solution.col_value, dtype=np.float64)
        value = float(np.asarray(lp.objective, dtype=np.float64) @ x)
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    if not len(ints):  # an LP: HiGHS reports no MIP bound; the optimum is the bound
        bound = value if status_name == "Optimal" else None
    status = (
        "OPTIMAL"
        if status_name == "Optimal"
        else ("FEASIBLE" if x is not None else status_name.upper())
    )
    return HighsRun(status, x, value, bound, int(found["count"]))
