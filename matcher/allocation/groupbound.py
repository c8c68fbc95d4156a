"""A valid upper bound tighter than the LP's: the clients' rows priced, the pools filled in whole seats.

Price each client row at a multiplier u ≥ 0 — the LP's dual — and what is left of the weekly
allocation is max Σ (score − u)·x over the seat, budget, provider-cap and lock rows, in 0/1 x.
Triples of one (placement, pool, cost) group have equal coefficients in those rows, so away from
the locks the problem is one over integer group counts n_g with a concave profit per group (the
sum of its n_g best positive priced profits): a knapsack of general integers per pool, coupled
through the seats and caps — thousands of integers where the table has millions of triples. A
locked client keeps its lock's triples as 0/1 columns (its lock row is kept, its other triples
cannot be chosen and are left out, its client row is implied). For any u ≥ 0, Σ u plus any upper
bound on that problem bounds the allocation (Lagrangian duality). At the LP's duals its linear
relaxation is no looser than the LP bound, so the integrality of the counts — budgets only a few
seats wide — is what the bound adds; HiGHS' dual bound on the count problem is used, so the bound
stays valid when HiGHS stops early. The counts of HiGHS' filling are also a primal guide:
`fill` assigns clients to them by one min-cost flow, a feasible allocation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.allocation.constraints import Rows
from matcher.allocation.flow import FlowNet, index_net, max_weight_assignment
from matcher.allocation.mip import Lp, run_highs
from matcher.allocation.primal import violated_rows

KEPT = ("seats", "budget", "cap")  # rows written over the group counts


@dataclass(frozen=True)
class CountProblem:
    """The count problem over the columns [y | z | n]: y the groups' triples in falling priced
    profit (0..1), z the locked pairs' triples (0/1), n the group counts (integer)."""

    lp: Lp
    integer: np.ndarray
    y_triple: np.ndarray  # triple of each y column
    z_triple: np.ndarray  # triple of each z column
    groups: int


@dataclass(frozen=True)
class GroupBound:
    """The bound (None when HiGHS gave none), the constant Σ u, the count problem's size and
    solve, and HiGHS' best filling: counts per group and the locked triples taken (or None)."""

    bound: float | None
    constant: float
    groups: int
    columns: int
    status: str
    seconds: float
    counts: np.ndarray | None
    locked: np.ndarray | None


def group_of(net: FlowNet) -> np.ndarray:
    """Per triple its group — one per (seats row, budget row or none, cents charged) — from 0."""
    rows = net.rows
    if not net.n:
        return np.zeros(0, dtype=np.int64)
    cents = np.where(net.budget_row >= 0, rows.cost_cents, 0).astype(np.int64)
    r = len(rows.hi) + 1
    top = int(cents.max()) + 1
    if r * r * top < 2**62:  # one int64 key: a 1-d unique is far faster than a row-wise one
        key = (net.seats_row * r + net.budget_row + 1) * top + cents
        return np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
    stacked = np.stack([net.seats_row, net.budget_row, cents], axis=1)
    return np.unique(stacked, axis=0, return_inverse=True)[1].ravel().astype(np.int64)


def locked_clients(net: FlowNet) -> np.ndarray:
    """Per row: True on the client rows of clients with a locked pair."""
    out = np.zeros(len(net.rows.hi), dtype=bool)
    out[net.client_row[net.lock_row >= 0]] = True
    return out


def multipliers(net: FlowNet, y: np.ndarray) -> np.ndarray:
    """u per row: y on the client rows of clients without a lock, clipped at 0; 0 elsewhere."""
    rows = net.rows
    u = np.where(rows.family == "client", np.maximum(np.asarray(y, dtype=np.float64), 0.0), 0.0)
    u[locked_clients(net)] = 0.0
    return u


def count_problem(
    net: FlowNet, score: np.ndarray, u: np.ndarray, group: np.ndarray
) -> CountProblem:
    """The problem left when the client rows are priced at u (see the module docstring)."""
    rows = net.rows
    csr = rows.matrix.tocsr()
    k = int(group.max()) + 1 if len(group) else 0
    profit = np.asarray(score, dtype=np.float64) - u[net.client_row]
    free = ~locked_clients(net)[net.client_row]
    members = np.flatnonzero(free & (profit > 0))
    z = np.flatnonzero(net.lock_row >= 0)
    kept = np.flatnonzero(np.isin(rows.family, KEPT))
    locks = np.flatnonzero(rows.family == "lock")
    first = np.zeros(k, dtype=np.int64)
    first[group[::-1]] = np.arange(net.n)[::-1]
    on_n = csr[kept, :][:, first].tocsr()
    # the most seats a group can ever fill: each kept row's right-hand side over its coefficient
    room = np.full(k, np.inf)
    coo = on_n.tocoo()
    pos = coo.data > 0
    np.minimum.at(room, coo.col[pos], np.floor(rows.hi[kept][coo.row[pos]] / coo.data[pos] + 1e-9))
    room = np.maximum(room, 0.0)
    order = members[np.lexsort((-profit[members], group[members]))]
    g = group[order]
    rank = np.arange(len(order)) - np.searchsorted(g, g, side="left")
    take = order[rank < room[g]]
    m, nz = len(take), len(z)
    link = sp.hstack(
        [
            sp.csr_matrix((np.ones(m), (group[take], np.arange(m))), shape=(k, m)),
            sp.csr_matrix((k, nz)),
            -sp.identity(k),
        ]
    )
    kept_rows = sp.hstack([sp.csr_matrix((len(kept), m)), csr[kept, :][:, z], on_n])
    lock_rows = sp.hstack(
        [sp.csr_matrix((len(locks), m)), csr[locks, :][:, z], sp.csr_matrix((len(locks), k))]
    )
    matrix = sp.vstack([kept_rows, lock_rows, link]).tocsr().astype(np.float64)
    n_hi = np.minimum(room, np.bincount(group[take], minlength=k).astype(np.float64))
    lp = Lp(
        matrix,
        np.concatenate([np.full(len(kept), -np.inf), rows.lo[locks], np.zeros(k)]),
        np.concatenate([rows.hi[kept], rows.hi[locks], np.zeros(k)]).astype(np.float64),
        np.concatenate([profit[take], score[z], np.zeros(k)]),
        np.zeros(m + nz + k),
        np.concatenate([np.ones(m + nz), n_hi]),
    )
    integer = np.concatenate([np.zeros(m, dtype=bool), np.ones(nz + k, dtype=bool)])
    return CountProblem(lp, integer, take, z, k)


def group_bound(
    net: FlowNet,
    score: np.ndarray,
    y: np.ndarray,
    *,
    time_limit: float,
    group: np.ndarray | None = None,
    log: bool = False,
) -> GroupBound:
    """The Lagrangian bound at row prices `y` (the LP's duals) with the pools filled in whole
    seats: Σ u + HiGHS' dual bound on the count problem, within `time_limit` seconds."""
    t0 = time.perf_counter()
    score = np.asarray(score, dtype=np.float64)
    u = multipliers(net, y)
    constant = float(u.sum())
    group = group_of(net) if group is None else group
    cp = count_problem(net, score, u, group)
    left = max(0.1, time_limit - (time.perf_counter() - t0))
    run = run_highs(cp.lp, cp.integer, time_limit=left, log=log)
    counts = locked = None
    if run.x is not None:
        m, nz = len(cp.y_triple), len(cp.z_triple)
        counts = np.rint(run.x[m + nz :]).astype(np.int64)
        locked = cp.z_triple[run.x[m : m + nz] > 0.5]
    return GroupBound(
        None if run.bound is None else constant + run.bound,
        constant,
        cp.groups,
        len(cp.lp.objective),
        run.status,
        time.perf_counter() - t0,
        counts,
        locked,
    )


def fill(
    net: FlowNet, score: np.ndarray, group: np.ndarray, counts: np.ndarray, locked: np.ndarray
) -> np.ndarray:
    """The best assignment of clients to a filling — the `locked` triples taken, at most
    counts[g] triples of group g — by one min-cost flow (groups as the seats): every seat,
    budget and cap row holds because the counts keep them."""
    rows = net.rows
    r = len(rows.hi)
    taken = np.zeros(net.n, dtype=bool)
    taken[locked] = True
    usable = ~locked_clients(net)[net.client_row]
    hi = np.concatenate([rows.hi, counts]).astype(np.int64)
    synthetic = Rows(
        matrix=sp.csr_matrix((0, net.n)),
        lo=np.zeros(len(hi), dtype=np.int64),
        hi=hi,
        family=np.concatenate([rows.family, np.full(len(counts), "group")]),
        owner=np.concatenate([rows.owner, np.arange(len(counts))]),
        cost_cents=rows.cost_cents,
    )
    none = np.full(net.n, -1, dtype=np.int64)
    flat = index_net(synthetic, net.client_row, r + group, none, none, none, score=score)
    res = max_weight_assignment(flat, score, allowed=usable & (counts[group] > 0))
    return res.chosen | taken


def group_phase(
    net: FlowNet, score: np.ndarray, duals: np.ndarray, time_limit: float, stats: dict[str, Any]
) -> tuple[float | None, np.ndarray | None]:
    """For `solve`: the whole-seat filling at the LP's duals: its valid bound (or None) and the
    allocation of clients into its counts (or None when it is not feasible)."""
    t0 = time.perf_counter()
    group = group_of(net)
    res = group_bound(net, score, duals, time_limit=max(1.0, time_limit), group=group)
    filled = None
    if res.counts is not None and res.locked is not None:
        filled = fill(net, score, group, res.counts, res.locked)
        if len(violated_rows(net, filled)):  # the counts keep every row: never, but check
            filled = None
    stats.update(
        group_seconds=round(time.perf_counter() - t0, 3),
        group_count=res.groups,
        group_status=res.status,
        group_bound=res.bound,
        group_fill=None if filled is None else float(score[filled].sum()),
    )
    return res.bound, filled
