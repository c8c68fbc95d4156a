"""Cover cuts on the knapsack rows (pool budgets, GAP capacities), separated from LP solutions.

A budget row Σ_j a_j·x_j ≤ b over 0/1 columns is a knapsack: any set C whose weights exceed b
(a cover) cannot be chosen whole, so Σ_{j∈C} x_j ≤ |C| − 1; every column at least as heavy as
C's heaviest may take the place of one of C's, which gives the extended cover
Σ_{j∈E(C)} x_j ≤ |C| − 1. The LP optimum of the allocation sits on a few fractional columns of
each binding pool, and a minimal cover of those is often violated there: added as rows, the cuts
raise nothing the integer allocations reach but lower the LP bound. `tighten` runs rounds of LP →
separation → LP with HiGHS (dual simplex, warm) over the whole table and returns the rows with
their cuts, for the bound and for the whole-table MIP.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.allocation.constraints import Rows
from matcher.allocation.mip import Lp, _quiet_stdout, highs_lp

KNAPSACK_FAMILIES = ("budget",)
MIN_VIOLATION = 1e-3  # a cut must cut the LP point off by at least this much
MAX_ROUNDS = 20


@dataclass(frozen=True)
class Cover:
    """An extended cover inequality Σ x[members] ≤ rhs over the columns of one row."""

    row: int
    members: np.ndarray
    rhs: int


@dataclass
class CutResult:
    """The rows with every cut added (family "cover"), the LP bound they give, and what it took."""

    rows: Rows
    bound: float | None
    x: np.ndarray | None
    cuts: int
    rounds: int
    seconds: float


def separate_cover(
    weights: np.ndarray, capacity: float, x: np.ndarray
) -> tuple[np.ndarray, int] | None:
    """(members, rhs) of an extended cover of Σ weights·y ≤ capacity violated at `x`, or None.

    Greedy: columns by (1 − x)/weight ascending until the weights exceed the capacity, then
    made minimal (the lightest-slack members dropped while it stays a cover); violated when
    Σ_{C} (1 − x) < 1. Extended by every column at least as heavy as the cover's heaviest."""
    w = np.asarray(weights, dtype=np.float64)
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    if not len(w) or w.sum() <= capacity or (w < 0).any():
        return None
    order = np.lexsort((-w, (1.0 - x) / np.maximum(w, 1e-12)))
    total = np.cumsum(w[order])
    k = int(np.searchsorted(total, capacity, side="right"))
    if k >= len(order):
        return None
    cover = list(order[: k + 1].tolist())
    # minimal: drop members (largest 1 − x first, then lightest) while the rest still exceeds
    weight = float(w[cover].sum())
    for j in sorted(cover, key=lambda j: (-(1.0 - x[j]), w[j])):
        if weight - w[j] > capacity:
            cover.remove(j)
            weight -= w[j]
    c = np.array(sorted(cover), dtype=np.int64)
    if float((1.0 - x[c]).sum()) >= 1.0 - MIN_VIOLATION:
        return None
    rhs = len(c) - 1
    members = np.union1d(c, np.flatnonzero(w >= w[c].max()))
    if float(x[members].sum()) <= rhs + MIN_VIOLATION:
        return None
    return members, rhs


def separate(
    rows: Rows, x: np.ndarray, families: tuple[str, ...] = KNAPSACK_FAMILIES
) -> list[Cover]:
    """One violated extended cover per knapsack row where `x` (the LP point) has a fractional
    column; members are column indices of the table."""
    csr = rows.matrix.tocsr()
    out: list[Cover] = []
    frac = (x > 1e-6) & (x < 1 - 1e-6)
    for r in np.flatnonzero(np.isin(rows.family, families)).tolist():
        a, z = csr.indptr[r], csr.indptr[r + 1]
        cols = csr.indices[a:z]
        if not frac[cols].any():
            continue
        found = separate_cover(csr.data[a:z], float(rows.hi[r]), x[cols])
        if found is not None:
            members, rhs = found
            out.append(Cover(r, cols[members], rhs))
    return out


def with_cuts(rows: Rows, cuts: list[Cover]) -> Rows:
    """`rows` and one row Σ x[members] ≤ rhs per cut (family "cover", owner = the cut row)."""
    if not cuts:
        return rows
    n = rows.matrix.shape[1]
    indptr = np.concatenate([[0], np.cumsum([len(c.members) for c in cuts])])
    idx = np.concatenate([c.members for c in cuts])
    extra = sp.csr_matrix((np.ones(len(idx)), idx, indptr), shape=(len(cuts), n))
    return Rows(
        matrix=sp.csr_matrix(sp.vstack([rows.matrix, extra])),
        lo=np.append(rows.lo, np.zeros(len(cuts), dtype=rows.lo.dtype)),
        hi=np.append(rows.hi, np.array([c.rhs for c in cuts], dtype=rows.hi.dtype)),
        family=np.append(rows.family, np.full(len(cuts), "cover")),
        owner=np.append(rows.owner, np.array([c.row for c in cuts], dtype=rows.owner.dtype)),
        cost_cents=rows.cost_cents,
    )


def tighten(
    rows: Rows,
    score: np.ndarray,
    *,
    time_limit: float,
    max_rounds: int = MAX_ROUNDS,
    x: np.ndarray | None = None,
) -> CutResult:
    """Rounds of the whole-table LP (max score·x, 0 ≤ x ≤ 1) and cover separation until no cut
    is violated, `max_rounds` or `time_limit`; the LP is kept in one HiGHS instance and re-solved
    warm after each round's cuts. The bound is that of the last LP solved to optimality. `x`, an optimal point of that LP already at hand (column
    generation's), is separated first, so no LP is solved when it violates no cover."""
    t0 = time.perf_counter()
    first: list[Cover] = []
    if x is not None:
        first = separate(rows, np.asarray(x, dtype=np.float64))
        if not first or max_rounds < 1:
            return CutResult(rows, None, None, 0, 0, time.perf_counter() - t0)
    n = rows.matrix.shape[1]
    lo = np.where(rows.lo >= 1, rows.lo, -np.inf)
    _, h = highs_lp(Lp(rows.matrix, lo, rows.hi, score, np.zeros(n), np.ones(n)))
    inf = h.getInfinity()
    cuts: list[Cover] = []
    bound: float | None = None
    rounds = 0
    pending = first
    while True:
        if pending:
            _add_cuts(h, pending, inf)
            rounds += 1
            cuts += pending
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0.05:
            break
        h.setOptionValue("time_limit", float(left))
        with _quiet_stdout(True):
            h.run()
        if h.modelStatusToString(h.getModelStatus()) != "Optimal":
            break
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        bound = float(h.getInfo().objective_function_value)
        if rounds >= max_rounds:
            break
        pending = separate(rows, x)
        if not pending:
            break
    return CutResult(with_cuts(rows, cuts), bound, x, len(cuts), rounds, time.perf_counter() - t0)


def _add_cuts(h: Any, new: list[Cover], inf: float) -> None:
    """Append the cuts Σ x[members] ≤ rhs as rows of the HiGHS instance `h`."""
    starts = np.concatenate([[0], np.cumsum([len(c.members) for c in new])[:-1]])
    idx = np.concatenate([c.members for c in new]).astype(np.int32)
    h.addRows(
        len(new),
        np.full(len(new), -inf),
        np.array([c.rhs for c in new], dtype=np.float64),
        len(idx),
        starts.astype(np.int32),
        idx,
        np.ones(len(idx)),
    )
