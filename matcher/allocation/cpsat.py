"""Run CP-SAT on a built model: parameters for a small machine, progress reports, early stop at
a known bound."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from matcher.allocation.model import BuiltModel
from matcher.progress import Progress, ProgressFn, relative_gap


@dataclass
class CpResult:
    status: str
    chosen: np.ndarray
    objective: float | None
    bound: float | None
    seconds: float
    values: np.ndarray | None = None  # every model variable's value (for fairness shortfalls)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(
        self, start: float, on_progress: ProgressFn | None, outer_bound: float | None, phase: str
    ):
        super().__init__()
        self.start = start
        self.on_progress = on_progress
        self.outer_bound = outer_bound
        self.phase = phase

    def on_solution_callback(self) -> None:
        obj = self.objective_value
        bound = self.best_objective_bound
        if self.outer_bound is not None:
            bound = min(bound, self.outer_bound)
        if self.on_progress:
            self.on_progress(Progress(time.perf_counter() - self.start, obj, bound, self.phase))
        if self.outer_bound is not None and obj >= math.floor(self.outer_bound + 1e-6):
            self.stop_search()


def run_cpsat(
    built: BuiltModel,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    outer_bound: float | None = None,
    on_progress: ProgressFn | None = None,
    start: float | None = None,
    phase: str = "cp-sat",
    presolve: bool = True,
    log: bool = False,
    params: dict[str, Any] | None = None,
) -> CpResult:
    """Solve `built` within `time_limit` seconds; `outer_bound` (e.g. the LP's) tightens the
    reported bound and stops the search once reached; `params` sets further CP-SAT parameters
    (e.g. {"linearization_level": 2})."""
    start = time.perf_counter() if start is None else start
    t0 = time.perf_counter()
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.1, float(time_limit))
    p.num_workers = max(1, int(workers))
    p.random_seed = int(seed)
    p.cp_model_presolve = presolve
    p.log_search_progress = log
    for key, value in (params or {}).items():
        setattr(p, key, value)
    reporter = _Reporter(start, on_progress, outer_bound, phase)
    status = solver.solve(built.model, reporter)
    name = solver.status_name(status)
    n = built.n_pairs
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.asarray(solver.response_proto.solution, dtype=np.int64)
        chosen = values[:n].astype(bool)
        objective = float(solver.objective_value)
        bound = float(solver.best_objective_bound)
        if outer_bound is not None:
            bound = min(bound, outer_bound)
        if name == "FEASIBLE" and relative_gap(objective, bound) == 0.0:
            name = "OPTIMAL"
        return CpResult(name, chosen, objective, bound, time.perf_counter() - t0, values)
    return CpResult(name, np.zeros(n, dtype=bool), None, None, time.perf_counter() - t0)
