"""A national part at prices, exactly, by min-cost flow; and the repair of its flow choice.

With every budget row and every coupling row (seats, caps other parts reach) priced at λ and
dropped, what is left of a part is client once, seats and provider caps (kept at their full
capacity: any feasible national choice keeps them within the part too), a b-matching that
`matcher.allocation.flow.max_weight_assignment` solves exactly. Its bound (rounding included) is
the part's term of the Lagrangian bound L(λ) = Σ λ_r·b_r + Σ parts max Σ (score − λ·a)·x.

The network (each triple's client, seats, cap and budget row, its cost in cents, the client and
seat runs) is built once from the part's compact table and small lookups (placement → seats/cap
row, pool → budget row) and stays resident in int32 (`Resident`, ≈ 28 B a triple): a round only
prices the arcs (numpy) and re-solves the flow from the last round's active arcs, with several
entering arcs per short client (`ENTER_PER_CLIENT`: fewer flow solves a round). A feasible
choice comes from the flow at the part's shares (`refill`: seats and caps held to the shares,
budgets priced) cut to its budgets, or from the priced flow's choice cut down. The repair drops, on every row over its limit, the chosen triples of least value
per unit of the row (score per cent on budgets, score on counts) until the row holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from matcher.allocation.constraints import Rows
from matcher.allocation.flow import (
    FlowNet,
    FlowResult,
    family_rows,
    index_net,
    max_weight_assignment,
)
from matcher.pairs.compact import CompactPairs

ENTER_PER_CLIENT = 8  # arcs entering per short client and flow round (notes.md "National")
REFILL_ROUNDS = 3  # column-generation rounds of the flow at the shares (a primal heuristic)


@dataclass(frozen=True)
class PartNet:
    """Lookups from a part's compact table to its rows (local row indices, −1 when none)."""

    client_of: np.ndarray  # per instance client: its client row (int32)
    seats_of: np.ndarray  # per placement: its seats row
    cap_of: np.ndarray  # per placement: its provider's cap row
    budget_of: np.ndarray  # per pool (+1 slot for "no pool" at the end): its budget row
    lock_at: np.ndarray  # triples of locked pairs …
    lock_row: np.ndarray  # … and their lock rows
    lock_pick: np.ndarray  # per locked pair its cheapest triple (the one the shares reserve)
    by_seat: np.ndarray  # triples ordered by seats row (int32, stable)
    lo: np.ndarray
    hi: np.ndarray
    family: np.ndarray
    owner: np.ndarray

    @property
    def nbytes(self) -> int:
        """Bytes held (the by_seat order is 4 B a triple; the rest is per row or per entity)."""
        return sum(
            a.nbytes
            for a in (self.client_of, self.seats_of, self.cap_of, self.budget_of, self.by_seat)
        )


def _lookup(keys: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Per key value in [0, size): the row of the triples with that key (−1 when none)."""
    out = np.full(size, -1, dtype=np.int32)
    ok = (keys >= 0) & (rows >= 0)
    out[keys[ok]] = rows[ok]
    return out


def part_net(
    rows: Rows, pairs: CompactPairs, n_clients: int, n_placements: int, n_pools: int
) -> PartNet:
    """The lookups of a part from its built rows (once, at build time)."""
    fam = family_rows(rows)
    cents = np.rint(pairs.cost * 100)
    charged = np.where(cents > 0, pairs.pool, -1)
    if np.any((fam["budget"] >= 0) != (charged >= 0)):
        raise ValueError("budget rows do not follow the pools of the pair table")
    lock_at = np.flatnonzero(fam["lock"] >= 0)
    order = lock_at[np.lexsort((cents[lock_at], fam["lock"][lock_at]))]
    first = np.concatenate([[True], fam["lock"][order][1:] != fam["lock"][order][:-1]])
    return PartNet(
        client_of=_lookup(pairs.client, fam["client"], n_clients),
        seats_of=_lookup(pairs.placement, fam["seats"], n_placements),
        cap_of=_lookup(pairs.placement, fam["cap"], n_placements),
        budget_of=np.append(_lookup(charged, fam["budget"], n_pools), -1).astype(np.int32),
        lock_at=lock_at,
        lock_row=fam["lock"][lock_at],
        lock_pick=np.sort(order[first[: len(order)]]),
        by_seat=np.argsort(fam["seats"], kind="stable").astype(np.int32),
        lo=rows.lo.copy(),
        hi=rows.hi.copy(),
        family=rows.family.copy(),
        owner=rows.owner.copy(),
    )


@dataclass(frozen=True)
class TripleRows:
    """Per triple of a part: its client, seats, cap and budget rows and its cost in cents."""

    client: np.ndarray
    seats: np.ndarray
    cap: np.ndarray
    budget: np.ndarray
    cents: np.ndarray

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.client, self.seats, self.cap, self.budget, self.cents))


def triple_rows(pn: PartNet, pairs: CompactPairs) -> TripleRows:
    """The rows of every triple (int32, gathered from the lookups) and its cost in cents."""
    cents = np.rint(pairs.cost * 100)
    if len(cents) and cents.max() >= 2**24:  # float32 holds every integer below 2**24 exactly
        raise ValueError(f"a pair costs {cents.max() / 100:.2f} €: above the national path's range")
    pool = np.where((pairs.pool >= 0) & (cents > 0), pairs.pool, len(pn.budget_of) - 1)
    return TripleRows(
        pn.client_of[pairs.client],
        pn.seats_of[pairs.placement],
        pn.cap_of[pairs.placement],
        pn.budget_of[pool],
        cents.astype(np.float32),
    )


def network(pn: PartNet, tr: TripleRows, score: np.ndarray) -> FlowNet:
    """The part's FlowNet over client, seats and cap rows (budgets are priced, not rows); its
    Rows carries the row bounds only (the flow reads nothing else). Index arrays stay int32."""
    n = len(tr.client)
    lock = np.full(n, -1, dtype=np.int32)
    lock[pn.lock_at] = pn.lock_row
    bounds = Rows(
        sp.csr_matrix((len(pn.hi), n), dtype=np.int64),
        pn.lo,
        pn.hi,
        pn.family,
        pn.owner,
        np.zeros(0, dtype=np.int64),  # the flow never reads the costs (budgets are priced)
    )
    net = index_net(
        bounds, tr.client, tr.seats, tr.cap, tr.budget, lock, score=score, by_seat=pn.by_seat
    )
    return replace(net, run_of=net.run_of.astype(np.int32))


@dataclass(frozen=True)
class Resident:
    """A part's flow network kept between price rounds: the triples' rows and the FlowNet."""

    tr: TripleRows
    net: FlowNet

    @property
    def nbytes(self) -> int:
        """Bytes held beyond the compact table (the lock rows, run index and seat runs)."""
        net = self.net
        extra = (net.lock_row, net.run_of, net.client_start, net.seat_start, net.seats_cap_row)
        return self.tr.nbytes + sum(a.nbytes for a in extra)


def resident(pn: PartNet, pairs: CompactPairs) -> Resident:
    """The part's network, built once (at build time) for every later round."""
    tr = triple_rows(pn, pairs)
    return Resident(tr, network(pn, tr, pairs.score.astype(np.float64)))


def priced_profit(tr: TripleRows, score: np.ndarray, price: np.ndarray) -> np.ndarray:
    """score − Σ_r price_r·a_rj per triple (`price` per local row: seats and caps per unit,
    budgets per cent; 0 on the rows that stay in the network)."""
    p = np.append(price, 0.0)  # index −1 → the appended 0
    return score.astype(np.float64) - p[tr.seats] - p[tr.cap] - p[tr.budget] * tr.cents


def row_use(pn: PartNet, tr: TripleRows, chosen: np.ndarray) -> np.ndarray:
    """Activity of every local row for the chosen triples (indices or a bool mask)."""
    idx = np.flatnonzero(chosen) if chosen.dtype == bool else np.asarray(chosen)
    use = np.zeros(len(pn.hi), dtype=np.float64)
    for rows in (tr.client, tr.seats, tr.cap):
        r = rows[idx]
        np.add.at(use, r[r >= 0], 1.0)
    b = tr.budget[idx]
    np.add.at(use, b[b >= 0], tr.cents[idx][b >= 0])
    lk = np.isin(pn.lock_at, idx)
    np.add.at(use, pn.lock_row[lk], 1.0)
    return use


def evaluate(
    pn: PartNet,
    pairs: CompactPairs,
    price: np.ndarray,
    active: np.ndarray | None = None,
    kept: Resident | None = None,
) -> tuple[FlowResult, np.ndarray]:
    """The part's exact maximum at `price` (per local row) and its use of every local row, on
    the resident network `kept` (built here when None)."""
    kept = kept or resident(pn, pairs)
    profit = priced_profit(kept.tr, pairs.score, price)
    res = max_weight_assignment(kept.net, profit, active=active, add=ENTER_PER_CLIENT)
    return res, row_use(pn, kept.tr, res.chosen)


def refill(
    pn: PartNet,
    pairs: CompactPairs,
    kept: Resident,
    price: np.ndarray,
    limit: np.ndarray,
    active: np.ndarray | None = None,
    rounds: int = REFILL_ROUNDS,
    budgets_only: bool = True,
) -> np.ndarray:
    """A good choice with the part's seats and caps held to `limit` (its shares) and only the
    budgets priced (`price` per cent), then cut to its budget limits (`repair`): unlike cutting
    the priced flow, the flow moves clients into the seats the shares leave free. At most
    `rounds` column-generation rounds (a heuristic: the optimum over the arcs it has seen);
    `budgets_only=False` keeps every price (a part that must leave seats to later parts)."""
    hi = np.floor(limit + 1e-9).astype(np.int64)
    net = replace(kept.net, rows=replace(kept.net.rows, hi=hi))
    tr = kept.tr
    open_ = (hi[tr.seats] > 0) & ((tr.cap < 0) | (hi[tr.cap] > 0))
    if budgets_only:
        price = np.where(pn.family == "budget", price, 0.0)
    profit = priced_profit(tr, pairs.score, price)
    res = max_weight_assignment(
        net, profit, allowed=open_, active=active, add=ENTER_PER_CLIENT, max_rounds=rounds
    )
    return repair(pn, pairs, np.flatnonzero(res.chosen), limit, kept.tr)


def repair(
    pn: PartNet,
    pairs: CompactPairs,
    chosen: np.ndarray,
    limit: np.ndarray,
    tr: TripleRows | None = None,
) -> np.ndarray:
    """`chosen` (triple indices) without, on every row over `limit`, its triples of least value
    per unit of the row until the row holds; every locked pair stays, on its cheapest triple (the
    need the shares reserve)."""
    tr = tr if tr is not None else triple_rows(pn, pairs)
    score = pairs.score.astype(np.float64)
    keep = np.asarray(chosen, dtype=np.int64)
    keep = np.union1d(keep[~np.isin(keep, pn.lock_at)], pn.lock_pick)
    locked = np.isin(keep, pn.lock_pick)
    for _ in range(8):
        use = row_use(pn, tr, keep)
        over = use > limit + 1e-9
        if not over.any():
            return keep
        drop = np.zeros(len(keep), dtype=bool)
        for rows, weight in (
            (tr.budget, tr.cents),
            (tr.seats, np.ones(len(tr.cents))),
            (tr.cap, np.ones(len(tr.cents))),
        ):
            r = rows[keep]
            hit = (r >= 0) & over[np.maximum(r, 0)] & ~locked
            if not hit.any():
                continue
            at = np.flatnonzero(hit)
            w = weight[keep[at]]
            value = score[keep[at]] / np.maximum(w, 1e-9)
            order = at[np.lexsort((value, r[at]))]
            ro, wo = r[order], weight[keep[order]]
            csum = np.cumsum(wo)
            first = np.concatenate([[True], ro[1:] != ro[:-1]])
            base = np.maximum.accumulate(np.where(first, csum - wo, 0.0))
            before = csum - wo - base  # weight dropped in this row before this triple
            excess = use[ro] - limit[ro]
            drop[order[before < excess - 1e-9]] = True
        keep, locked = keep[~drop], locked[~drop]
    # each pass fixes every over row unless locked triples alone exceed it (shares keep their need)
    raise AssertionError("national repair did not converge: locked pairs exceed a limit")
