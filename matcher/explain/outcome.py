"""The outcome of a solve as arrays: who holds which seat, pool use in cents, provider caps and
client priorities, and what blocks each triple (seats, budget, cap) — what every explanation reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from matcher.allocation.solve import SolveResult
from matcher.explain.words import instance_words
from matcher.pairs.costs import budget_cents, cost_cents
from matcher.pairs.score import priority
from matcher.pairs.table import PairTable
from models.rules import WAGE_SUBSIDY

if TYPE_CHECKING:
    from models.instance import Instance


@dataclass
class Outcome:
    """A SolveResult with the figures explanations read: who holds which seat, pool use in cents,
    wage-subsidy counts per provider, client priorities, and (client, placement) groups of
    triples."""

    inst: Instance
    pairs: PairTable
    chosen: np.ndarray
    status: str
    weighted: bool  # the objective was the total score (not the lexicographic stages)
    prio: np.ndarray  # per client
    placed_at: np.ndarray  # per client: chosen triple, −1 when not placed
    seat_used: np.ndarray  # per placement
    cents: np.ndarray  # per triple
    pool_used: np.ndarray  # per pool, cents
    budget: np.ndarray  # per pool, cents
    provider: np.ndarray  # per triple
    capped: np.ndarray  # per triple: a wage-subsidy post of a provider with a cap
    cap_used: np.ndarray  # per provider
    cap: np.ndarray  # per provider (−1 no cap)
    holders: np.ndarray  # chosen triples sorted by placement, then priority (lowest first)
    holder_ptr: np.ndarray  # CSR over placements into `holders`
    client_start: np.ndarray  # triples of client c: client_start[c] … client_end[c] − 1
    client_end: np.ndarray
    group: np.ndarray  # per triple: its (client, placement) pair number
    group_ptr: np.ndarray  # triples of pair g: group_ptr[g] … group_ptr[g + 1]

    @cached_property
    def lists(self) -> _Lists:
        """Python-list views of the arrays per-client loops read (numpy scalars are slow there)."""
        return _Lists(
            score=self.pairs.score.tolist(),
            client=self.pairs.client.tolist(),
            placement=self.pairs.placement.tolist(),
            prio=self.prio.tolist(),
            holder_list=self.holders.tolist(),
            holder_ptr=self.holder_ptr.tolist(),
            holder_prio=self.prio[self.pairs.client[self.holders]].tolist(),
            holder_client=self.pairs.client[self.holders].tolist(),
            pool=self.pairs.pool.tolist(),
            cents=self.cents.tolist(),
            group=self.group.tolist(),
            group_ptr=self.group_ptr.tolist(),
            client_id=instance_words(self.inst).client_id,
            placement_id=instance_words(self.inst).placement_id,
        )

    @cached_property
    def moves(self) -> tuple[np.ndarray, np.ndarray]:
        """Per client: how many feasible placements it has besides the one it holds, and whether
        one of them could take it as things stand (seat, pool and cap free). Placed clients only."""
        pairs = self.pairs
        n = self.inst.columns.n_clients
        own = self.placed_at[pairs.client]
        elsewhere = (own >= 0) & (pairs.placement != pairs.placement[np.maximum(own, 0)])
        idx = np.flatnonzero(elsewhere)
        can_move = np.zeros(n, dtype=bool)
        can_move[pairs.client[idx[blocks_of(self, idx).free]]] = True
        starts = self.group_ptr[:-1]
        n_other = np.bincount(pairs.client[starts[elsewhere[starts]]], minlength=n)
        return n_other, can_move

    def holders_of(self, p: int) -> np.ndarray:
        return self.holders[self.holder_ptr[p] : self.holder_ptr[p + 1]]

    def triples_of(self, c: int) -> range:
        return range(int(self.client_start[c]), int(self.client_end[c]))

    def group_triples(self, g: int) -> range:
        return range(int(self.group_ptr[g]), int(self.group_ptr[g + 1]))


@dataclass
class _Lists:
    score: list[int]
    client: list[int]
    placement: list[int]
    prio: list[int]
    holder_list: list[int]
    holder_ptr: list[int]
    holder_prio: list[int]
    holder_client: list[int]
    pool: list[int]
    cents: list[int]
    group: list[int]
    group_ptr: list[int]
    client_id: list[str]
    placement_id: list[str]

    def holders(self, p: int) -> list[int]:
        return self.holder_list[self.holder_ptr[p] : self.holder_ptr[p + 1]]


def _grouped(pairs: PairTable, n_clients: int) -> bool:
    """Are each client's rows contiguous with placements ascending (so each pair's triples are
    adjacent)? build_pairs guarantees it; checking is O(rows) and spares a copy of the table."""
    if len(pairs) < 2:
        return True
    c, p = pairs.client, pairs.placement
    change = c[1:] != c[:-1]
    if int(change.sum()) + 1 != int(np.count_nonzero(np.bincount(c, minlength=n_clients))):
        return False
    return bool(np.all(change | (p[1:] >= p[:-1])))


def outcome_of(inst: Instance, result: SolveResult) -> Outcome:
    cols = inst.columns
    pairs, chosen = result.pairs, np.asarray(result.chosen, dtype=bool)
    key = pairs.pair_keys(cols.n_placements)
    if not _grouped(pairs, cols.n_clients):  # build_pairs groups by client; others may not
        order = np.argsort(key, kind="stable")
        pairs, chosen, key = pairs.take(order), chosen[order], key[order]
    n, m, n_pools = cols.n_clients, cols.n_placements, len(cols.pool_id)
    idx = np.flatnonzero(chosen)
    placed_at = np.full(n, -1, dtype=np.int64)
    placed_at[pairs.client[idx]] = idx
    cents = cost_cents(pairs.cost)
    paid = idx[(pairs.pool[idx] >= 0) & (cents[idx] > 0)]
    pool_used = np.rint(
        np.bincount(pairs.pool[paid], weights=cents[paid].astype(float), minlength=n_pools)
    ).astype(np.int64)
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    provider = cols.p_provider[pairs.placement]
    cap = cols.v_max_subsidised
    capped = (cols.p_type[pairs.placement] == ws) & (provider >= 0)
    capped &= cap[np.maximum(provider, 0)] >= 0 if len(cap) else False
    cap_used = np.bincount(provider[idx[capped[idx]]], minlength=len(cap))
    prio = priority(inst)
    hold = idx[np.lexsort((pairs.client[idx], prio[pairs.client[idx]], pairs.placement[idx]))]
    holder_ptr = np.concatenate([[0], np.cumsum(np.bincount(pairs.placement[hold], minlength=m))])
    client_start = np.zeros(n, dtype=np.int64)
    client_end = np.zeros(n, dtype=np.int64)
    if len(key):
        run = np.flatnonzero(np.r_[True, pairs.client[1:] != pairs.client[:-1]])
        client_start[pairs.client[run]] = run
        client_end[pairs.client[run]] = np.append(run[1:], len(key))
    new = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    group = np.cumsum(new) - 1
    group_ptr = np.append(np.flatnonzero(new), len(key))
    return Outcome(
        inst=inst,
        pairs=pairs,
        chosen=chosen,
        status=result.status,
        weighted="stages" not in result.stats,
        prio=prio,
        placed_at=placed_at,
        seat_used=np.bincount(pairs.placement[idx], minlength=m),
        cents=cents,
        pool_used=pool_used,
        budget=budget_cents(inst),
        provider=provider,
        capped=capped,
        cap_used=cap_used,
        cap=cap,
        holders=hold,
        holder_ptr=holder_ptr,
        client_start=client_start,
        client_end=client_end,
        group=group,
        group_ptr=group_ptr,
    )


def order_by(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """Stable argsort by (major, minor), both integer arrays: one int64 sort when the combined
    key fits, else np.lexsort (several times slower on millions of rows)."""
    major = np.asarray(major, dtype=np.int64)
    minor = np.asarray(minor, dtype=np.int64)
    if not len(major):
        return np.zeros(0, dtype=np.int64)
    lo, span = int(minor.min()), int(minor.max()) - int(minor.min()) + 1
    if int(major.max()) < (2**62) // span and int(major.min()) >= 0:
        return np.argsort(major * span + (minor - lo), kind="stable")
    return np.lexsort((minor, major))


@dataclass
class _Blocks:
    """Per triple: what stops its client from taking it (leaving the pair they hold, if any)."""

    seats: np.ndarray  # every seat is held by someone else
    budget: np.ndarray  # the triple's pool cannot pay it on top of what it pays now
    cap: np.ndarray  # the provider's wage-subsidy cap is reached

    @property
    def free(self) -> np.ndarray:
        return ~(self.seats | self.budget | self.cap)


def blocks_of(o: Outcome, idx: np.ndarray) -> _Blocks:
    """What stops each triple's client taking it: seats held by others, its pool short (after
    releasing what the client's own pair costs that pool), the provider's cap reached."""
    cols, pairs = o.inst.columns, o.pairs
    c, p, f = pairs.client[idx], pairs.placement[idx], pairs.pool[idx]
    cents = o.cents[idx]
    own = o.placed_at[c]
    has_own = own >= 0
    moving = bool(has_own.any())  # all-unplaced callers skip the own-pair corrections
    if moving:
        oj = np.maximum(own, 0)
        seats = o.seat_used[p] - (has_own & (pairs.placement[oj] == p)) >= cols.p_seats[p]
    else:
        seats = o.seat_used[p] >= cols.p_seats[p]
    budget = (f >= 0) & (cents > 0)
    if len(o.budget) and budget.any():
        fi = np.maximum(f, 0)
        room = o.budget[fi] - o.pool_used[fi]
        if moving:
            room = room + np.where(has_own & (pairs.pool[oj] == f), o.cents[oj], 0)
        budget &= cents > room
    capped = o.capped[idx]
    cap = np.zeros(len(idx), dtype=bool)
    if capped.any():
        vi = np.maximum(o.provider[idx], 0)
        used = o.cap_used[vi]
        if moving:
            used = used - (has_own & o.capped[oj] & (o.provider[oj] == o.provider[idx]))
        cap = capped & (used >= o.cap[vi])
    return _Blocks(seats=seats, budget=budget, cap=cap)


@dataclass
class PairView:
    """Triples folded to (client, placement) pairs: a representative triple (free if one is,
    else one its pool can pay, else the first) and the pair's obstacles."""

    rep: np.ndarray
    seats: np.ndarray
    budget: np.ndarray  # every pool of the pair is short
    cap: np.ndarray
    free: np.ndarray


def pair_view(o: Outcome, idx: np.ndarray, b: _Blocks) -> PairView:
    """`idx` ascending (so a pair's triples are adjacent)."""
    if not len(idx):
        e = np.zeros(0, dtype=bool)
        return PairView(np.zeros(0, dtype=np.int64), e, e, e, e)
    g = o.group[idx]
    free = b.free
    prefer = free.astype(np.int64) * 2 + (~b.budget).astype(np.int64)
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])  # idx ascending: each pair is one run
    order = order_by(g, 3 - prefer)
    pick = order[start]  # sorted by pair, best preference first: a run's head is its pick
    return PairView(
        rep=idx[pick],
        seats=b.seats[pick],
        budget=np.logical_and.reduceat(b.budget, start),
        cap=b.cap[pick],
        free=np.logical_or.reduceat(free, start),
    )
