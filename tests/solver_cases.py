"""Shared helpers for the solver tests: tiny Rows built by hand, and brute force over them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.allocation.constraints import Rows


def make_rows(
    triples: Sequence[tuple[int, int, int, int]],
    seats: Sequence[int],
    budgets: Sequence[int] = (),
    provider_of: Sequence[int] | None = None,
    caps: dict[int, int] | None = None,
    locks: Sequence[tuple[int, int]] = (),
) -> Rows:
    """Rows over `triples` = (client, placement, pool or −1, cost in cents), grouped by client.

    Families in the engine's order: client, seats, budget, cap (wage-subsidy caps per provider
    for every placement of `provider_of` whose provider is in `caps`), lock (exactly one triple of
    each locked (client, placement))."""
    t = np.asarray(triples, dtype=np.int64).reshape(-1, 4)
    client, placement, pool, cents = t[:, 0], t[:, 1], t[:, 2], t[:, 3]
    entries: list[tuple[int, int, int]] = []
    lo: list[int] = []
    hi: list[int] = []
    family: list[str] = []
    owner: list[int] = []

    def add(name: str, own: int, cols: np.ndarray, vals: np.ndarray, low: int, high: int) -> None:
        r = len(lo)
        entries.extend((r, int(c), int(v)) for c, v in zip(cols, vals, strict=True))
        lo.append(low)
        hi.append(high)
        family.append(name)
        owner.append(own)

    for c in sorted(set(client.tolist())):
        cols = np.flatnonzero(client == c)
        add("client", c, cols, np.ones(len(cols), np.int64), 0, 1)
    for p in sorted(set(placement.tolist())):
        cols = np.flatnonzero(placement == p)
        add("seats", p, cols, np.ones(len(cols), np.int64), 0, int(seats[p]))
    for f in sorted(set(pool[pool >= 0].tolist())):
        cols = np.flatnonzero((pool == f) & (cents > 0))
        if len(cols):
            add("budget", f, cols, cents[cols], 0, int(budgets[f]))
    if caps and provider_of is not None:
        prov = np.asarray(provider_of)[placement]
        for v, cap in sorted(caps.items()):
            cols = np.flatnonzero(prov == v)
            if len(cols):
                add("cap", v, cols, np.ones(len(cols), np.int64), 0, int(cap))
    for k, (c, p) in enumerate(locks):
        cols = np.flatnonzero((client == c) & (placement == p))
        add("lock", k, cols, np.ones(len(cols), np.int64), 1, 1)
    r, c, v = (np.array([e[i] for e in entries], dtype=np.int64) for i in range(3))
    matrix = sp.csr_matrix((v, (r, c)), shape=(len(lo), len(t)), dtype=np.int64)
    return Rows(
        matrix=matrix,
        lo=np.array(lo, dtype=np.int64),
        hi=np.array(hi, dtype=np.int64),
        family=np.array(family),
        owner=np.array(owner, dtype=np.int64),
        cost_cents=cents.copy(),
    )


def feasible(rows: Rows, chosen: np.ndarray) -> bool:
    """Does the 0/1 choice satisfy every row?"""
    use = rows.matrix @ np.asarray(chosen, dtype=np.int64)
    return bool(np.all(use <= rows.hi) and np.all(use >= rows.lo))


def brute_force(rows: Rows, score: np.ndarray) -> tuple[float, np.ndarray]:
    """The best feasible 0/1 choice by enumeration (tiny tables only): (value, chosen)."""
    n = rows.matrix.shape[1]
    if n > 16:
        raise ValueError(f"brute force over {n} triples is too slow")
    score = np.asarray(score, dtype=np.float64)
    best, best_x = -np.inf, np.zeros(n, dtype=bool)
    for bits in itertools.product((False, True), repeat=n):
        x = np.array(bits, dtype=bool)
        if feasible(rows, x):
            value = float(score[x].sum())
            if value > best:
                best, best_x = value, x
    return best, best_x
