"""Greedy construction and repair of a feasible allocation in a given pair order.

Used to round the LP relaxation (order by LP value, then score), as the greedy-by-priority
baseline, and to complete partial solutions. Every pair sits in exactly one client row, one
seats row and at most one budget, cap and lock row, so the check per pair is a few list lookups.
"""

from __future__ import annotations

import numpy as np

from matcher.allocation.constraints import Rows


def pair_rows(rows: Rows) -> dict[str, np.ndarray]:
    """For each family, the row index of each pair (−1 when the pair has none)."""
    n = rows.matrix.shape[1]
    csc = rows.matrix.tocsc()
    out = {}
    fam_of_row = rows.family
    for fam in ("client", "seats", "budget", "cap", "lock"):
        out[fam] = np.full(n, -1, dtype=np.int64)
    cols = np.repeat(np.arange(n), np.diff(csc.indptr))
    fam_of_entry = fam_of_row[csc.indices]
    for fam, arr in out.items():
        sel = fam_of_entry == fam
        arr[cols[sel]] = csc.indices[sel]
    return out


def greedy(rows: Rows, order: np.ndarray, forced: np.ndarray | None = None) -> np.ndarray:
    """A feasible 0/1 choice: take `forced` pairs first, then pairs in `order` while every row
    they touch has room. Returns a bool array over pairs."""
    n = rows.matrix.shape[1]
    pr = pair_rows(rows)
    used = np.zeros(len(rows.hi), dtype=np.int64).tolist()
    hi = rows.hi.tolist()
    coef = rows.cost_cents.tolist()
    rc, rs, rb, rp = (pr[f].tolist() for f in ("client", "seats", "budget", "cap"))
    chosen = np.zeros(n, dtype=bool)
    taken = chosen.tolist()

    def fits(j: int) -> bool:
        if used[rc[j]] >= hi[rc[j]] or used[rs[j]] >= hi[rs[j]]:
            return False
        b = rb[j]
        if b >= 0 and used[b] + coef[j] > hi[b]:
            return False
        c = rp[j]
        return not (c >= 0 and used[c] >= hi[c])

    def take(j: int) -> None:
        taken[j] = True
        used[rc[j]] += 1
        used[rs[j]] += 1
        if rb[j] >= 0:
            used[rb[j]] += coef[j]
        if rp[j] >= 0:
            used[rp[j]] += 1

    if forced is not None:
        for j in np.flatnonzero(forced).tolist():
            if fits(j):
                take(j)
    for j in np.asarray(order).tolist():
        if not taken[j] and fits(j):
            take(j)
    chosen[:] = taken
    return chosen


def lp_order(x: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Pairs by LP value, then by score (ties stable): the rounding order."""
    return np.lexsort((-score, -np.round(x, 6)))


def lock_forced(rows: Rows) -> np.ndarray:
    """One triple per locked pair (the cheapest), to be taken before anything else."""
    pr = pair_rows(rows)["lock"]
    n = rows.matrix.shape[1]
    forced = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(pr >= 0)
    if len(idx):
        order = idx[np.lexsort((rows.cost_cents[idx], pr[idx]))]
        first = np.unique(pr[order], return_index=True)[1]
        forced[order[first]] = True
    return forced
