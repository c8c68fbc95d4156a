"""The linear structure of the weekly allocation over a pair table, shared by every solver.

One function per constraint family — `client_rows` (each client at most once), `seat_rows` (each
placement at most its free seats), `budget_rows` (each pool within its budget, in cents),
`cap_rows` (each capped provider's wage-subsidy count), `lock_rows` (each locked pair exactly
once) — assembled by `build_rows` into one sparse matrix, so CP-SAT, the LP relaxation and the
repair heuristics read the same rows and cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.pairs.table import PairTable
from models.instance import Instance
from models.rules import WAGE_SUBSIDY

FAMILIES = ("client", "seats", "budget", "cap", "lock")


class InfeasibleLockError(ValueError):
    """A locked pair that no feasible triple carries; the message names the pair and the reason."""


@dataclass(frozen=True)
class Rows:
    """Constraint rows ``lo ≤ A·x ≤ hi`` with a family label and an owner index per row."""

    matrix: sp.csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    family: np.ndarray  # "client", "seats", "budget", "cap", "lock"
    owner: (
        np.ndarray
    )  # row index in the family's table (client, placement, pool, provider, decision)
    cost_cents: np.ndarray  # per pair, integer cents charged to its pool

    def of(self, family: str) -> np.ndarray:
        return np.flatnonzero(self.family == family)


@dataclass(frozen=True)
class RowBlock:
    """One family's rows: COO entries (local row, pair, coefficient) and per row lo, hi, owner."""

    family: str
    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    owner: np.ndarray

    def __len__(self) -> int:
        return len(self.owner)


def cost_cents(pairs: PairTable) -> np.ndarray:
    """Pair costs in whole cents (budgets are compared in cents, exactly)."""
    return np.rint(pairs.cost * 100).astype(np.int64)


def _group_rows(
    family: str,
    keys: np.ndarray,
    select: np.ndarray,
    values: np.ndarray,
    lo_of: np.ndarray | int,
    hi_of: np.ndarray,
) -> RowBlock:
    """One row per key among the selected pairs, rows numbered by ascending key."""
    cols = np.flatnonzero(select)
    k = keys[cols]
    if len(k):
        # keys are small non-negative row indices: a bincount numbers them in O(n), sorted like np.unique
        present = np.bincount(k) > 0
        owners = np.flatnonzero(present)
        row = (np.cumsum(present) - 1)[k]
    else:
        owners, row = k, k
    lo = (
        np.full(len(owners), lo_of, dtype=np.int64)
        if np.isscalar(lo_of)
        else np.asarray(lo_of)[owners].astype(np.int64)
    )
    return RowBlock(
        family=family,
        row=row,
        col=cols,
        value=values[cols],
        lo=lo,
        hi=np.asarray(hi_of)[owners].astype(np.int64),
        owner=owners.astype(np.int64),
    )


def _count_rows(family: str, keys: np.ndarray, hi_of: np.ndarray) -> RowBlock:
    """One row per key over every pair, coefficient 1: Σ x ≤ hi_of[key]."""
    n = len(keys)
    return _group_rows(family, keys, np.ones(n, dtype=bool), np.ones(n, dtype=np.int64), 0, hi_of)


def client_rows(inst: Instance, pairs: PairTable) -> RowBlock:
    """Each client at most once: Σ x over the client's triples ≤ 1."""
    return _count_rows("client", pairs.client, np.ones(inst.columns.n_clients, dtype=np.int64))


def seat_rows(inst: Instance, pairs: PairTable) -> RowBlock:
    """Each placement at most its free seats: Σ x over the placement's triples ≤ seats."""
    return _count_rows("seats", pairs.placement, inst.columns.p_seats)


def budget_rows(inst: Instance, pairs: PairTable, cents: np.ndarray | None = None) -> RowBlock:
    """Each pool within its budget: Σ cost-in-cents over the pool's priced triples ≤ budget in
    whole cents (rounded down, so a budget is never exceeded by a rounding)."""
    cents = cost_cents(pairs) if cents is None else cents
    budget_cents = np.floor(inst.columns.f_budget * 100 + 1e-6).astype(np.int64)
    return _group_rows(
        "budget", pairs.pool, (pairs.pool >= 0) & (cents > 0), cents, 0, budget_cents
    )


def cap_rows(inst: Instance, pairs: PairTable) -> RowBlock:
    """Each capped provider's wage-subsidy count: Σ x over its wage-subsidy triples ≤
    max_subsidised (providers without a cap, max_subsidised < 0, get no row)."""
    cols = inst.columns
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    provider = cols.p_provider[pairs.placement]
    capped = (cols.p_type[pairs.placement] == ws) & (cols.v_max_subsidised[provider] >= 0)
    return _group_rows(
        "cap", provider, capped, np.ones(len(pairs), dtype=np.int64), 0, cols.v_max_subsidised
    )


def lock_rows(inst: Instance, pairs: PairTable, clients: np.ndarray | None = None) -> RowBlock:
    """Each locked (client, placement) exactly once: Σ x over its triples = 1; a lock that cannot
    hold (no feasible triple, more locks than seats or than a provider's cap) is an
    InfeasibleLockError naming it. With `clients` (row indices: one part of a national run) only
    their locks are kept."""
    cols = inst.columns
    locks = np.flatnonzero(cols.d_lock)
    if clients is not None:
        locks = locks[np.isin(cols.d_client[locks], clients)]
    width = max(cols.n_placements, 1)
    key = pairs.client * width + pairs.placement
    if not len(locks):
        empty = np.zeros(0, dtype=np.int64)
        return RowBlock("lock", empty, empty, empty, empty, empty, empty)
    lock_keys = cols.d_client[locks] * width + cols.d_placement[locks]
    _check_locks(inst, key, locks, lock_keys)
    # a lock key → decision index; pairs of a locked (client, placement) form one row
    order = np.argsort(lock_keys)
    pos = np.clip(np.searchsorted(lock_keys[order], key), 0, len(order) - 1)
    hit = lock_keys[order][pos] == key
    lock_of_pair = np.where(hit, locks[order][pos], -1)
    ones_lock = np.ones(cols.d_lock.shape[0], dtype=np.int64)
    return _group_rows(
        "lock", lock_of_pair, hit, np.ones(len(pairs), dtype=np.int64), ones_lock, ones_lock
    )


def _check_locks(inst: Instance, key: np.ndarray, locks: np.ndarray, lock_keys: np.ndarray) -> None:
    """Raise InfeasibleLockError for the first lock that no allocation can honour."""
    cols = inst.columns
    width = max(cols.n_placements, 1)
    sorted_keys = key if np.all(key[1:] >= key[:-1]) else np.sort(key)
    at = np.clip(np.searchsorted(sorted_keys, lock_keys), 0, max(len(key) - 1, 0))
    missing = ~(sorted_keys[at] == lock_keys) if len(key) else np.ones(len(locks), dtype=bool)
    if missing.any():
        d = locks[np.flatnonzero(missing)[0]]
        cid, pid = cols.client_id[cols.d_client[d]], cols.placement_id[cols.d_placement[d]]
        raise InfeasibleLockError(
            f"decisions.csv: lock {cid} → {pid} is not a feasible pair under the rules "
            f"({int(missing.sum())} infeasible lock(s) in all; `polku explain` shows why); "
            "remove or change the lock"
        )
    # locks take free seats like any assignment: more locks than seats cannot all hold
    unique_locks = np.unique(lock_keys) % width
    per_placement = np.bincount(unique_locks, minlength=cols.n_placements)
    over = np.flatnonzero(per_placement > cols.p_seats)
    if len(over):
        p = over[0]
        raise InfeasibleLockError(
            f"decisions.csv: placement {cols.placement_id[p]} has {int(per_placement[p])} locked "
            f"client(s) but {int(cols.p_seats[p])} free seat(s); a lock takes a free seat — "
            "raise the seats or remove a lock"
        )
    # … and a capped provider's wage-subsidy count
    ws_code = cols.types.index.get(WAGE_SUBSIDY, -2)
    locked_p = unique_locks[cols.p_type[unique_locks] == ws_code]
    by_provider = np.bincount(cols.p_provider[locked_p], minlength=len(cols.provider_id))
    over = np.flatnonzero((cols.v_max_subsidised >= 0) & (by_provider > cols.v_max_subsidised))
    if len(over):
        v = over[0]
        raise InfeasibleLockError(
            f"decisions.csv: provider {cols.provider_id[v]} has {int(by_provider[v])} locked "
            f"wage-subsidy client(s) but max_subsidised {int(cols.v_max_subsidised[v])} — "
            "raise the cap or remove a lock"
        )


def build_rows(inst: Instance, pairs: PairTable, clients: np.ndarray | None = None) -> Rows:
    """Every hard constraint of FORMAT.md over `pairs` as sparse rows, families in FAMILIES order;
    with `clients` (one part of a national run) only their locks are kept."""
    cents = cost_cents(pairs)
    blocks = [
        client_rows(inst, pairs),
        seat_rows(inst, pairs),
        budget_rows(inst, pairs, cents),
        cap_rows(inst, pairs),
        lock_rows(inst, pairs, clients),
    ]
    starts = np.cumsum([0] + [len(b) for b in blocks])
    rows = np.concatenate([b.row + s for b, s in zip(blocks, starts, strict=False)])
    matrix = sp.csr_matrix(
        (
            np.concatenate([b.value for b in blocks]),
            (rows, np.concatenate([b.col for b in blocks])),
        ),
        shape=(int(starts[-1]), len(pairs)),
        dtype=np.int64,
    )
    return Rows(
        matrix=matrix,
        lo=np.concatenate([b.lo for b in blocks]).astype(np.int64),
        hi=np.concatenate([b.hi for b in blocks]).astype(np.int64),
        family=np.concatenate([np.full(len(b), b.family) for b in blocks]),
        owner=np.concatenate([b.owner for b in blocks]).astype(np.int64),
        cost_cents=cents,
    )
