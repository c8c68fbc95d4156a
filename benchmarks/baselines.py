"""Baselines over the same pair table and rows as the engine, for the benchmark's comparisons.

- greedy by priority: clients in decreasing priority, each takes its best-scoring pair that fits;
- the LP relaxation bound: PDLP (first-order, scales to millions of columns) for a time, then a
  *valid* bound from its duals — λ on the budget rows priced into an exact min-cost flow
  (`matcher.allocation.lagrange.Dual`), never PDLP's own non-converged objective; GLOP for small tables;
- min-cost flow without budgets: an upper bound (a relaxation), not an allocation;
- a MIP through OR-Tools (SCIP or HiGHS, model built from the sparse rows in one call);
- naive CP-SAT: the engine's model without hint, CP-SAT's default parameters and a time limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.linear_solver.python import model_builder as mb
from ortools.pdlp import solve_log_pb2, solvers_pb2
from ortools.pdlp.python import pdlp
from ortools.sat.python import cp_model

from matcher.allocation.constraints import Rows
from matcher.allocation.flow import FlowNet, flow_net, max_weight_assignment
from matcher.allocation.lagrange import Dual
from matcher.allocation.model import build_cp_model
from matcher.allocation.repair import greedy


@dataclass
class BaselineResult:
    """What a baseline found: an allocation (objective) and/or a valid upper bound."""

    method: str
    status: str
    objective: float | None
    bound: float | None
    chosen: np.ndarray | None
    seconds: float
    build_seconds: float = 0.0
    history: list[tuple[float, float]] = field(default_factory=list)  # (seconds, objective)
    stats: dict[str, Any] = field(default_factory=dict)


def greedy_by_priority(rows: Rows, score: np.ndarray, priority: np.ndarray) -> BaselineResult:
    """Clients by decreasing priority (then pairs by score): each pair is taken when it fits."""
    t0 = time.perf_counter()
    order = np.lexsort((-np.asarray(score), -np.asarray(priority)))
    chosen = greedy(rows, order)
    value = float(np.asarray(score)[chosen].sum())
    seconds = time.perf_counter() - t0
    return BaselineResult(
        "greedy", "FEASIBLE", value, None, chosen, seconds, history=[(seconds, value)]
    )


def flow_without_budgets(
    rows: Rows, score: np.ndarray, net: FlowNet | None = None
) -> BaselineResult:
    """The best assignment ignoring budgets: its value bounds the allocation from above."""
    t0 = time.perf_counter()
    net = net or flow_net(rows, score)
    build = time.perf_counter() - t0
    res = max_weight_assignment(net, np.asarray(score, dtype=np.float64), active=np.arange(net.n))
    budget = rows.of("budget")
    use = np.asarray(rows.matrix[budget] @ res.chosen.astype(np.int64)).ravel()
    over = float(np.maximum(use - rows.hi[budget], 0).sum() / max(rows.hi[budget].sum(), 1))
    return BaselineResult(
        "flow",
        "RELAXATION",
        None,
        res.bound,
        None,
        time.perf_counter() - t0,
        build_seconds=build,
        stats={
            "value": res.value,
            "overspend_share": round(over, 4),
            "placed": int(res.chosen.sum()),
        },
    )


def lp_bound(
    rows: Rows,
    score: np.ndarray,
    *,
    time_limit: float,
    solver: str = "pdlp",
    net: FlowNet | None = None,
) -> BaselineResult:
    """The LP relaxation over every column with OR-Tools: GLOP (exact) or PDLP (first-order).
    With PDLP the reported bound is the Lagrangian bound at its budget duals (always valid)."""
    t0 = time.perf_counter()
    score = np.asarray(score, dtype=np.float64)
    n = rows.matrix.shape[1]
    eq = rows.lo >= 1
    lo = np.where(eq, rows.lo, -np.inf).astype(np.float64)
    hi = rows.hi.astype(np.float64)
    if solver == "glop":
        model = mb.Model()
        model.helper.fill_model_from_sparse_data(
            np.zeros(n), np.ones(n), score, lo, hi, rows.matrix.astype(np.float64).tocsr()
        )
        model.helper.set_maximize(True)
        build = time.perf_counter() - t0
        s = mb.Solver("glop")
        s.set_time_limit_in_seconds(time_limit)
        status = s.solve(model)
        ok = status == mb.SolveStatus.OPTIMAL
        bound = float(s.objective_value) if ok else None
        return BaselineResult(
            "lp",
            "OPTIMAL" if ok else str(status.name),
            None,
            bound,
            None,
            time.perf_counter() - t0,
            build,
        )
    qp = pdlp.QuadraticProgram()
    qp.objective_vector = -score
    qp.constraint_matrix = rows.matrix.astype(np.float64).tocsc()
    qp.constraint_lower_bounds = lo
    qp.constraint_upper_bounds = hi
    qp.variable_lower_bounds = np.zeros(n)
    qp.variable_upper_bounds = np.ones(n)
    build = time.perf_counter() - t0
    params = solvers_pb2.PrimalDualHybridGradientParams()
    params.termination_criteria.time_sec_limit = max(1.0, time_limit)
    params.termination_criteria.simple_optimality_criteria.eps_optimal_relative = 1e-7
    params.termination_criteria.simple_optimality_criteria.eps_optimal_absolute = 1e-7
    params.num_threads = 2
    res = pdlp.primal_dual_hybrid_gradient(qp, params)
    y = np.asarray(res.dual_solution)
    budget = rows.of("budget")
    lam = np.maximum(-y[budget], 0.0) if len(budget) else np.zeros(0)
    t_pdlp = time.perf_counter() - t0
    dual = Dual(net or flow_net(rows, score), score)
    ev = dual.evaluate(lam)
    reason = solve_log_pb2.TerminationReason.Name(res.solve_log.termination_reason)
    return BaselineResult(
        "lp",
        reason.replace("TERMINATION_REASON_", ""),
        None,
        ev.bound if ev.feasible else None,
        None,
        time.perf_counter() - t0,
        build,
        stats={"pdlp_seconds": round(t_pdlp, 3), "iterations": int(res.solve_log.iteration_count)},
    )


def mip_ortools(
    rows: Rows, score: np.ndarray, *, time_limit: float, solver: str = "scip"
) -> BaselineResult:
    """The 0/1 program over every column, built in one sparse call and solved by SCIP or HiGHS
    through OR-Tools' model builder (no start, default settings)."""
    t0 = time.perf_counter()
    score = np.asarray(score, dtype=np.float64)
    n = rows.matrix.shape[1]
    eq = rows.lo >= 1
    model = mb.Model()
    model.helper.fill_model_from_sparse_data(
        np.zeros(n),
        np.ones(n),
        score,
        np.where(eq, rows.lo, -np.inf).astype(np.float64),
        rows.hi.astype(np.float64),
        rows.matrix.astype(np.float64).tocsr(),
    )
    for j in range(n):
        model.helper.set_var_integrality(j, True)
    model.helper.set_maximize(True)
    build = time.perf_counter() - t0
    s = mb.Solver(solver)
    if not s.solver_is_supported():
        raise RuntimeError(f"OR-Tools has no {solver} solver here")
    s.set_time_limit_in_seconds(time_limit)
    status = s.solve(model)
    seconds = time.perf_counter() - t0
    chosen = None
    objective = None
    if status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE):
        x = np.asarray(s.values(model.get_variables()))
        chosen = x > 0.5
        objective = float(score[chosen].sum())
    bound = (
        float(s.best_objective_bound)
        if status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE)
        else None
    )
    if bound is not None and not math.isfinite(bound):
        bound = None
    history = [(seconds, objective)] if objective is not None else []
    return BaselineResult(
        f"mip-{solver}", status.name, objective, bound, chosen, seconds, build, history
    )


class _Trace(cp_model.CpSolverSolutionCallback):
    def __init__(self, t0: float) -> None:
        super().__init__()
        self.t0 = t0
        self.points: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        self.points.append((time.perf_counter() - self.t0, float(self.objective_value)))


def naive_cpsat(rows: Rows, score: np.ndarray, *, time_limit: float) -> BaselineResult:
    """CP-SAT on the engine's model with default parameters (all cores), no hint, no LP bound."""
    t0 = time.perf_counter()
    built = build_cp_model(rows, np.asarray(score, dtype=np.int64))
    build = time.perf_counter() - t0
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    trace = _Trace(t0)
    status = solver.solve(built.model, trace)
    name = solver.status_name(status)
    chosen = None
    objective = None
    bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.asarray(solver.response_proto.solution, dtype=np.int64)
        chosen = values[: built.n_pairs].astype(bool)
        objective = float(solver.objective_value)
        bound = float(solver.best_objective_bound)
    return BaselineResult(
        "cpsat-naive", name, objective, bound, chosen, time.perf_counter() - t0, build, trace.points
    )
