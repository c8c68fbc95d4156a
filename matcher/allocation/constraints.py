"""The linear structure of the weekly allocation over a pair table, shared by every solver.

One sparse row per constraint family member — each client at most once, each placement at most
its free seats, each pool within budget (in cents), each capped provider's wage-subsidy count,
each locked pair exactly once — so CP-SAT, the LP relaxation and the repair heuristics read the
same rows and cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.pairs.table import PairTable
from models.instance import Instance
from models.rules import WAGE_SUBSIDY


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


def cost_cents(pairs: PairTable) -> np.ndarray:
    """Pair costs in whole cents (budgets are compared in cents, exactly)."""
    return np.rint(pairs.cost * 100).astype(np.int64)


def _group_rows(
    keys: np.ndarray, select: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """COO entries grouping selected pairs by key: (row ids 0..k-1, pair cols, values, keys of rows)."""
    cols = np.flatnonzero(select)
    k = keys[cols]
    if not len(k):
        return k, cols, values[cols], k
    # keys are small non-negative row indices: a bincount numbers them in O(n), sorted like np.unique
    present = np.bincount(k) > 0
    owners = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return rank[k], cols, values[cols], owners


def build_rows(inst: Instance, pairs: PairTable) -> Rows:
    """Every hard constraint of FORMAT.md over `pairs` as sparse rows."""
    cols = inst.columns
    n = len(pairs)
    ones = np.ones(n, dtype=np.int64)
    cents = cost_cents(pairs)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    family: list[np.ndarray] = []
    owner: list[np.ndarray] = []
    offset = 0

    def add(
        name: str,
        keys: np.ndarray,
        select: np.ndarray,
        values: np.ndarray,
        lo_of: np.ndarray | float,
        hi_of: np.ndarray,
    ) -> None:
        nonlocal offset
        row, pcols, vals, owners = _group_rows(keys, select, values)
        parts.append((row + offset, pcols, vals))
        lo.append(
            np.broadcast_to(np.asarray(lo_of, dtype=np.int64), owners.shape)
            if np.isscalar(lo_of)
            else np.asarray(lo_of)[owners]
        )
        hi.append(hi_of[owners])
        family.append(np.full(len(owners), name))
        owner.append(owners)
        offset += len(owners)

    everyone = np.ones(n, dtype=bool)
    add("client", pairs.client, everyone, ones, 0, np.ones(cols.n_clients, dtype=np.int64))
    add("seats", pairs.placement, everyone, ones, 0, cols.p_seats.astype(np.int64))
    budget_cents = np.floor(cols.f_budget * 100 + 1e-6).astype(np.int64)
    add("budget", pairs.pool, (pairs.pool >= 0) & (cents > 0), cents, 0, budget_cents)
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    provider = cols.p_provider[pairs.placement]
    capped = (cols.p_type[pairs.placement] == ws) & (cols.v_max_subsidised[provider] >= 0)
    add("cap", provider, capped, ones, 0, cols.v_max_subsidised)

    locks = np.flatnonzero(cols.d_lock)
    if len(locks):
        key = pairs.client * max(cols.n_placements, 1) + pairs.placement
        lock_keys = cols.d_client[locks] * max(cols.n_placements, 1) + cols.d_placement[locks]
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
        unique_locks = np.unique(lock_keys) % max(cols.n_placements, 1)
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
        # a lock key → decision index; pairs of a locked (client, placement) form one row
        order = np.argsort(lock_keys)
        pos = np.searchsorted(lock_keys[order], key)
        pos = np.clip(pos, 0, len(order) - 1)
        hit = lock_keys[order][pos] == key
        lock_of_pair = np.where(hit, locks[order][pos], -1)
        ones_lock = np.ones(cols.d_lock.shape[0], dtype=np.int64)
        add("lock", lock_of_pair, hit, ones, ones_lock, ones_lock)

    rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    pc = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    vals = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
    matrix = sp.csr_matrix((vals, (rows, pc)), shape=(offset, n), dtype=np.int64)
    return Rows(
        matrix=matrix,
        lo=np.concatenate(lo).astype(np.int64),
        hi=np.concatenate(hi).astype(np.int64),
        family=np.concatenate(family),
        owner=np.concatenate(owner).astype(np.int64),
        cost_cents=cents,
    )
