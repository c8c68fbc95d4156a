"""The Lagrangian bound over seat counts: client and lock rows priced, the rest a small MIP.

On Polku weeks clients outnumber seats several times over, and what the LP loses is the
budgets' integrality: every pool pays for a fraction of a seat. Price the client rows (each
client at most once) and the lock rows by y — the LP's duals — and the rest falls apart into
the groups of `aggregate.groups_of` (one placement, pool and cost): k assignments in group g
are worth the sum of its k best reduced profits r_j = s_j − y_client − y_lock, a concave
function of k. The relaxed problem is therefore a MIP over the group counts n_g alone (one
continuous [0, 1] step per useful triple, filled best first by concavity) under the seat,
budget and cap rows: a few thousand columns instead of the triples. Σ y·rhs of the priced rows
plus its dual bound bounds every allocation from above for any y (weak duality, y ≥ 0 on the
client rows); at the LP duals its LP is the LP bound, and integrality on the counts removes most
of the budgets' fractional seats (M: 0.13 % below the LP bound). Its counts also give an
allocation: the best assignment with at most n_g clients in each group — a transportation
problem, integral — over each group's best triples.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.allocation.aggregate import groups_of
from matcher.allocation.constraints import Rows
from matcher.allocation.flow import FlowNet
from matcher.allocation.mip import Lp, run_highs

PRICED = ("client", "lock")  # the rows moved into the objective
COUNTED = ("seats", "budget", "cap")  # the rows kept, over the counts
ASSIGN_SPARE = (
    3  # the transportation uses each group's ASSIGN_SPARE·n_g + ASSIGN_EXTRA best triples
)
ASSIGN_EXTRA = 10
ASSIGN_SECONDS = 30.0  # limit for the transportation (solved at its root in practice)


@dataclass
class CountBound:
    """The count relaxation at one y: a valid upper bound (None if HiGHS found none in time),
    the counts per group of its best solution (None if none), that solution's value in the
    relaxation, and the seconds it took."""

    bound: float | None
    counts: np.ndarray | None
    value: float | None
    seconds: float
    status: str


def reduced_profits(rows: Rows, score: np.ndarray, duals: np.ndarray) -> tuple[np.ndarray, float]:
    """(r per triple: score minus the priced rows' duals, Σ y·rhs over the priced rows); y is
    clipped at 0 on inequality rows, so the relaxation stays an upper bound."""
    priced = np.isin(rows.family, PRICED)
    eq = rows.lo >= 1
    y = np.where(priced, np.where(eq, duals, np.maximum(duals, 0.0)), 0.0)
    rhs = np.where(eq, rows.lo, rows.hi).astype(np.float64)
    r = np.asarray(score, dtype=np.float64) - rows.matrix.T.astype(np.float64) @ y
    return r, float(y @ rhs)


def _steps(
    group: np.ndarray, r: np.ndarray, most: np.ndarray, locked: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each group's positive r best first, at most `most[g]` of them, and the best one of a
    `locked` group whatever its sign (a lock may force one in): (group of each step, its value,
    each triple's rank in its group by r)."""
    order = np.lexsort((-r, group))
    gs = group[order]
    start = np.searchsorted(gs, np.arange(len(most)))
    rank_sorted = np.arange(len(gs)) - start[gs]
    rank = np.empty(len(group), dtype=np.int64)
    rank[order] = rank_sorted
    useful = (r[order] > 1e-9) | (locked[gs] & (rank_sorted == 0))
    keep = useful & (rank_sorted < most[gs])
    return gs[keep], r[order][keep], rank


def _lock_groups(rows: Rows, csr: sp.csr_matrix, group: np.ndarray, k: int) -> sp.csr_matrix:
    """One row per lock over the counts: the groups holding one of its triples (a kept lock puts
    at least one assignment into them, so Σ n_g ≥ 1 holds for every allocation)."""
    locks = csr[np.flatnonzero(rows.family == "lock")].tocoo()
    m = sp.csr_matrix(
        (np.ones(locks.nnz), (locks.row, group[locks.col])), shape=(locks.shape[0], k)
    )
    m.data[:] = 1.0  # a lock's triples in one group count once
    return m


def count_bound(
    net: FlowNet,
    score: np.ndarray,
    duals: np.ndarray,
    *,
    time_limit: float,
    group: np.ndarray | None = None,
    rel_gap: float = 1e-5,
) -> CountBound:
    """Solve the count relaxation at the row prices `duals` (per row of `net.rows`) with HiGHS
    within `time_limit`; rows other than the five families are dropped (a relaxation)."""
    t0 = time.perf_counter()
    rows = net.rows
    n = rows.matrix.shape[1]
    if not n:
        return CountBound(0.0, np.zeros(0), 0.0, 0.0, "OPTIMAL")
    group = groups_of(rows) if group is None else group
    k = int(group.max()) + 1
    r, const = reduced_profits(rows, score, duals)
    first = np.zeros(k, dtype=np.int64)
    first[group[::-1]] = np.arange(n)[::-1]
    seats = rows.hi[net.seats_row[first]].astype(np.int64)
    csr = rows.matrix.tocsr()
    locks = _lock_groups(rows, csr, group, k)
    step_group, step_value, _ = _steps(group, r, seats, np.bincount(locks.indices, minlength=k) > 0)
    m = len(step_group)
    kept = np.flatnonzero(np.isin(rows.family, COUNTED))
    on_counts = csr[kept][:, first].astype(np.float64)
    link = sp.hstack(
        [-sp.identity(k), sp.csr_matrix((np.ones(m), (step_group, np.arange(m))), shape=(k, m))]
    )
    matrix = sp.vstack(
        [
            sp.hstack(
                [sp.vstack([on_counts, locks]), sp.csr_matrix((len(kept) + locks.shape[0], m))]
            ),
            link,
        ]
    ).tocsr()
    run = run_highs(
        Lp(
            matrix,
            np.concatenate([np.full(len(kept), -np.inf), np.ones(locks.shape[0]), np.zeros(k)]),
            np.concatenate(
                [rows.hi[kept].astype(np.float64), np.full(locks.shape[0], np.inf), np.zeros(k)]
            ),
            np.concatenate([np.zeros(k), step_value]),
            np.zeros(k + m),
            np.concatenate([np.bincount(step_group, minlength=k).astype(np.float64), np.ones(m)]),
        ),
        np.concatenate([np.ones(k, dtype=bool), np.zeros(m, dtype=bool)]),
        time_limit=time_limit,
        rel_gap=rel_gap,
    )
    counts = None if run.x is None else np.rint(run.x[:k])
    bound = None if run.bound is None or not math.isfinite(run.bound) else const + run.bound
    value = None if run.objective is None else const + run.objective
    return CountBound(bound, counts, value, time.perf_counter() - t0, run.status)


def assign_counts(
    net: FlowNet,
    score: np.ndarray,
    counts: np.ndarray,
    r: np.ndarray,
    *,
    group: np.ndarray | None = None,
    time_limit: float = ASSIGN_SECONDS,
) -> np.ndarray | None:
    """The best 0/1 choice with at most counts[g] triples of each group g (each client once,
    every lock kept), over each group's best triples by `r`: feasible for every row when the
    counts are (the seat, budget and cap rows are sums over the groups). None if the locks
    cannot be kept within the counts."""
    rows = net.rows
    n = rows.matrix.shape[1]
    group = groups_of(rows) if group is None else group
    counts = np.asarray(counts, dtype=np.float64)
    none = np.zeros(len(counts), dtype=np.int64)
    _, _, rank = _steps(group, r, none, none > 0)
    best = rank < ASSIGN_SPARE * counts[group] + ASSIGN_EXTRA
    cols = np.flatnonzero((counts[group] > 0) & (best | (net.lock_row >= 0)))
    chosen = np.zeros(n, dtype=bool)
    if not len(cols):
        return chosen if not np.any(rows.family == "lock") else None
    on_x = np.flatnonzero(np.isin(rows.family, PRICED))
    sub = rows.matrix.tocsr()[on_x][:, cols]
    used = np.flatnonzero(np.diff(sub.indptr) > 0)
    lock_rows = on_x[rows.family[on_x] == "lock"]
    if len(np.setdiff1d(lock_rows, on_x[used])):
        return None  # a lock with none of its triples in the allowed groups
    cg = np.unique(group[cols], return_inverse=True)[1].ravel()
    kg = int(cg.max()) + 1
    per_group = sp.csr_matrix(
        (np.ones(len(cols)), (cg, np.arange(len(cols)))), shape=(kg, len(cols))
    )
    caps = np.zeros(kg)
    caps[cg] = counts[group[cols]]
    lo = rows.lo[on_x][used].astype(np.float64)
    run = run_highs(
        Lp(
            sp.vstack([sub[used], per_group]).tocsr(),
            np.concatenate([np.where(lo >= 1, lo, -np.inf), np.full(kg, -np.inf)]),
            np.concatenate([rows.hi[on_x][used].astype(np.float64), caps]),
            np.asarray(score, dtype=np.float64)[cols],
            np.zeros(len(cols)),
            np.ones(len(cols)),
        ),
        np.ones(len(cols), dtype=bool),
        time_limit=time_limit,
    )
    if run.x is None:
        return None
    chosen[cols[run.x > 0.5]] = True
    return chosen
