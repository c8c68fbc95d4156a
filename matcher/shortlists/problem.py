"""The shortlist problem over a pair table: who may be listed where, the seats left after
locks, and each (list, pool)'s worst-case reservation as a top-s sum.

Candidate j is a triple (client, placement, pool) of the pair table: "on the placement's list,
charged to that pool". A list's worst case against a pool — the sum of its s costliest candidates
there — is Σ_k δ_k·min(s, N_k) over the distinct costs v_1 > v_2 > … listed there (δ_k = v_k −
v_{k+1}, N_k the number listed at cost ≥ v_k). A pair's cost varies with the client only through
the wage-subsidy rate, so a (list, pool) has at most three classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.allocation.constraints import InfeasibleLockError, cost_cents
from matcher.pairs.table import PairTable
from models.instance import Instance
from models.rules import WAGE_SUBSIDY


class ShortlistError(ValueError):
    """Shortlists that cannot be built (bad options, locks that break a cap or budget)."""


@dataclass(frozen=True)
class ShortlistOptions:
    """K = per_seat candidates per free seat, L = max_lists per client, solver settings, and the
    cover bonus per seat with at least one candidate (None = weights.placed)."""

    per_seat: int = 3
    max_lists: int = 1
    time_limit: float = 60.0
    workers: int = 8
    seed: int = 0
    cover_bonus: int | None = None
    use_lp: bool = True
    lp_time_share: float = 0.5
    log: bool = False

    def __post_init__(self) -> None:
        if self.per_seat < 1:
            raise ValueError(f"--per-seat must be at least 1, got {self.per_seat}")
        if self.max_lists < 1:
            raise ValueError(f"--max-lists must be at least 1, got {self.max_lists}")
        if not self.time_limit > 0:
            raise ValueError(f"time limit must be positive, got {self.time_limit}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.cover_bonus is not None and self.cover_bonus < 0:
            raise ValueError(f"cover bonus must be ≥ 0, got {self.cover_bonus}")


@dataclass(frozen=True)
class TopSums:
    """Groups of candidates whose worst case is a top-s sum: group g is (placement, key) with the
    members sorted by value, costliest first; class c is the prefix of its group down to the c-th
    distinct value, weighted by delta (that value minus the next smaller one in the group, or 0).
    """

    members: np.ndarray  # candidate positions, grouped, costliest first
    value: np.ndarray  # per member (cents for budgets, 1 for caps)
    group_ptr: np.ndarray  # CSR into members
    group_place: np.ndarray  # placement row of each group
    group_key: np.ndarray  # pool (budgets) or provider (caps) of each group
    class_group: np.ndarray
    class_end: np.ndarray  # exclusive end into members (start = group_ptr[group])
    class_delta: np.ndarray

    @property
    def n_groups(self) -> int:
        return len(self.group_place)

    def worst(self, seats: np.ndarray) -> np.ndarray:
        """Per group: the top-s sum if every member were listed (s = the group's seats)."""
        start = self.group_ptr[self.class_group]
        size = self.class_end - start
        s = seats[self.group_place[self.class_group]]
        per_class = self.class_delta * np.minimum(s, size)
        return np.bincount(self.class_group, weights=per_class, minlength=self.n_groups)

    def select(self, keep_key: np.ndarray) -> TopSums:
        """Only the groups whose key is flagged in `keep_key` (rows that may bind)."""
        keep = keep_key[self.group_key]
        sizes = np.diff(self.group_ptr)
        member_keep = np.repeat(keep, sizes)
        new_ptr = np.concatenate([[0], np.cumsum(sizes[keep])])
        renum = np.cumsum(keep) - 1
        ck = keep[self.class_group]
        shift = self.group_ptr[self.class_group[ck]] - new_ptr[renum[self.class_group[ck]]]
        return TopSums(
            members=self.members[member_keep],
            value=self.value[member_keep],
            group_ptr=new_ptr.astype(np.int64),
            group_place=self.group_place[keep],
            group_key=self.group_key[keep],
            class_group=renum[self.class_group[ck]],
            class_end=self.class_end[ck] - shift,
            class_delta=self.class_delta[ck],
        )


def top_sums(place: np.ndarray, key: np.ndarray, value: np.ndarray, select: np.ndarray) -> TopSums:
    """Group the selected candidates by (place, key) and split each group into value classes."""
    j = np.flatnonzero(select)
    gkey = place[j] * (int(key.max(initial=0)) + 1) + key[j]
    order = np.lexsort((-value[j], gkey))
    j, gkey = j[order], gkey[order]
    v = value[j]
    n = len(j)
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = gkey[1:] != gkey[:-1]
    gid = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    last = np.ones(n, dtype=bool)
    last[:-1] = (gkey[1:] != gkey[:-1]) | (v[1:] != v[:-1])
    ends = np.flatnonzero(last) + 1
    cgroup = gid[ends - 1]
    cvalue = v[ends - 1]
    next_same = np.zeros(len(ends), dtype=bool)
    next_same[:-1] = cgroup[1:] == cgroup[:-1]
    next_value = np.zeros(len(ends), dtype=v.dtype)
    next_value[:-1] = np.where(next_same[:-1], cvalue[1:], 0)
    return TopSums(
        members=j.astype(np.int64),
        value=v,
        group_ptr=np.append(starts, n).astype(np.int64),
        group_place=place[j[starts]].astype(np.int64),
        group_key=key[j[starts]].astype(np.int64),
        class_group=cgroup.astype(np.int64),
        class_end=ends.astype(np.int64),
        class_delta=(cvalue - next_value),
    )


@dataclass
class ListProblem:
    """The shortlist problem over a pair table: candidate triples, seats, locks, budgets, caps.

    Candidate j is triple `cand[j]` of `pairs`; lock triple i is `lock_triples[i]`, belonging to
    lock `lock_owner[i]` (one of each lock's triples is chosen: the pool it is charged to).
    """

    pairs: PairTable
    cand: np.ndarray
    seats: np.ndarray  # per placement: seats to pick for = free seats − locks (≥ 0)
    lock_client: np.ndarray  # per lock: client row
    lock_placement: np.ndarray  # per lock: placement row
    lock_triples: np.ndarray
    lock_owner: np.ndarray
    cents: np.ndarray  # per triple
    budget: np.ndarray  # per pool, cents
    cap_left: np.ndarray  # per provider: max_subsidised − locked wage-subsidy clients; −1 no cap
    capped: np.ndarray  # per placement: wage subsidy at a capped provider
    provider_of: np.ndarray  # per placement: provider row (0 when unknown)
    per_seat: int
    max_lists: int
    cover_bonus: int
    budgets: TopSums = field(init=False)
    caps: TopSums = field(init=False)

    def __post_init__(self) -> None:
        p = self.pairs
        c = self.cand
        self.c_client = p.client[c]
        self.c_place = p.placement[c]
        self.c_pool = p.pool[c]
        self.c_cents = self.cents[c]
        self.c_score = p.score[c]
        n_pools = len(self.budget)
        paid = (self.c_pool >= 0) & (self.c_cents > 0)
        self.budgets = top_sums(self.c_place, np.maximum(self.c_pool, 0), self.c_cents, paid)
        provider = self.provider_of[self.c_place] if len(c) else np.zeros(0, dtype=np.int64)
        self.caps = top_sums(
            self.c_place, provider, np.ones(len(c), dtype=np.int64), self.capped[self.c_place]
        )
        # rows that may bind: the worst case of every possible list (and the costliest locks) over
        worst_pool = np.bincount(
            self.budgets.group_key, weights=self.budgets.worst(self.seats), minlength=n_pools
        ).astype(np.float64)
        worst_pool += self.lock_worst_cents()
        self.binding_pools = worst_pool > self.budget
        worst_cap = np.bincount(
            self.caps.group_key, weights=self.caps.worst(self.seats), minlength=len(self.cap_left)
        )
        self.binding_caps = (self.cap_left >= 0) & (worst_cap > self.cap_left)
        self.tight_budgets = self.budgets.select(self.binding_pools)
        self.tight_caps = self.caps.select(self.binding_caps)

    @property
    def m(self) -> int:
        return len(self.cand)

    @property
    def n_locks(self) -> int:
        return len(self.lock_client)

    def lock_worst_cents(self) -> np.ndarray:
        """Per pool: the cents the locks could charge it in the worst case (each lock's costliest
        triple on that pool)."""
        out = np.zeros(len(self.budget))
        t = self.lock_triples
        pool = self.pairs.pool[t]
        ok = pool >= 0
        if ok.any():
            key = self.lock_owner[ok] * max(len(self.budget), 1) + pool[ok]
            order = np.argsort(key)
            k, c = key[order], self.cents[t][ok][order]
            first = np.r_[True, k[1:] != k[:-1]]
            best = np.maximum.reduceat(c, np.flatnonzero(first)) if len(c) else c
            np.add.at(out, k[first] % max(len(self.budget), 1), best)
        return out


def build_problem(inst: Instance, pairs: PairTable, options: ShortlistOptions) -> ListProblem:
    """The list problem of `inst` over `pairs`: who may be listed where, with locks taken out."""
    cols = inst.columns
    n_pl = max(cols.n_placements, 1)
    sel = np.flatnonzero(cols.d_lock & (cols.d_client >= 0) & (cols.d_placement >= 0))
    keys = np.unique(cols.d_client[sel] * n_pl + cols.d_placement[sel])
    lock_client, lock_place = keys // n_pl, keys % n_pl
    twice = np.flatnonzero(np.bincount(lock_client, minlength=cols.n_clients) > 1)
    if len(twice):
        c = int(twice[0])
        where = sorted(str(cols.placement_id[p]) for p in lock_place[lock_client == c])
        raise InfeasibleLockError(
            f"decisions.csv: client {cols.client_id[c]} is locked to {len(where)} placements "
            f"({', '.join(where)}); a client takes at most one seat"
        )
    pair_key = pairs.pair_keys(cols.n_placements)
    found = np.isin(keys, pair_key)
    if not found.all():
        k = int(np.flatnonzero(~found)[0])
        raise InfeasibleLockError(
            f"decisions.csv: lock {cols.client_id[lock_client[k]]} → "
            f"{cols.placement_id[lock_place[k]]} is not a feasible pair under the rules "
            f"({int((~found).sum())} infeasible lock(s) in all; `polku explain` shows why); "
            "remove or change the lock"
        )
    lock_triples = np.flatnonzero(np.isin(pair_key, keys))
    lock_owner = np.searchsorted(keys, pair_key[lock_triples])
    seats = np.maximum(cols.p_seats - np.bincount(lock_place, minlength=cols.n_placements), 0)
    locked = np.zeros(cols.n_clients, dtype=bool)
    locked[lock_client] = True
    cand = np.flatnonzero(~locked[pairs.client] & (seats[pairs.placement] > 0))
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    provider = cols.p_provider
    capped = (cols.p_type == ws) & (provider >= 0)
    capped &= cols.v_max_subsidised[np.maximum(provider, 0)] >= 0
    locks_at = np.bincount(
        provider[lock_place[capped[lock_place]]], minlength=len(cols.provider_id)
    )
    cap_left = np.where(cols.v_max_subsidised >= 0, cols.v_max_subsidised - locks_at, -1)
    over = np.flatnonzero((cols.v_max_subsidised >= 0) & (cap_left < 0))
    if len(over):
        v = int(over[0])
        raise ShortlistError(
            f"decisions.csv: provider {cols.provider_id[v]} has {int(locks_at[v])} locked "
            f"wage-subsidy clients, more than its max_subsidised {int(cols.v_max_subsidised[v])}"
        )
    bonus = inst.weights.placed if options.cover_bonus is None else options.cover_bonus
    return ListProblem(
        pairs=pairs,
        cand=cand,
        seats=seats.astype(np.int64),
        lock_client=lock_client.astype(np.int64),
        lock_placement=lock_place.astype(np.int64),
        lock_triples=lock_triples.astype(np.int64),
        lock_owner=lock_owner.astype(np.int64),
        cents=cost_cents(pairs),
        budget=np.floor(cols.f_budget * 100 + 1e-6).astype(np.int64),
        cap_left=cap_left.astype(np.int64),
        capped=capped,
        provider_of=np.maximum(provider, 0).astype(np.int64),
        per_seat=int(options.per_seat),
        max_lists=int(options.max_lists),
        cover_bonus=int(round(bonus)),
    )


# --- the value of a choice ------------------------------------------------------------------------


def list_lengths(prob: ListProblem, y: np.ndarray) -> np.ndarray:
    """Per placement: the number of candidates listed."""
    return np.bincount(prob.c_place[y], minlength=len(prob.seats))


def objective_value(prob: ListProblem, y: np.ndarray) -> int:
    """Σ score of the listed candidates + cover_bonus · Σ_lists min(seats, list length)."""
    covered = np.minimum(prob.seats, list_lengths(prob, y)).sum()
    return int(prob.c_score[y].sum()) + prob.cover_bonus * int(covered)


def reservations(prob: ListProblem, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Per pool: cents reserved in the worst case (locks + top-s sum of every list)."""
    out = np.zeros(len(prob.budget), dtype=np.int64)
    b = prob.budgets
    for g in range(b.n_groups):
        mem = b.members[b.group_ptr[g] : b.group_ptr[g + 1]]
        vals = prob.c_cents[mem[y[mem]]]
        s = int(prob.seats[b.group_place[g]])
        out[b.group_key[g]] += int(np.sort(vals)[::-1][:s].sum())
    t = prob.lock_triples[z]
    pool = prob.pairs.pool[t]
    np.add.at(out, pool[pool >= 0], prob.cents[t][pool >= 0])
    return out


def is_feasible(prob: ListProblem, y: np.ndarray, z: np.ndarray) -> bool:
    """Do the lists `y` with lock pools `z` keep every rule: each client on at most L lists and on
    a list once, lists of at most K·s, one pool per lock, budgets and caps in the worst case?"""
    if prob.m and np.bincount(prob.c_client[y]).max(initial=0) > prob.max_lists:
        return False
    key = prob.c_client[y] * max(len(prob.seats), 1) + prob.c_place[y]
    if len(np.unique(key)) < len(key):
        return False
    lengths = list_lengths(prob, y)
    if (lengths > prob.per_seat * prob.seats).any():
        return False
    if prob.n_locks and not np.array_equal(
        np.bincount(prob.lock_owner[z], minlength=prob.n_locks),
        np.ones(prob.n_locks, dtype=np.int64),
    ):
        return False
    if (reservations(prob, y, z) > prob.budget).any():
        return False
    capped = np.flatnonzero(prob.capped)
    used = np.bincount(
        prob.provider_of[capped],
        weights=np.minimum(prob.seats, lengths)[capped],
        minlength=len(prob.cap_left),
    )
    return not ((prob.cap_left >= 0) & (used > prob.cap_left)).any()


def group_rows(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row number per element grouping equal keys, and the key of each row."""
    owners, row = np.unique(keys, return_inverse=True)
    return row, owners


def pair_groups(prob: ListProblem) -> tuple[np.ndarray, np.ndarray]:
    """(row per candidate in a multi-pool pair, candidate positions) — needed when L > 1."""
    if prob.max_lists <= 1 or not prob.m:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = prob.c_client * max(len(prob.seats), 1) + prob.c_place
    row, owners = group_rows(key)
    size = np.bincount(row)
    multi = size[row] > 1
    j = np.flatnonzero(multi)
    r, _ = group_rows(key[j])
    return r, j


def top_s_sum(costs: list[float], s: int) -> float:
    """The sum of the s largest of `costs`."""
    return float(sum(sorted(costs, reverse=True)[: max(s, 0)]))
