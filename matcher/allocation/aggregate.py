"""The whole-table MIP without the clients' symmetry: integer seat counts per cost class.

In the triple model every budget row is a knapsack over thousands of 0/1 columns, most of them
interchangeable (clients of one placement charged the same cents to the same pool), and HiGHS
branches on single clients. Here a *group* is the set of triples sharing a placement, a pool and
a cost in cents; an integer n_g counts the group's assignments, the budget, seat and provider-cap
rows are written over the n_g (a knapsack of a few dozen general integers per pool), and the
triples x become continuous, linked by Σ_{j∈g} x_j = n_g. For integer n the x part (each client
at most once, each lock exactly once — a laminar family inside the client's triples — and each
group exactly n_g) is a bipartite transportation polytope, integral, so the model is exact with
integrality on the n_g alone; its LP relaxation is the triple LP's, but branching and HiGHS' cuts
act on the counts. The x of a solution are made 0/1 by re-solving the x part with n fixed.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.allocation.constraints import Rows
from matcher.allocation.flow import FlowNet, flow_net
from matcher.allocation.groupbound import group_of
from matcher.allocation.mip import Lp, MipResult, run_highs

AGGREGATE_RATIO = 0.1  # aggregate a table when it has at most this many groups per triple
# (S 0.02, the demo week 0.006; GAP c05100 0.2, e05100 0.3: e05100 ran worse aggregated, 10 s)
FIX_SECONDS = 30.0  # limit for making a solution's triples 0/1 (solved at the root in practice)


def worth_aggregating(net: FlowNet) -> bool:
    """Does grouping (`groupbound.group_of`: one placement, pool and cost) remove most integer
    variables (many clients per placement, pool and cost, as on Polku weeks; GAP tables, with a
    cost per job and agent, do not group)?"""
    group = group_of(net)
    return len(group) > 0 and int(group.max()) + 1 <= AGGREGATE_RATIO * len(group)


def _model(rows: Rows, group: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """(matrix, row lo, row hi) of the aggregated model over the columns [x | n]: the client and
    lock rows on x, the seats, budget and cap rows on n, then one link row per group."""
    n = rows.matrix.shape[1]
    k = int(group.max()) + 1 if n else 0
    csr = rows.matrix.tocsr()
    on_x = np.flatnonzero(np.isin(rows.family, ("client", "lock")))
    on_n = np.flatnonzero(np.isin(rows.family, ("seats", "budget", "cap")))
    # a row on the counts: the coefficient of a group is that of any of its triples (all equal)
    first = np.zeros(k, dtype=np.int64)
    first[group[::-1]] = np.arange(n)[::-1]
    count_rows = csr[on_n, :][:, first]
    link = sp.hstack(
        [sp.csr_matrix((np.ones(n), (group, np.arange(n))), shape=(k, n)), -sp.identity(k)]
    )
    matrix = sp.vstack(
        [
            sp.hstack([csr[on_x, :], sp.csr_matrix((len(on_x), k))]),
            sp.hstack([sp.csr_matrix((len(on_n), n)), count_rows]),
            link,
        ]
    ).tocsr()
    lo = np.concatenate(
        [
            np.where(rows.lo[on_x] >= 1, rows.lo[on_x], -np.inf),
            np.full(len(on_n), -np.inf),
            np.zeros(k),
        ]
    )
    hi = np.concatenate([rows.hi[on_x], rows.hi[on_n], np.zeros(k)]).astype(np.float64)
    return matrix.astype(np.float64), lo, hi


def _lp(
    matrix: sp.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    score: np.ndarray,
    col_lo: np.ndarray,
    col_hi: np.ndarray,
) -> Lp:
    """The aggregated model over [triples | group counts]: the triples' scores, counts worth 0."""
    return Lp(
        matrix, lo, hi, np.concatenate([score, np.zeros(len(col_lo) - len(score))]), col_lo, col_hi
    )


def solve_aggregate(
    rows: Rows,
    score: np.ndarray,
    *,
    time_limit: float,
    start: np.ndarray | None = None,
    start_after_root: bool = False,
    net: FlowNet | None = None,
    **hooks: Any,
) -> MipResult:
    """Maximise score·x over the whole table with the aggregated model (HiGHS), from `start` (a
    feasible 0/1 choice); the bound is valid for the whole table. `hooks` are run_highs'
    stop_at, on_improve, should_stop and log, as `solve_mip` takes them. Rows other than the
    five families (e.g. cover cuts) are not used: HiGHS cuts the count rows itself. With
    `start_after_root` the start reaches HiGHS only once its root node is done: given before,
    it made the demo week's root take over 30 s longer under load (HiGHS' start heuristics).
    A solution no better than `start` is not made 0/1 again (that re-solve took ~10 s there).
    `net` is `flow_net(rows)` when the caller has it already."""
    t0 = time.perf_counter()
    score = np.asarray(score, dtype=np.float64)
    n = len(score)
    if not n:
        return MipResult("OPTIMAL", np.zeros(0, dtype=bool), 0.0, 0.0, False, 0.0)
    net = flow_net(rows) if net is None else net
    group = group_of(net)
    k = int(group.max()) + 1
    matrix, lo, hi = _model(rows, group)
    size = np.bincount(group, minlength=k).astype(np.float64)
    seats = np.zeros(k)
    np.maximum.at(seats, group, rows.hi[net.seats_row].astype(np.float64))
    n_hi = np.minimum(size, seats)
    begin = None
    if start is not None:
        s = np.asarray(start, dtype=np.float64)
        begin = np.concatenate([s, np.bincount(group, weights=s, minlength=k)])
    late = None
    if start_after_root:
        late, begin = begin, None
    run = run_highs(
        _lp(matrix, lo, hi, score, np.zeros(n + k), np.concatenate([np.ones(n), n_hi])),
        np.concatenate([np.zeros(n, dtype=bool), np.ones(k, dtype=bool)]),
        time_limit=time_limit,
        start=begin,
        late_start=late,
        **hooks,
    )
    chosen = np.zeros(n, dtype=bool)
    objective = None
    known = -np.inf if start is None else float(score @ np.asarray(start, dtype=np.float64))
    left = time_limit - (time.perf_counter() - t0)
    if run.x is not None and run.objective is not None and run.objective > known + 1e-6:
        picked = integral_choice(matrix, lo, hi, score, run.x, n, min(FIX_SECONDS, max(1.0, left)))
        if picked is not None:
            chosen, objective = picked, float(score[picked].sum())
    if objective is None and start is not None and run.x is not None:
        chosen, objective = np.asarray(start, dtype=bool).copy(), known  # nothing better found
    return MipResult(
        run.status if objective is not None else "UNKNOWN",
        chosen,
        objective,
        run.bound,
        False,
        time.perf_counter() - t0,
        run.improvements,
    )


def integral_choice(
    matrix: sp.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    score: np.ndarray,
    x: np.ndarray,
    n: int,
    time_limit: float = FIX_SECONDS,
) -> np.ndarray | None:
    """A 0/1 choice of triples at least as good as the solution `x` (over [x | n], n integer) of
    the aggregated model: its triples when already 0/1, else the best 0/1 x on the triples `x`
    uses with the counts fixed — a transportation polytope, so HiGHS solves it at its root;
    None if that fails (it cannot for a solution of the model)."""
    counts = np.rint(x[n:])
    part = x[:n]
    if np.all(np.minimum(part, 1.0 - part) < 1e-6):
        return part > 0.5
    k = len(counts)
    support = part > 1e-9
    run = run_highs(
        _lp(
            matrix,
            lo,
            hi,
            score,
            np.concatenate([np.zeros(n), counts]),
            np.concatenate([support.astype(np.float64), counts]),
        ),
        np.concatenate([np.ones(n, dtype=bool), np.zeros(k, dtype=bool)]),
        time_limit=time_limit,
    )
    if run.x is None:
        return None
    return run.x[:n] > 0.5
