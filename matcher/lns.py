"""Large-neighbourhood search around the budget-binding parts of an allocation, with CP-SAT.

The LP optimum tells where an integral allocation loses against the bound: every unit of
budget left unspent in a priced pool, every priced seat left empty and every assignment with a
negative reduced profit (the bound minus the objective is exactly the sum of those terms). A
neighbourhood frees the placements one pool pays for (or that have priced empty seats), the
clients in them and the unassigned clients who could take them, keeps everything else fixed, and
lets CP-SAT re-solve that part exactly — a knapsack-like repacking of the pool's budget that
greedy rounding cannot do. Neighbourhoods are visited worst loss first, with the columns nearest
to the LP optimum (highest reduced profit) kept when a neighbourhood is too large.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model

from matcher.flow import FlowNet, distinct
from matcher.mip import solve_mip
from matcher.model import build_cp_model
from matcher.primal import row_use
from matcher.structure import Rows

MAX_COLUMNS = 6_000  # columns of one neighbourhood (the highest reduced profit kept)
STEP_SECONDS = 3.0  # CP-SAT time per neighbourhood (it usually proves the part optimal sooner)


@dataclass
class LnsResult:
    """The improved allocation and what the search did."""

    chosen: np.ndarray
    objective: float
    steps: int
    improved: int
    seconds: float
    log: list[dict[str, float | str]] = field(default_factory=list)


@dataclass
class Neighbourhood:
    """A named set of free columns (triples); everything else keeps its value."""

    name: str
    columns: np.ndarray
    loss: float


class Context:
    """Per-search data: the column-wise matrix, each placement's seats row and pool rows."""

    def __init__(self, net: FlowNet, score: np.ndarray) -> None:
        self.net = net
        self.rows = net.rows
        self.score = np.asarray(score, dtype=np.float64)
        self.csc = self.rows.matrix.tocsc()
        self.n_rows = len(self.rows.hi)


def sub_rows(ctx: Context, free: np.ndarray, fixed_use: np.ndarray) -> tuple[Rows, np.ndarray]:
    """Rows over the columns `free`, capacities reduced by the fixed part's use; only the rows
    the columns touch are kept. Returns (rows, kept row indices)."""
    rows = ctx.rows
    m = ctx.csc[:, free].tocsr()
    used = np.flatnonzero(np.diff(m.indptr) > 0)
    m = m[used]
    lo = rows.lo[used] - np.where(rows.lo[used] >= 1, fixed_use[used], 0)
    hi = rows.hi[used] - fixed_use[used]
    return (
        Rows(
            matrix=sp.csr_matrix(m),
            lo=np.maximum(lo, 0),
            hi=np.maximum(hi, 0),
            family=rows.family[used],
            owner=rows.owner[used],
            cost_cents=rows.cost_cents[free],
        ),
        used,
    )


def solve_part(
    ctx: Context,
    chosen: np.ndarray,
    free: np.ndarray,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    engine: str = "cpsat",
) -> tuple[np.ndarray, float] | None:
    """Re-solve the columns `free` with the rest of `chosen` fixed (by CP-SAT, or HiGHS when
    `engine` is "highs"); returns (new chosen, gain) when the part got strictly better."""
    free = np.asarray(free, dtype=np.int64)
    if not len(free):
        return None
    fixed = chosen.copy()
    fixed[free] = False
    part, _ = sub_rows(ctx, free, row_use(ctx.net, fixed))
    current = float(ctx.score[free][chosen[free]].sum())
    if engine == "highs":
        res = solve_mip(part, ctx.score[free], time_limit=time_limit, start=chosen[free])
        if res.objective is None or res.objective <= current + 1e-9:
            return None
        fixed[free[res.chosen]] = True
        return fixed, res.objective - current
    built = build_cp_model(part, ctx.score[free].astype(np.int64), hint=chosen[free])
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, time_limit)
    p.num_workers = workers
    p.random_seed = seed
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    value = float(solver.objective_value)
    if value <= current + 1e-9:
        return None
    values = np.asarray(solver.response_proto.solution, dtype=np.int64)[: len(free)].astype(bool)
    out = fixed
    out[free[values]] = True
    return out, value - current


def pool_neighbourhoods(
    ctx: Context, chosen: np.ndarray, reduced: np.ndarray, duals: np.ndarray, max_columns: int
) -> list[Neighbourhood]:
    """One neighbourhood per priced budget row and one for priced empty seats, worst loss first."""
    net, rows = ctx.net, ctx.rows
    use = row_use(net, chosen)
    slack = rows.hi - use
    y = np.maximum(duals, 0.0)
    seat_loss = np.where(rows.family == "seats", y * np.maximum(slack, 0), 0.0)
    out: list[Neighbourhood] = []
    budget_rows = rows.of("budget")
    placements_of = net.seats_row
    for f in budget_rows.tolist():
        cols_f = np.flatnonzero(net.budget_row == f)
        if not len(cols_f):
            continue
        seats = distinct(placements_of[cols_f], ctx.n_rows)
        loss = float(y[f] * max(slack[f], 0) + seat_loss[seats].sum())
        if loss <= 0 and y[f] <= 0:
            continue
        out.append(Neighbourhood(f"pool:{int(rows.owner[f])}", _around(ctx, chosen, reduced, seats, max_columns), loss))
    empty = np.flatnonzero(seat_loss > 0)
    if len(empty):
        out.append(Neighbourhood("empty-seats", _around(ctx, chosen, reduced, empty, max_columns), float(seat_loss.sum())))
    out.sort(key=lambda nb: -nb.loss)
    return out


def _around(ctx: Context, chosen: np.ndarray, reduced: np.ndarray, seats: np.ndarray, max_columns: int) -> np.ndarray:
    """Free columns around the seats rows `seats`: every column into them of a client who is
    unassigned or sits in one of them, plus those clients' other columns; the chosen ones always,
    then the highest reduced profit up to `max_columns`."""
    net = ctx.net
    in_seats = np.zeros(ctx.n_rows, dtype=bool)
    in_seats[seats] = True
    assigned = np.zeros(ctx.n_rows, dtype=bool)
    assigned[net.client_row[chosen]] = True
    inside = np.zeros(ctx.n_rows, dtype=bool)  # clients whose assignment is in `seats`
    inside[net.client_row[chosen & in_seats[net.seats_row]]] = True
    col_in = in_seats[net.seats_row]
    mine = inside[net.client_row]
    cand = (col_in & (~assigned[net.client_row] | mine)) | mine
    idx = np.flatnonzero(cand)
    keep = chosen[idx]
    must, rest = idx[keep], idx[~keep]
    room = max_columns - len(must)
    if len(rest) > room > 0:
        rest = rest[np.argpartition(-reduced[rest], room)[:room]]
    elif room <= 0:
        rest = rest[:0]
    return np.concatenate([must, rest])


def search(
    ctx: Context,
    chosen: np.ndarray,
    reduced: np.ndarray,
    duals: np.ndarray,
    *,
    time_limit: float,
    bound: float | None = None,
    workers: int = 2,
    seed: int = 0,
    max_columns: int = MAX_COLUMNS,
    engine: str = "cpsat",
    step_seconds: float = STEP_SECONDS,
    on_improve: Callable[[float], None] | None = None,
) -> LnsResult:
    """Visit pool and empty-seat neighbourhoods (worst loss first, again while any improves)
    until `time_limit` or the objective reaches floor(bound)."""
    t0 = time.perf_counter()
    best = chosen.copy()
    value = float(ctx.score[best].sum())
    steps = improved = 0
    log: list[dict[str, float | str]] = []
    size = max_columns
    while True:
        hoods = pool_neighbourhoods(ctx, best, reduced, duals, size)
        gained = False
        for hood in hoods:
            left = time_limit - (time.perf_counter() - t0)
            if left <= 0.05 or (bound is not None and value >= math.floor(bound + 1e-6)):
                return LnsResult(best, value, steps, improved, time.perf_counter() - t0, log)
            steps += 1
            res = solve_part(
                ctx, best, hood.columns, time_limit=min(step_seconds, left), workers=workers, seed=seed + steps, engine=engine
            )
            entry: dict[str, float | str] = {"t": round(time.perf_counter() - t0, 3), "hood": hood.name, "columns": float(len(hood.columns))}
            if res is not None:
                best, gain = res
                value += gain
                improved += 1
                gained = True
                entry["gain"] = gain
                if on_improve:
                    on_improve(value)
            log.append(entry)
        if not hoods:
            break
        if not gained:
            size *= 2  # nothing moved at this size: look wider
            if size > 16 * max_columns:
                break
    return LnsResult(best, value, steps, improved, time.perf_counter() - t0, log)
