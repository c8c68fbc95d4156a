"""Explanations of every outcome, computed from the data: why a queue client was left out, what
else a placed client could have had, justified envy, and the client / placement views behind
`polku explain`. Every sentence states a fact that the instance and the allocation make true.

Words follow the coordinator's vocabulary: placement types in words ("wage-subsidy post"),
transport in words ("by public transport"), municipality names, placement / provider / pool ids.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.spatial import cKDTree

from matcher.allocation.solve import SolveResult
from matcher.pairs import feasibility as fz
from matcher.pairs.candidates import build_pairs, spatial_candidates
from matcher.pairs.costs import budget_cents, cost_cents, placement_pools
from matcher.pairs.rules import (
    REACH_RULES,
    RULES,
    Mask,
    Share,
    age_reason,
    check_pairs,
    decision_note,
    months_reason,
    participation_reason,
    provides_transport,
    rule_text,
    trip_mode,
)
from matcher.pairs.score import priority, wish_rank
from matcher.pairs.table import COMPONENT_NAMES, PairTable
from matcher.pairs.travel import CAR, offers_transport, travel_minutes, unit_xyz
from matcher.pairs.words import MODE_WORDS, TYPE_ADJECTIVES, eur, num, type_words
from models.rules import WAGE_SUBSIDY

if TYPE_CHECKING:
    from models.allocation import Allocation
    from models.instance import Instance

MAX_IDS = 5  # client / placement ids named in one sentence
ENVY_EXAMPLES = 5


class ExplainError(ValueError):
    """A client or placement id the instance does not have (the CLI exits 2 on it)."""


# --- words ---------------------------------------------------------------------------------------


def _ids(ids: list[str], total: int | None = None) -> str:
    shown = ", ".join(ids[:MAX_IDS])
    more = (total if total is not None else len(ids)) - min(len(ids), MAX_IDS)
    return shown + (f" and {more} more" if more > 0 else "")


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


@dataclass
class _Words:
    """Plain-Python lookups for the words of one instance (pandas cell access is slow in loops)."""

    client_id: list[str]
    placement_id: list[str]
    ptype: list[str]
    pmuni: list[str]
    transport: list[str]
    consents: list[tuple[str, ...]]
    languages: list[tuple[str, ...]]
    needs: list[tuple[str, ...]]
    pools: dict[int, str]
    providers: dict[int, str]
    pool_ptr: list[int]
    pool_list: list[int]
    provides: list[bool] | None = None  # per placement: offers the transport feature
    locks: set[tuple[int, int]] | None = None
    decisions: list[dict[str, str]] | None = None


_WORDS: weakref.WeakKeyDictionary[Instance, _Words] = weakref.WeakKeyDictionary()


def _words(inst: Instance) -> _Words:
    w = _WORDS.get(inst)
    if w is None:
        pl = inst.placements
        ptr, plist = placement_pools(inst)
        w = _Words(
            client_id=[str(x) for x in inst.columns.client_id],
            placement_id=[str(x) for x in inst.columns.placement_id],
            ptype=[str(x) for x in pl["type"]],
            pmuni=[str(x) for x in pl["municipality"]],
            transport=[str(x) for x in inst.clients["transport"]],
            consents=[tuple(x) for x in inst.clients["consents"]],
            languages=[tuple(x) for x in inst.clients["languages"]],
            needs=[tuple(x) for x in inst.clients["needs"]],
            pools={},
            providers={},
            pool_ptr=ptr.tolist(),
            pool_list=plist.tolist(),
        )
        _WORDS[inst] = w
    return w


def _ptype(inst: Instance, p: int) -> str:
    return _words(inst).ptype[p]


def _place(inst: Instance, p: int) -> str:
    """'coaching p12 at Siilinjärvi'."""
    w = _words(inst)
    return f"{type_words(w.ptype[p])} {w.placement_id[p]} at {w.pmuni[p]}"


def _pool(inst: Instance, f: int) -> str:
    """'the wage-subsidy pool “Palkkatuki” (ts)', or by its scope when it has no name:
    'the wage-subsidy pool for Kuopio (ts)'."""
    cache = _words(inst).pools
    if f not in cache:
        row = inst.pools.iloc[f]
        types = tuple(row["types"] or ())
        munis = tuple(row["municipalities"] or ())
        kind = ("/".join(TYPE_ADJECTIVES.get(t, t) for t in types) + " pool") if types else "pool"
        name = _text(row.get("name"))
        where = f" “{name}”" if name else (f" for {', '.join(munis)}" if munis else "")
        cache[f] = f"the {kind}{where} ({row['id']})"
    return cache[f]


def _provider(inst: Instance, v: int) -> str:
    cache = _words(inst).providers
    if v not in cache:
        row = inst.providers.iloc[v]
        name = _text(row.get("name"))
        cache[v] = f"provider {name} ({row['id']})" if name else f"provider {row['id']}"
    return cache[v]


def _client_id(inst: Instance, c: int) -> str:
    return _words(inst).client_id[c]


def _placement_id(inst: Instance, p: int) -> str:
    return _words(inst).placement_id[p]


def _mode(inst: Instance, c: int) -> str:
    t = _words(inst).transport[c]
    return MODE_WORDS.get(t, t)


def _text(value: Any) -> str:
    """A cell as text; None and NaN as ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _component_diff(a: dict[str, int], b: dict[str, int], top: int = 3) -> str:
    """The largest component differences of b against a: 'wish +120, travel −14'."""
    diffs = [(name, b.get(name, 0) - a.get(name, 0)) for name in COMPONENT_NAMES]
    diffs = sorted((d for d in diffs if d[1]), key=lambda d: -abs(d[1]))[:top]
    return ", ".join(f"{name} {d:+d}".replace("-", "−") for name, d in diffs)


def _components(pairs: PairTable, j: int) -> dict[str, int]:
    return {
        name: int(pairs.components[name][j]) for name in COMPONENT_NAMES if name in pairs.components
    }


def _signed(x: int) -> str:
    return f"{x:+d}".replace("-", "−")


# --- the outcome of a solve, as arrays ------------------------------------------------------------


@dataclass
class _Outcome:
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
            client_id=_words(self.inst).client_id,
            placement_id=_words(self.inst).placement_id,
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
        can_move[pairs.client[idx[_blocks(self, idx).free]]] = True
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


def _outcome(inst: Instance, result: SolveResult) -> _Outcome:
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
    return _Outcome(
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


def _order_by(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
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


def _blocks(o: _Outcome, idx: np.ndarray) -> _Blocks:
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
class _PairView:
    """Triples folded to (client, placement) pairs: a representative triple (free if one is,
    else one its pool can pay, else the first) and the pair's obstacles."""

    rep: np.ndarray
    seats: np.ndarray
    budget: np.ndarray  # every pool of the pair is short
    cap: np.ndarray
    free: np.ndarray


def _pair_view(o: _Outcome, idx: np.ndarray, b: _Blocks) -> _PairView:
    """`idx` ascending (so a pair's triples are adjacent)."""
    if not len(idx):
        e = np.zeros(0, dtype=bool)
        return _PairView(np.zeros(0, dtype=np.int64), e, e, e, e)
    g = o.group[idx]
    free = b.free
    prefer = free.astype(np.int64) * 2 + (~b.budget).astype(np.int64)
    start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])  # idx ascending: each pair is one run
    order = _order_by(g, 3 - prefer)
    pick = order[start]  # sorted by pair, best preference first: a run's head is its pick
    return _PairView(
        rep=idx[pick],
        seats=b.seats[pick],
        budget=np.logical_and.reduceat(b.budget, start),
        cap=b.cap[pick],
        free=np.logical_or.reduceat(free, start),
    )


# --- reasons for the unassigned -------------------------------------------------------------------


def reasons_for_unassigned(
    inst: Instance, result: SolveResult, clients: np.ndarray
) -> dict[int, list[str]]:
    """Client row index → reasons the client was not placed, most specific first: the failing rules
    when no pair is feasible, else what holds the feasible pairs (seats, pools, caps, scores)."""
    return _reasons(_outcome(inst, result), clients)


def _reasons(o: _Outcome, clients: np.ndarray) -> dict[int, list[str]]:
    inst = o.inst
    cols = inst.columns
    clients = np.unique(np.asarray(clients, dtype=np.int64))
    out: dict[int, list[str]] = {}
    has_pairs = np.zeros(cols.n_clients, dtype=bool)
    has_pairs[o.pairs.client] = True
    for c in clients[cols.c_current[clients] >= 0].tolist():
        out[c] = [
            f"already in placement {cols.placement_id[cols.c_current[c]]} (stays there this week)"
        ]
    queue = clients[cols.c_current[clients] < 0]
    for c in queue[o.placed_at[queue] >= 0].tolist():
        out[c] = [f"placed at {_place(inst, int(o.pairs.placement[o.placed_at[c]]))}"]
    left = queue[o.placed_at[queue] < 0]
    out.update(_no_pair_reasons(inst, left[~has_pairs[left]]))
    out.update(_competition_reasons(o, left[has_pairs[left]]))
    return out


@dataclass
class _TypeTable:
    """Per client × type present among the placements: consent, months and participation rules."""

    present: np.ndarray  # type codes with at least one placement
    open_places: np.ndarray  # per present type: placements with free seats
    open_seats: np.ndarray  # per present type: free seats
    consent: np.ndarray  # (k, T')
    months: np.ndarray
    participation: np.ndarray

    @property
    def allowed(self) -> np.ndarray:
        return self.consent & self.months & self.participation & (self.open_places > 0)[None, :]


def _type_table(inst: Instance, clients: np.ndarray) -> _TypeTable:
    """Evaluate the type-only rules through `matcher.pairs.feasibility`, one placement standing for
    its type."""
    cols = inst.columns
    ptype = cols.p_type
    present, rep = np.unique(ptype[ptype >= 0], return_index=True)
    rep = np.flatnonzero(ptype >= 0)[rep]
    open_pl = cols.p_seats > 0
    n_types = len(cols.types.tokens)
    valid = ptype >= 0
    places = np.bincount(ptype[valid & open_pl], minlength=n_types)[present]
    seats = np.bincount(
        ptype[valid & open_pl], weights=cols.p_seats[valid & open_pl], minlength=n_types
    )
    k, t = len(clients), len(present)
    ci, pi = np.repeat(clients, t), np.tile(rep, k)

    def rule(fn: Mask) -> np.ndarray:
        return fn(inst, ci, pi).reshape(k, t)

    return _TypeTable(
        present=present,
        open_places=places,
        open_seats=seats[present].astype(np.int64),
        consent=rule(fz.consent_ok),
        months=rule(fz.months_ok),
        participation=rule(fz.participation_ok),
    )


def _type_reasons(inst: Instance, c: int, tt: _TypeTable, row: int) -> tuple[list[str], list[str]]:
    """(reasons when no type is open to the client, context lines about blocked types)."""
    tokens = inst.columns.types.tokens
    consents = [str(x) for x in _words(inst).consents[c]]
    blocked: list[str] = []
    consented_open = False
    for j, t in enumerate(tt.present.tolist()):
        if tt.consent[row, j] and tt.open_places[j] > 0:
            consented_open = True
            if not tt.months[row, j]:
                blocked.append(months_reason(inst, c, t))
            if not tt.participation[row, j]:
                blocked.append(participation_reason(inst, c))
    lead: list[str] = []
    if not consents:
        lead.append("you have not consented to any placement type")
    elif not consented_open:
        with_places = {tokens[t] for t in tt.present.tolist()}
        words = ", ".join(type_words(t) for t in consents)
        if with_places & set(consents):
            lead.append(
                "no placement of a type you consent to has a free seat this week "
                f"(you consent to: {words})"
            )
        else:
            lead.append(f"no placement of a type you consent to (you consent to: {words})")
    if not consented_open:
        others = [
            f"{type_words(tokens[t])} ({_plural(int(tt.open_seats[j]), 'seat')})"
            for j, t in enumerate(tt.present.tolist())
            if tt.open_places[j] > 0 and tokens[t] not in consents
        ]
        if others:
            lead.append(
                "free seats this week are in types you have not consented to: " + ", ".join(others)
            )
    return lead, blocked


def _no_pair_reasons(inst: Instance, clients: np.ndarray) -> dict[int, list[str]]:
    """Reasons for queue clients without a single feasible pair: the funnel age → type (consent,
    months, participation) → commute → the pair rules on the reachable placements."""
    cols = inst.columns
    out: dict[int, list[str]] = {}
    if not len(clients):
        return out
    if cols.n_placements == 0:
        return {int(c): ["there are no placements in this instance"] for c in clients}
    age_fine = fz.age_ok(inst, clients, np.zeros(len(clients), dtype=np.int64))
    for c in clients[~age_fine].tolist():
        out[c] = [age_reason(inst, c)]
    rest = clients[age_fine]
    tt = _type_table(inst, rest)
    allowed = tt.allowed
    context: dict[int, list[str]] = {}
    typed = allowed.any(axis=1)
    for row, c in enumerate(rest.tolist()):
        lead, blocked = _type_reasons(inst, c, tt, row)
        if not typed[row]:
            out[c] = lead + blocked
        else:
            context[c] = blocked
    sel = rest[typed]
    if len(sel):
        eligible_word = {
            c: "a type you consent to"
            if not context[c]
            else "a type you consent to and are eligible for"
            for c in sel.tolist()
        }
        out.update(_reach_reasons(inst, sel, allowed[typed], tt, context, eligible_word))
    return out


@dataclass
class _Reach:
    """Reachable pairs (type open to the client, within commute) and their rule masks."""

    client: np.ndarray
    placement: np.ndarray
    travel: np.ndarray
    ok: dict[str, np.ndarray]


def _reachable(inst: Instance, sel: np.ndarray, allowed: np.ndarray, tt: _TypeTable) -> _Reach:
    cols = inst.columns
    local = np.full(cols.n_clients, -1, dtype=np.int64)
    local[sel] = np.arange(len(sel))
    tpos = np.full(len(cols.types.tokens), -1, dtype=np.int64)
    tpos[tt.present] = np.arange(len(tt.present))
    open_pl = np.flatnonzero((cols.p_seats > 0) & (cols.p_type >= 0))
    parts: list[tuple[np.ndarray, ...]] = []
    for ci, pi in spatial_candidates(inst, sel, open_pl):
        keep = allowed[local[ci], tpos[cols.p_type[pi]]]
        ci, pi = ci[keep], pi[keep]
        travel = travel_minutes(inst, ci, pi)
        near = fz.commute_ok(inst, ci, pi, travel)
        ci, pi, travel = ci[near], pi[near], travel[near]
        parts.append((ci, pi, travel, *(RULES[name].mask(inst, ci, pi) for name in REACH_RULES)))
    if not parts:
        e = np.zeros(0, dtype=np.int64)
        return _Reach(e, e, np.zeros(0), {name: np.zeros(0, dtype=bool) for name in REACH_RULES})
    cat = [np.concatenate(x) for x in zip(*parts, strict=True)]
    return _Reach(cat[0], cat[1], cat[2], {name: cat[3 + i] for i, name in enumerate(REACH_RULES)})


def _nearest_open(
    inst: Instance, sel: np.ndarray, allowed: np.ndarray, tt: _TypeTable
) -> tuple[np.ndarray, np.ndarray]:
    """Per client of `sel`: the open placement of an allowed type with the shortest commute, and
    its minutes (one KD-tree per type and transport-feature flag: inside one, nearest is
    quickest)."""
    cols = inst.columns
    best_p = np.full(len(sel), -1, dtype=np.int64)
    best_t = np.full(len(sel), np.inf)
    transport = offers_transport(inst)
    xyz = unit_xyz(cols.c_lat[sel], cols.c_lon[sel])
    for j, t in enumerate(tt.present.tolist()):
        rows = np.flatnonzero(allowed[:, j])
        if not len(rows):
            continue
        for flag in (False, True):
            cand = np.flatnonzero((cols.p_type == t) & (cols.p_seats > 0) & (transport == flag))
            if not len(cand):
                continue
            tree = cKDTree(unit_xyz(cols.p_lat[cand], cols.p_lon[cand]))
            _, hit = tree.query(xyz[rows], k=1)
            p = cand[np.asarray(hit, dtype=np.int64)]
            minutes = travel_minutes(inst, sel[rows], p)
            better = minutes < best_t[rows]
            best_t[rows[better]] = minutes[better]
            best_p[rows[better]] = p[better]
    return best_p, best_t


def _decisions(inst: Instance, c: int | None = None, p: int | None = None) -> list[dict[str, Any]]:
    """Decisions naming client row `c` and/or placement row `p`, as plain dicts."""
    cols = inst.columns
    sel = np.ones(len(cols.d_lock), dtype=bool)
    if c is not None:
        sel &= cols.d_client == c
    if p is not None:
        sel &= cols.d_placement == p
    w = _words(inst)
    if w.decisions is None:
        keys = ("client_id", "placement_id", "decision", "reason", "by", "at")
        w.decisions = [
            {k: _text(row.get(k)) for k in keys} for row in inst.decisions.to_dict("records")
        ]
    out = [dict(w.decisions[d]) for d in np.flatnonzero(sel).tolist()]
    return out


def _is_locked(inst: Instance, c: int, p: int) -> bool:
    """Does a `lock` decision name client row `c` and placement row `p`?"""
    w = _words(inst)
    if w.locks is None:
        cols = inst.columns
        sel = cols.d_lock & (cols.d_client >= 0) & (cols.d_placement >= 0)
        w.locks = set(zip(cols.d_client[sel].tolist(), cols.d_placement[sel].tolist(), strict=True))
    return (c, p) in w.locks


def _reach_reasons(
    inst: Instance,
    sel: np.ndarray,
    allowed: np.ndarray,
    tt: _TypeTable,
    context: dict[int, list[str]],
    eligible_word: dict[int, str],
) -> dict[int, list[str]]:
    """Reasons for clients with an open type but no feasible pair: commute, then the pair rules."""
    cols = inst.columns
    reach = _reachable(inst, sel, allowed, tt)
    k = len(sel)
    local = np.full(cols.n_clients, -1, dtype=np.int64)
    local[sel] = np.arange(k)
    cl = local[reach.client]
    n_reach = np.bincount(cl, minlength=k)
    fails = (
        np.column_stack([~reach.ok[name] for name in REACH_RULES])
        if len(cl)
        else np.zeros((0, len(REACH_RULES)), bool)
    )
    n_rules = len(REACH_RULES)
    fail_count = np.zeros((k, n_rules), dtype=np.int64)
    for r in range(n_rules):
        fail_count[:, r] = np.bincount(cl[fails[:, r]], minlength=k)
    nfail = fails.sum(axis=1)
    sole = nfail == 1
    sole_rule = np.argmax(fails, axis=1)
    sole_count = np.bincount(cl[sole] * n_rules + sole_rule[sole], minlength=k * n_rules).reshape(
        k, n_rules
    )
    min_ability = np.full(k, np.iinfo(np.int64).max)
    np.minimum.at(min_ability, cl, cols.p_min_work_ability[reach.placement])
    union = np.zeros((k, cols.p_features.shape[1]), dtype=np.uint64)
    np.bitwise_or.at(union, cl, cols.p_features[reach.placement])
    # one example pair per (client, rule), and the closest single-obstacle pair per client
    example = np.full((k, n_rules), -1, dtype=np.int64)
    for r in range(n_rules):
        rows = np.flatnonzero(fails[:, r])
        _, first = np.unique(cl[rows], return_index=True)
        example[cl[rows[first]], r] = rows[first]
    sole_rows = np.flatnonzero(sole)
    closest = np.full(k, -1, dtype=np.int64)
    if len(sole_rows):
        order = sole_rows[np.lexsort((reach.travel[sole_rows], cl[sole_rows]))]
        _, first = np.unique(cl[order], return_index=True)
        closest[cl[order[first]]] = order[first]
    forbidden_rows = (
        np.flatnonzero(fails[:, REACH_RULES.index("forbidden")])
        if len(cl)
        else np.zeros(0, np.int64)
    )
    forbidden_of: dict[int, list[int]] = {}
    for row in forbidden_rows.tolist():
        forbidden_of.setdefault(int(cl[row]), []).append(row)
    feasible_rows = np.flatnonzero(nfail == 0)
    feasible_of: dict[int, list[int]] = {}
    for row in feasible_rows.tolist():
        feasible_of.setdefault(int(cl[row]), []).append(row)
    far = np.flatnonzero(n_reach == 0)
    nearest_p, nearest_t = (
        _nearest_open(inst, sel[far], allowed[far], tt) if len(far) else (None, None)
    )
    nearest = (
        {int(i): (int(nearest_p[j]), float(nearest_t[j])) for j, i in enumerate(far.tolist())}
        if len(far)
        else {}
    )

    out: dict[int, list[str]] = {}
    for i, c in enumerate(sel.tolist()):
        limit = f"{num(cols.c_max_commute[c])} min {_mode(inst, c)}"
        if n_reach[i] == 0:
            p, minutes = nearest.get(i, (-1, np.inf))
            where = (
                f" (nearest: {_place(inst, p)}, {num(minutes)} min{_via(inst, c, p)})"
                if p >= 0
                else ""
            )
            out[c] = [f"no placement of {eligible_word[c]} within {limit}{where}"] + context[c]
            continue
        if i in feasible_of:
            names = [_placement_id(inst, int(reach.placement[r])) for r in feasible_of[i]]
            out[c] = [
                f"feasible placements ({_ids(names)}) were not among the pairs given to the solver"
            ]
            continue
        items: list[tuple[tuple[int, ...], list[str]]] = []
        n = int(n_reach[i])
        for r, name in enumerate(REACH_RULES):
            nf = int(fail_count[i, r])
            if not nf:
                continue
            s = int(sole_count[i, r])
            key = (s == 0, nf != n, -s, -nf, r)
            example_row = int(example[i, r])
            items.append(
                (
                    key,
                    RULES[name].sum_up(
                        inst,
                        c,
                        Share(
                            reachable=n,
                            failing=nf,
                            example=int(reach.placement[example_row]) if example_row >= 0 else -1,
                            lowest_min_ability=int(min_ability[i]),
                            offered=union[i],
                            failing_rows=[int(reach.placement[r]) for r in forbidden_of.get(i, [])]
                            if name == "forbidden"
                            else [],
                        ),
                    ),
                )
            )
        lines = [line for _, msgs in sorted(items, key=lambda x: x[0]) for line in msgs]
        j = int(closest[i])
        if j >= 0:
            rule = REACH_RULES[int(sole_rule[j])]
            p = int(reach.placement[j])
            line = (
                f"closest to fitting: {_place(inst, p)} ({num(reach.travel[j])} min) — only "
                f"{RULES[rule].reason(inst, c, p, float(reach.travel[j]))}"
            )
            if n > 1 and rule != "forbidden":
                lines.append(line)
        out[c] = lines + context[c]
    return out


def _via(inst: Instance, c: int, p: int) -> str:
    provided = provides_transport(inst, p) and inst.columns.c_transport[c] != CAR
    return " by the transport it provides" if provided else ""


def _best_by(owner: np.ndarray, value: np.ndarray, n: int, lowest: bool = False) -> np.ndarray:
    """Per owner 0..n-1: the position in `owner` with the highest (or lowest) value, −1 if none;
    ties go to the first position."""
    out = np.full(n, -1, dtype=np.int64)
    if not len(owner):
        return out
    order = _order_by(owner, value if lowest else -value)
    first = np.r_[True, owner[order][1:] != owner[order][:-1]]
    out[owner[order][first]] = order[first]
    return out


def _expand(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position) for the runs start[i] … start[i] + count[i] − 1."""
    owner = np.repeat(np.arange(len(count)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return owner, np.repeat(start, count) + offset


def _run_rank(owner: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal consecutive owners."""
    start = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]) if len(owner) else owner
    return np.arange(len(owner)) - np.repeat(start, np.diff(np.append(start, len(owner))))


def _first_per(owner: np.ndarray, value: np.ndarray, limit: int) -> dict[int, list[int]]:
    """The first `limit` values of each owner, in their order of appearance; each owner's
    elements must be adjacent (a client's pairs are)."""
    if not len(owner):
        return {}
    keep = _run_rank(owner) < limit
    out: dict[int, list[int]] = {}
    for a, b in zip(owner[keep].tolist(), value[keep].tolist(), strict=True):
        out.setdefault(a, []).append(b)
    return out


def _first_ids(
    owner: np.ndarray, value: np.ndarray, n: int, limit: int
) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Distinct (owner, value) pairs: the count per owner and the first `limit` values of each."""
    if not len(owner):
        return np.zeros(n, dtype=np.int64), {}
    width = int(value.max()) + 1
    key = np.unique(owner * width + value)
    uo, uv = key // width, key % width
    count = np.bincount(uo, minlength=n)
    rank = np.arange(len(key)) - np.searchsorted(uo, uo)
    keep = rank < limit
    firsts: dict[int, list[int]] = {}
    for a, b in zip(uo[keep].tolist(), uv[keep].tolist(), strict=True):
        firsts.setdefault(a, []).append(b)
    return count, firsts


def _competition_reasons(o: _Outcome, clients: np.ndarray) -> dict[int, list[str]]:
    """Reasons for unplaced clients that have feasible pairs: who holds the seats (and their
    priority), which pools are spent, which provider caps are reached, or that the pair scores too
    little / the solver stopped early. The figures are computed for all clients at once."""
    out: dict[int, list[str]] = {}
    if not len(clients):
        return out
    inst, pairs = o.inst, o.pairs
    cols = inst.columns
    k = len(clients)
    local = np.full(cols.n_clients, -1, dtype=np.int64)
    local[clients] = np.arange(k)
    idx = np.flatnonzero(local[pairs.client] >= 0)
    view = _pair_view(o, idx, _blocks(o, idx))
    rep = view.rep
    cl = local[pairs.client[rep]]
    score = pairs.score[rep]
    place = pairs.placement[rep]
    mine = o.prio[pairs.client[rep]]
    n_pairs = np.bincount(cl, minlength=k)
    blockers = view.seats.astype(np.int64) + view.budget + view.cap
    sole = blockers == 1
    fr = np.flatnonzero(view.free)
    best_free = _best_by(cl[fr], score[fr], k)
    # seats: holders of each placement are sorted by priority, lowest first
    sr = np.flatnonzero(view.seats)
    hclient = pairs.client[o.holders]
    hprio = o.prio[hclient]
    big = int(max(o.prio.max(initial=0), 0)) + 1
    hkey = pairs.placement[o.holders].astype(np.int64) * big + np.maximum(hprio, 0)
    lo, hi = o.holder_ptr[place[sr]], o.holder_ptr[place[sr] + 1]
    kpos = np.searchsorted(
        hkey, place[sr].astype(np.int64) * big + np.maximum(mine[sr], 0), side="left"
    )
    has_h = hi > lo
    lower = (
        has_h & (hprio[np.minimum(lo, max(len(hprio) - 1, 0))] < mine[sr]) if len(hprio) else has_h
    )
    equal = (
        (kpos < hi) & (hprio[np.minimum(kpos, max(len(hprio) - 1, 0))] == mine[sr])
        if len(hprio)
        else has_h
    )
    n_full = np.bincount(cl[sr], minlength=k)
    any_equal = np.bincount(cl[sr][equal], minlength=k) > 0
    # named holders come closest-priority first (holders are sorted by priority, lowest first);
    # every placed client holds one seat, so holders of different placements are distinct:
    # the count is a sum, and only the first few per client need expanding
    n_higher = np.bincount(cl[sr], weights=hi - kpos, minlength=k).astype(np.int64)
    named = np.flatnonzero(hi > kpos)
    named = named[_run_rank(cl[sr][named]) < MAX_IDS]  # enough rows to name MAX_IDS holders
    owner, pos = _expand(kpos[named], np.minimum(hi[named] - kpos[named], MAX_IDS))
    higher = _first_per(cl[sr][named][owner], hclient[pos], MAX_IDS)
    lr = sr[lower]
    weakest_lo = o.holders[o.holder_ptr[place[lr]]] if len(lr) else np.zeros(0, np.int64)
    n_lower = np.bincount(cl[lr], minlength=k)
    lower_ids = _first_per(cl[lr], pairs.client[weakest_lo], MAX_IDS)
    best_lower = _best_by(cl[lr], score[lr], k)
    best_full = _best_by(cl[sr], score[sr], k)
    hplace = pairs.placement[o.holders]
    weakest_score = _best_by(hplace, pairs.score[o.holders], cols.n_placements, lowest=True)
    only_seats = np.bincount(cl[view.seats & sole], minlength=k)
    higher_seen = np.bincount(cl[sr[kpos < hi]], minlength=k) > 0
    # budgets: per client and pool, the cheapest blocked triple
    br = np.flatnonzero(view.budget)
    g = o.group[rep[br]]
    owner, t = _expand(o.group_ptr[g], o.group_ptr[g + 1] - o.group_ptr[g])
    t_owner, t_pool = cl[br][owner], pairs.pool[t]
    keep = t_pool >= 0
    t, t_owner, t_pool = t[keep], t_owner[keep], t_pool[keep]
    order = _order_by(t_owner * max(len(o.budget), 1) + t_pool, o.cents[t])
    t, t_owner, t_pool = t[order], t_owner[order], t_pool[order]
    first = (
        np.r_[True, (t_owner[1:] != t_owner[:-1]) | (t_pool[1:] != t_pool[:-1])]
        if len(t)
        else np.zeros(0, bool)
    )
    pool_triples: dict[int, list[int]] = {}
    for a, j in zip(t_owner[first].tolist(), t[first].tolist(), strict=True):
        pool_triples.setdefault(a, []).append(j)
    n_budget = np.bincount(cl[br], minlength=k)
    only_budget = np.bincount(cl[view.budget & sole], minlength=k)
    cr = np.flatnonzero(view.cap)
    n_cap = np.bincount(cl[cr], minlength=k)
    only_cap = np.bincount(cl[view.cap & sole], minlength=k)
    _, cap_providers = _first_ids(cl[cr], np.maximum(o.provider[rep[cr]], 0), k, 3)
    ids = _words(inst).client_id
    for i, c in enumerate(clients.tolist()):
        lines: list[str] = []
        n = int(n_pairs[i])
        if best_free[i] >= 0:
            lines.append(_open_pair_text(o, int(rep[fr[best_free[i]]])))
        kinds: list[tuple[tuple[int, ...], list[str]]] = []
        nf = int(n_full[i])
        if nf:
            word = "the same or higher" if any_equal[i] else "higher"
            if nf == n:
                head = (
                    f"{n} feasible placements, all filled"
                    if n > 1
                    else "1 feasible placement, filled"
                )
            else:
                head = f"{nf} of {n} feasible placements are filled"
            parts = []
            if higher_seen[i]:
                parts.append(
                    f"by clients with {word} priority "
                    f"({_ids([ids[x] for x in higher[i]], int(n_higher[i]))})"
                )
            if n_lower[i]:
                many = n_lower[i] > 1
                names = sorted(ids[x] for x in lower_ids[i])
                parts.append(
                    f"by {'clients' if many else 'a client'} with lower priority "
                    f"({_ids(names, int(n_lower[i]))})"
                )
            text = [f"{head} " + " and ".join(parts)]
            if best_lower[i] >= 0:
                r = lr[best_lower[i]]
                j, h = int(rep[r]), int(o.holders[o.holder_ptr[place[r]]])
                b = int(pairs.client[h])
                text.append(
                    f"{_place(inst, int(place[r]))} went to {ids[b]} with lower priority "
                    f"({int(o.prio[b])} vs your {int(mine[r])}): "
                    + "; ".join(_holder_why(o, c, j, h))
                )
            r = sr[best_full[i]]
            w = int(weakest_score[place[r]])
            h = int(o.holders[w])
            s_mine, s_held = int(score[r]), int(pairs.score[h])
            if o.status == "OPTIMAL" and o.weighted and s_held >= s_mine and best_free[i] < 0:
                verb = "higher" if s_held > s_mine else "as high"
                text.append(
                    f"the chosen allocation scores {verb} without you: your best pair "
                    f"({_placement_id(inst, int(place[r]))}) scores {s_mine}, "
                    "the client placed there "
                    f"({ids[int(pairs.client[h])]}) scores {s_held}"
                )
            # seats held only by lower-priority clients are no reason in themselves
            kinds.append(((-int(only_seats[i]), -nf, 0) if higher_seen[i] else (1, 0, 3), text))
        if n_budget[i]:
            text = []
            for j in pool_triples.get(i, [])[:3]:
                f = int(pairs.pool[j])
                used, total = o.pool_used[f] / 100, o.budget[f] / 100
                text.append(
                    f"{_pool(inst, f)} is spent: {eur(used)} of {eur(total)} used, "
                    f"{eur(total - used)} left; your pair at "
                    f"{_placement_id(inst, int(pairs.placement[j]))} "
                    f"costs {eur(pairs.cost[j])}"
                )
            kinds.append(((-int(only_budget[i]), -int(n_budget[i]), 1), text))
        if n_cap[i]:
            text = [
                f"{_provider(inst, v)}'s cap on wage-subsidy people is reached "
                f"({int(o.cap_used[v])} of {int(o.cap[v])})"
                for v in cap_providers.get(i, [])
            ]
            kinds.append(((-int(only_cap[i]), -int(n_cap[i]), 2), text))
        for _, text in sorted(kinds, key=lambda x: x[0]):
            lines.extend(text)
        if not lines:
            lines.append(f"{_plural(n, 'feasible placement')}, none chosen (status {o.status})")
        out[c] = lines
    return out


def _open_pair_text(o: _Outcome, j: int) -> str:
    """Why a pair with room for its client (no seat, pool or cap in the way) was not used."""
    inst, pairs = o.inst, o.pairs
    place, s = _place(inst, int(pairs.placement[j])), int(pairs.score[j])
    if s <= 0:
        return (
            f"placing you would lower the total score: your best open placement, {place}, "
            f"scores {s} ({_component_text(_components(pairs, j))})"
        )
    if o.status != "OPTIMAL":
        return (
            f"{place} still has room and your pair there scores {s}, but the solver stopped "
            f"before placing you (status {o.status})"
        )
    if inst.rules.fairness_floor > 0:
        return (
            f"{place} still has room (your pair there scores {s}); with the fairness floors "
            f"the optimum leaves you out"
        )
    return f"{place} still has room and your pair there scores {s}: the allocation does not use it"


def _component_text(comps: dict[str, int]) -> str:
    return ", ".join(f"{k} {_signed(v)}" for k, v in comps.items() if v)


def _holder_why(o: _Outcome, a: int, ja: int, jb: int) -> list[str]:
    """Why the allocation keeps holder triple `jb` rather than client `a`'s triple `ja` at the same
    placement: the holder's lack of alternatives, a spent pool, the scores — each only when true."""
    inst, pairs = o.inst, o.pairs
    b = int(pairs.client[jb])
    bid = _client_id(inst, b)
    p = int(pairs.placement[jb])
    why: list[str] = []
    blocked = False  # a hard constraint forbids swapping a in for b
    if _is_locked(inst, b, p):
        blocked = True
        why.append(
            f"{bid}'s pair with {_placement_id(inst, p)} is locked by decision"
            + decision_note(inst, b, p, "lock")
        )
    own = int(o.placed_at[a])
    if own >= 0 and _is_locked(inst, a, int(pairs.placement[own])):
        blocked = True
        q = int(pairs.placement[own])
        why.append(
            f"your pair with {_placement_id(inst, q)} is locked by decision"
            + decision_note(inst, a, q, "lock")
        )
    n_others, can_move = o.moves
    n_other = int(n_others[b])
    if not n_other:
        why.append(f"{bid} had no other feasible placement")
    else:
        if not can_move[b]:
            others_text = (
                "other feasible placement was"
                if n_other == 1
                else f"other {n_other} feasible placements were"
            )
            why.append(f"{bid}'s {others_text} full or could not be paid")
    # can a's pair at p be paid once b's cost is freed?
    mine = [t for t in o.group_triples(int(o.group[ja]))]
    paid = [t for t in mine if pairs.pool[t] >= 0 and o.cents[t] > 0]
    if paid and len(paid) == len(mine):
        short = []
        for t in paid:
            f = int(pairs.pool[t])
            left = int(o.budget[f] - o.pool_used[f])
            if pairs.pool[jb] == f:
                left += int(o.cents[jb])
            if own >= 0 and pairs.pool[own] == f:
                left += int(o.cents[own])
            short.append((t, f, left))
        if all(o.cents[t] > left for t, _, left in short):
            t, f, left = short[0]
            extra = ""
            if o.cents[t] > o.cents[jb]:
                extra = (
                    f" — your pair costs {eur((o.cents[t] - o.cents[jb]) / 100)} more than {bid}'s"
                )
            blocked = True
            why.append(
                f"{_pool(inst, f)} could not pay your {eur(pairs.cost[t])} even with {bid}'s seat "
                f"freed ({eur(left / 100)} left){extra}"
            )
    sa, sb = int(pairs.score[ja]), int(pairs.score[jb])
    diff = _component_diff(_components(pairs, ja), _components(pairs, jb))
    if sb > sa:
        why.append(f"{bid} scores {sb} there, you {sa} ({bid}: {diff})")
    elif sb == sa:
        why.append(f"{bid} scores the same there ({sb}): a tie")
    else:
        why.append(f"you would score {sa} there, {bid} {sb}")
    if blocked or not o.weighted:
        return why
    # nothing blocks swapping a in for b: its effect on the total is the whole story
    own_score = int(pairs.score[own]) if own >= 0 else 0
    delta = sa - sb - own_score
    if own >= 0 and delta <= 0 and sa > sb:
        q = _placement_id(inst, int(pairs.placement[own]))
        why.append(
            f"but you would leave {q} (score {own_score}): the swap changes the total by "
            f"{_signed(delta)}"
        )
    elif delta > 0:
        if o.status != "OPTIMAL":
            why.append(
                f"swapping you in would raise the total by {delta}: the solver stopped "
                f"before finding it (status {o.status})"
            )
        elif inst.rules.fairness_floor > 0:
            why.append(
                f"swapping you in would raise the scores by {delta}, but the fairness floors "
                "weigh against it"
            )
        else:
            why.append(f"swapping you in would raise the total by {delta}")
    return why


# --- alternatives for the placed ------------------------------------------------------------------


def alternatives_for_assigned(
    inst: Instance, result: SolveResult, limit: int = 3
) -> dict[int, list[dict]]:
    """Client row index → up to `limit` next-best feasible placements of each placed client:
    placement_id, pool_id, score, score_diff (= its score − the chosen pair's score) and why_not."""
    o = _outcome(inst, result)
    return _alternatives(o, None, limit)


def _alternatives(o: _Outcome, only: np.ndarray | None, limit: int) -> dict[int, list[dict]]:
    inst, pairs = o.inst, o.pairs
    cols = inst.columns
    placed = o.placed_at >= 0
    if only is not None:
        keep = np.zeros(cols.n_clients, dtype=bool)
        keep[only] = True
        placed &= keep
    c_all = pairs.client
    own = o.placed_at[c_all]
    idx = np.flatnonzero(placed[c_all] & (pairs.placement != pairs.placement[np.maximum(own, 0)]))
    view = _pair_view(o, idx, _blocks(o, idx))
    rep = view.rep
    if not len(rep) or limit <= 0:
        return {}
    c = pairs.client[rep]
    order = _order_by(c, -pairs.score[rep])  # rep is in placement order within a client
    c_sorted = c[order]
    start = np.searchsorted(c_sorted, c_sorted, side="left")
    rank = np.arange(len(order)) - start
    take = order[rank < limit]
    out: dict[int, list[dict]] = {}
    pool_ids = np.append(cols.pool_id.astype(object), "")
    for r in take.tolist():
        j = int(rep[r])
        ci = int(pairs.client[j])
        oj = int(o.placed_at[ci])
        s, s0 = int(pairs.score[j]), int(pairs.score[oj])
        out.setdefault(ci, []).append(
            {
                "placement_id": _placement_id(inst, int(pairs.placement[j])),
                "pool_id": str(pool_ids[pairs.pool[j]]),
                "score": s,
                "score_diff": s - s0,
                "why_not": _why_not(
                    o, j, oj, bool(view.seats[r]), bool(view.budget[r]), bool(view.cap[r])
                ),
            }
        )
    return out


def _why_not(o: _Outcome, j: int, oj: int, seats: bool, budget: bool, cap: bool) -> str:
    """Why the allocation did not move the client from triple `oj` to triple `j`."""
    inst, pairs = o.inst, o.pairs
    p = int(pairs.placement[j])
    bits: list[str] = []
    c, q = int(pairs.client[oj]), int(pairs.placement[oj])
    if _is_locked(inst, c, q):
        bits.append(
            f"your pair with {_placement_id(inst, q)} is locked by decision"
            + decision_note(inst, c, q, "lock")
        )
    if seats:
        hs = [_client_id(inst, int(pairs.client[h])) for h in o.holders_of(p).tolist()]
        n = int(inst.columns.p_seats[p])
        bits.append(f"full: {_plural(n, 'seat')} taken by {_ids(hs)}")
    if budget:
        ps = [int(pairs.pool[t]) for t in o.group_triples(int(o.group[j])) if pairs.pool[t] >= 0]
        names = ", ".join(str(inst.columns.pool_id[f]) for f in dict.fromkeys(ps))
        bits.append(f"no pool can pay its {eur(pairs.cost[j])} ({names} short)")
    if cap:
        v = int(o.provider[j])
        bits.append(
            f"{_provider(inst, v)}'s wage-subsidy cap is reached "
            f"({int(o.cap_used[v])} of {int(o.cap[v])})"
        )
    d = int(pairs.score[j] - pairs.score[oj])
    diff = _component_diff(_components(pairs, oj), _components(pairs, j))
    if d < 0:
        bits.append(f"scores {-d} less ({diff})")
    elif d == 0:
        bits.append("scores the same (a tie)")
    elif not bits:
        if o.status != "OPTIMAL":
            tail = f"; the solver stopped before trying it (status {o.status})"
        elif inst.rules.fairness_floor > 0:
            tail = "; the fairness floors weigh against the move"
        else:
            tail = ""
        bits.append(f"scores {d} more ({diff}) and is open{tail}")
    else:
        bits.append(f"would score {d} more ({diff})")
    return "; ".join(bits)


# --- justified envy -------------------------------------------------------------------------------


def justified_envy(inst: Instance, result: SolveResult) -> dict:
    """Counts and examples of justified envy: a client left out, or placed at a lower wish, while a
    placement they were feasible for went to a client of lower priority — with why the optimum
    still chose it (the holder had no alternative, the pool is spent, the holder scores higher)."""
    o = _outcome(inst, result)
    pairs = o.pairs
    cols = inst.columns
    empty = {
        "pairs": 0,
        "clients": 0,
        "unassigned_clients": 0,
        "placed_clients": 0,
        "why": {},
        "examples": [],
    }
    if not len(pairs):
        return empty
    starts = o.group_ptr[:-1]
    c = pairs.client[starts]
    p = pairs.placement[starts]
    own = o.placed_at[c]
    queue_unplaced = (own < 0) & (cols.c_current[c] < 0)
    oj = np.maximum(own, 0)
    rank = wish_rank(inst, c, p)
    own_rank = wish_rank(inst, c, pairs.placement[oj])
    better_wish = (
        (own >= 0) & (rank > 0) & ((own_rank == 0) | (rank < own_rank)) & (pairs.placement[oj] != p)
    )
    has_holder = o.holder_ptr[p + 1] > o.holder_ptr[p]
    weakest = np.full(len(p), -1, dtype=np.int64)
    weakest[has_holder] = o.holders[o.holder_ptr[p[has_holder]]]
    holder = np.where(weakest >= 0, pairs.client[np.maximum(weakest, 0)], -1)
    envy = (queue_unplaced | better_wish) & has_holder & (o.prio[np.maximum(holder, 0)] < o.prio[c])
    rows = np.flatnonzero(envy)
    if not len(rows):
        return empty
    ja, jb = starts[rows], weakest[rows]
    a, b = c[rows], holder[rows]
    # why, vectorised: holder without alternative; holder scores at least as much there; pool spent
    no_alt = o.moves[0][b] == 0
    lock_keys = fz.decision_keys(inst, lock=True)
    locked = np.isin(fz.pair_keys(inst, b, p[rows]), lock_keys)
    own_rows = o.placed_at[a]
    own_locked = (own_rows >= 0) & np.isin(
        fz.pair_keys(inst, a, pairs.placement[np.maximum(own_rows, 0)]), lock_keys
    )
    scores_more = pairs.score[jb] >= pairs.score[ja]
    spent = _pool_spent_after_swap(o, ja, jb)
    why = {
        "holder_locked": int(locked.sum()),
        "own_pair_locked": int(own_locked.sum()),
        "holder_has_no_alternative": int(no_alt.sum()),
        "holder_scores_at_least_as_high": int(scores_more.sum()),
        "pool_spent": int(spent.sum()),
        "other": int((~(locked | own_locked | no_alt | scores_more | spent)).sum()),
    }
    gap = o.prio[a] - o.prio[b]
    examples = []
    by_gap = np.argsort(-gap, kind="stable").tolist()
    seen_c: set[int] = set()
    seen_p: set[int] = set()
    picked: list[int] = []
    for strict in (True, False):  # distinct clients and placements first, then distinct clients
        for r in by_gap:
            if len(picked) >= ENVY_EXAMPLES:
                break
            ca, pa = int(a[r]), int(p[rows[r]])
            if ca in seen_c or (strict and pa in seen_p):
                continue
            seen_c.add(ca)
            seen_p.add(pa)
            picked.append(r)
    for r in picked:
        examples.append(
            {
                "client_id": _client_id(inst, int(a[r])),
                "placement_id": _placement_id(inst, int(p[rows[r]])),
                "holder_id": _client_id(inst, int(b[r])),
                "client_priority": int(o.prio[a[r]]),
                "holder_priority": int(o.prio[b[r]]),
                "client_status": "unassigned"
                if o.placed_at[a[r]] < 0
                else f"placed at {_placement_id(inst, int(pairs.placement[o.placed_at[a[r]]]))} "
                "(a lower wish)",
                "why": _holder_why(o, int(a[r]), int(ja[r]), int(jb[r])),
            }
        )
    unplaced = o.placed_at[a] < 0
    return {
        "pairs": int(len(rows)),
        "clients": int(len(np.unique(a))),
        "unassigned_clients": int(len(np.unique(a[unplaced]))),
        "placed_clients": int(len(np.unique(a[~unplaced]))),
        "why": why,
        "examples": examples,
    }


def _pool_spent_after_swap(o: _Outcome, ja: np.ndarray, jb: np.ndarray) -> np.ndarray:
    """Per envy pair: no pool of the envious pair (group of `ja`) can pay it even after freeing
    the holder's triple `jb` (and the envious client's own)."""
    pairs = o.pairs
    g = o.group[ja]
    counts = o.group_ptr[g + 1] - o.group_ptr[g]
    owner = np.repeat(np.arange(len(ja)), counts)
    t = np.repeat(o.group_ptr[g], counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    f = pairs.pool[t]
    fi = np.maximum(f, 0)
    left = o.budget[fi] - o.pool_used[fi] if len(o.budget) else np.zeros(len(t), np.int64)
    hb = jb[owner]
    left = left + np.where(pairs.pool[hb] == f, o.cents[hb], 0)
    own = o.placed_at[pairs.client[t]]
    oj = np.maximum(own, 0)
    left = left + np.where((own >= 0) & (pairs.pool[oj] == f), o.cents[oj], 0)
    short = (f >= 0) & (o.cents[t] > 0) & (o.cents[t] > left)
    out = np.ones(len(ja), dtype=bool)
    np.logical_and.at(out, owner, short)
    return out


# --- from an allocation.json ----------------------------------------------------------------------


def result_from_allocation(
    inst: Instance, alloc: Allocation, pairs: PairTable | None = None
) -> tuple[SolveResult, list[str]]:
    """A SolveResult whose chosen triples are the allocation's assignments, over the instance's
    feasible pairs (re-derived with build_pairs, no solving), and warnings for assignments that
    match no feasible triple."""
    cols = inst.columns
    pairs = build_pairs(inst) if pairs is None else pairs
    chosen = np.zeros(len(pairs), dtype=bool)
    warnings: list[str] = []
    c_index = {str(x): i for i, x in enumerate(cols.client_id)}
    p_index = {str(x): i for i, x in enumerate(cols.placement_id)}
    f_index = {str(x): i for i, x in enumerate(cols.pool_id)}
    key = pairs.pair_keys(cols.n_placements)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    n_pl = max(cols.n_placements, 1)
    for a in alloc.assignments:
        c, p = c_index.get(a.client_id), p_index.get(a.placement_id)
        if c is None or p is None:
            warnings.append(
                f"assignment {a.client_id} → {a.placement_id}: unknown "
                f"{'client' if c is None else 'placement'} in this instance"
            )
            continue
        k = c * n_pl + p
        lo, hi = np.searchsorted(sorted_key, k), np.searchsorted(sorted_key, k, side="right")
        if lo == hi:
            warnings.append(
                f"assignment {a.client_id} → {a.placement_id} is not a feasible pair of this "
                "instance"
            )
            continue
        triples = order[lo:hi]
        f = f_index.get(a.pool_id, -1) if a.pool_id else -1
        match = triples[pairs.pool[triples] == f]
        if not len(match):
            warnings.append(
                f"assignment {a.client_id} → {a.placement_id}: pool {a.pool_id or '(none)'} "
                "does not pay this pair under the rules; explained with its first pool"
            )
            match = triples
        chosen[int(match[0])] = True
    result = SolveResult(
        pairs=pairs,
        chosen=chosen,
        status=alloc.status,
        objective=float(alloc.objective or 0),
        bound=None if alloc.bound is None else float(alloc.bound),
        seconds=alloc.solve_seconds,
        stats=dict(solver) if isinstance(solver := alloc.extra.get("solver"), dict) else {},
    )
    return result, warnings


def _client_index(inst: Instance, client_id: str) -> int:
    hits = np.flatnonzero(inst.columns.client_id.astype(str) == str(client_id))
    if not len(hits):
        raise ExplainError(f"client {client_id!r} is not in instance {inst.name!r}")
    return int(hits[0])


def _placement_index(inst: Instance, placement_id: str) -> int:
    hits = np.flatnonzero(inst.columns.placement_id.astype(str) == str(placement_id))
    if not len(hits):
        raise ExplainError(f"placement {placement_id!r} is not in instance {inst.name!r}")
    return int(hits[0])


def _client_facts(inst: Instance, c: int, o: _Outcome) -> dict[str, Any]:
    row = inst.clients.iloc[c]
    cols = inst.columns
    groups = [cols.groups.tokens[g] for g in np.flatnonzero(cols.c_groups[c])]
    months = {k: v for k, v in (row["months_used"] or {}).items() if v}
    return {
        "municipality": str(row["municipality"]),
        "age": int(row["age"]),
        "benefit_days": int(row["benefit_days"]),
        "unemployed_months": int(row["unemployed_months"]),
        "work_ability": int(row["work_ability"]),
        "partial_work_ability": bool(row["partial_work_ability"]),
        "languages": list(row["languages"]),
        "needs": list(row["needs"]),
        "transport": str(row["transport"]),
        "max_commute_min": int(row["max_commute_min"]),
        "consents": list(row["consents"]),
        "wishes": list(row["wishes"]) if "wishes" in row else [],
        "months_used": months,
        "current_placement": str(row["current_placement"] or ""),
        "groups": groups,
        "priority": int(o.prio[c]),
    }


def _near_misses(inst: Instance, c: int, limit: int = 5) -> list[dict[str, Any]]:
    """The infeasible placements closest to fitting client `c`: fewest failing rules, then
    commute."""
    cols = inst.columns
    m = cols.n_placements
    if not m:
        return []
    ci, pi = np.full(m, c, dtype=np.int64), np.arange(m)
    masks = check_pairs(inst, ci, pi)
    names = [n for n in masks if n not in ("queue", "age")]
    fails = np.column_stack([~masks[n] for n in names])
    nfail = fails.sum(axis=1)
    travel = travel_minutes(inst, ci, pi)
    cand = np.flatnonzero(nfail > 0)
    cand = cand[np.lexsort((travel[cand], nfail[cand]))][:limit]
    out = []
    for p in cand.tolist():
        out.append(
            {
                "placement_id": _placement_id(inst, p),
                "placement": _place(inst, p),
                "travel_min": float(travel[p]),
                "fails": [
                    RULES[names[r]].reason(inst, c, p, float(travel[p]))
                    for r in np.flatnonzero(fails[p])
                ],
            }
        )
    return out


def explain_client(inst: Instance, alloc: Allocation, client_id: str) -> dict:
    """Everything about one client under an allocation: facts and priority, the placement or the
    reasons (recomputed), alternatives, feasible placements and who holds them, near misses,
    decisions, and envy. Pairs are re-derived with build_pairs; nothing is solved."""
    c = _client_index(inst, client_id)
    result, warnings = result_from_allocation(inst, alloc)
    o = _outcome(inst, result)
    pairs = o.pairs
    cols = inst.columns
    out: dict[str, Any] = {
        "kind": "client",
        "client_id": str(client_id),
        "instance": inst.name,
        "allocation_status": alloc.status,
        "facts": _client_facts(inst, c, o),
        "warnings": warnings,
        "decisions": _decisions(inst, c=c),
    }
    stored = next((u.reasons for u in alloc.unassigned if u.client_id == str(client_id)), None)
    j0 = int(o.placed_at[c])
    if cols.c_current[c] >= 0:
        out["outcome"] = "in current placement"
        out["reasons"] = [
            f"already in placement {cols.placement_id[cols.c_current[c]]} (stays there this week)"
        ]
    elif j0 >= 0:
        out["outcome"] = "assigned"
        p = int(pairs.placement[j0])
        f = int(pairs.pool[j0])
        out["assignment"] = {
            "placement_id": _placement_id(inst, p),
            "placement": _place(inst, p),
            "provider": _provider(inst, int(cols.p_provider[p])) if cols.p_provider[p] >= 0 else "",
            "pool_id": str(cols.pool_id[f]) if f >= 0 else "",
            "cost": round(float(pairs.cost[j0]), 2),
            "travel_min": float(pairs.travel_min[j0]),
            "mode": trip_mode(inst, c, p),
            "score": _components(pairs, j0),
            "total": int(pairs.score[j0]),
            "wish_rank": int(wish_rank(inst, np.array([c]), np.array([p]))[0]),
        }
        out["alternatives"] = _alternatives(o, np.array([c]), 5).get(c, [])
    else:
        out["outcome"] = "unassigned"
        out["reasons"] = _reasons(o, np.array([c])).get(c, [])
        if stored is not None and list(stored) != out["reasons"]:
            out["stored_reasons"] = list(stored)
    # feasible placements and who holds them
    rng = o.triples_of(c)
    idx = np.arange(rng.start, rng.stop, dtype=np.int64)
    view = _pair_view(o, idx, _blocks(o, idx))
    feasible = []
    for r in np.argsort(-pairs.score[view.rep], kind="stable").tolist():
        j = int(view.rep[r])
        p = int(pairs.placement[j])
        holders = [_client_id(inst, int(pairs.client[h])) for h in o.holders_of(p).tolist()]
        entry = {
            "placement_id": _placement_id(inst, p),
            "placement": _place(inst, p),
            "score": int(pairs.score[j]),
            "travel_min": float(pairs.travel_min[j]),
            "cost": round(float(pairs.cost[j]), 2),
            "chosen": bool(j0 >= 0 and pairs.placement[j0] == p),
            "holders": holders,
            "free_seats": int(max(cols.p_seats[p] - o.seat_used[p], 0)),
        }
        if not entry["chosen"]:
            entry["why_not"] = (
                _why_not(o, j, j0, bool(view.seats[r]), bool(view.budget[r]), bool(view.cap[r]))
                if j0 >= 0
                else _why_unplaced_here(o, j, view, r)
            )
        feasible.append(entry)
    out["feasible_count"] = len(feasible)
    out["feasible"] = feasible[:10]
    out["near_misses"] = _near_misses(inst, c) if cols.c_current[c] < 0 else []
    envy = []
    for r in range(len(view.rep)):
        j = int(view.rep[r])
        p = int(pairs.placement[j])
        hs = o.holders_of(p)
        if not len(hs) or (j0 >= 0 and pairs.placement[j0] == p):
            continue
        if j0 >= 0:
            ranks = wish_rank(inst, np.array([c, c]), np.array([p, int(pairs.placement[j0])]))
            if not (ranks[0] > 0 and (ranks[1] == 0 or ranks[0] < ranks[1])):
                continue
        h = int(hs[0])
        b = int(pairs.client[h])
        if o.prio[b] < o.prio[c]:
            envy.append(
                {
                    "placement_id": _placement_id(inst, p),
                    "holder_id": _client_id(inst, b),
                    "holder_priority": int(o.prio[b]),
                    "why": _holder_why(o, c, j, h),
                }
            )
    out["envy"] = envy
    return out


def _why_unplaced_here(o: _Outcome, j: int, view: _PairView, r: int) -> str:
    """Why an unplaced client's pair (triple `j`, row `r` of `view`) was not used."""
    bits = []
    inst, pairs = o.inst, o.pairs
    p = int(pairs.placement[j])
    if view.seats[r]:
        hs = o.holders_of(p).tolist()
        names = [
            f"{_client_id(inst, int(pairs.client[h]))} (priority {int(o.prio[pairs.client[h]])}, "
            f"score {int(pairs.score[h])})"
            for h in hs
        ]
        bits.append(f"full: held by {_ids(names)}")
    if view.budget[r]:
        bits.append(f"no pool can pay its {eur(pairs.cost[j])}")
    if view.cap[r]:
        v = int(o.provider[j])
        bits.append(f"{_provider(inst, v)}'s wage-subsidy cap is reached")
    if not bits:
        bits.append(
            f"open, but not taken (your score here {int(pairs.score[j])}, status {o.status})"
        )
    return "; ".join(bits)


def explain_placement(inst: Instance, alloc: Allocation, placement_id: str) -> dict:
    """Everything about one placement under an allocation: facts, who was proposed there (scores,
    priorities), who was close (feasible clients not chosen, their scores, where they went and why
    not here), how the queue fares against each rule for it, and its decisions."""
    p = _placement_index(inst, placement_id)
    result, warnings = result_from_allocation(inst, alloc)
    o = _outcome(inst, result)
    pairs = o.pairs
    cols = inst.columns
    row = inst.placements.iloc[p]
    v = int(cols.p_provider[p])
    ptr, pools = placement_pools(inst)
    facts = {
        "type": str(row["type"]),
        "type_words": type_words(str(row["type"])),
        "provider": _provider(inst, v) if v >= 0 else str(row["provider_id"]),
        "municipality": str(row["municipality"]),
        "seats": int(row["seats"]),
        "min_work_ability": int(row["min_work_ability"]),
        "language": str(row["language"]),
        "features": list(row["features"]),
        "sector": str(row["sector"]),
        "duration_weeks": int(row["duration_weeks"]),
        "weekly_cost": float(row["weekly_cost"]),
        "funding_pools": [str(cols.pool_id[f]) for f in pools[ptr[p] : ptr[p + 1]].tolist()],
        "demands": dict(row["demands"]) if "demands" in row and row["demands"] else {},
    }
    proposed = []
    for h in o.holders_of(p).tolist():
        b = int(pairs.client[h])
        proposed.append(
            {
                "client_id": _client_id(inst, b),
                "priority": int(o.prio[b]),
                "score": _components(pairs, h),
                "total": int(pairs.score[h]),
                "travel_min": float(pairs.travel_min[h]),
                "cost": round(float(pairs.cost[h]), 2),
                "pool_id": str(cols.pool_id[pairs.pool[h]]) if pairs.pool[h] >= 0 else "",
                "locked": _is_locked(inst, b, p),
            }
        )
    proposed.sort(key=lambda d: -d["total"])
    here = np.flatnonzero(pairs.placement == p)
    view = _pair_view(o, here, _blocks(o, here))
    close = []
    weakest = min((d["total"] for d in proposed), default=None)
    for r in np.argsort(-pairs.score[view.rep], kind="stable").tolist():
        j = int(view.rep[r])
        c = int(pairs.client[j])
        j0 = int(o.placed_at[c])
        if j0 >= 0 and pairs.placement[j0] == p:
            continue
        went = _placement_id(inst, int(pairs.placement[j0])) if j0 >= 0 else ""
        entry = {
            "client_id": _client_id(inst, c),
            "priority": int(o.prio[c]),
            "score": int(pairs.score[j]),
            "score_vs_weakest_proposed": None if weakest is None else int(pairs.score[j]) - weakest,
            "went_to": went or "unassigned",
            "score_there": int(pairs.score[j0]) if j0 >= 0 else None,
            "why_not_here": (
                _why_not(o, j, j0, bool(view.seats[r]), bool(view.budget[r]), bool(view.cap[r]))
                if j0 >= 0
                else _why_unplaced_here(o, j, view, r)
            ),
        }
        close.append(entry)
    queue = np.flatnonzero(cols.c_queue)
    masks = check_pairs(inst, queue, np.full(len(queue), p, dtype=np.int64))
    feasible_all = np.ones(len(queue), dtype=bool)
    for mask in masks.values():
        feasible_all &= mask
    rule_counts = {
        name: int((~mask).sum())
        for name, mask in masks.items()
        if name != "queue" and (~mask).any()
    }
    return {
        "kind": "placement",
        "placement_id": str(placement_id),
        "instance": inst.name,
        "allocation_status": alloc.status,
        "placement": _place(inst, p),
        "facts": facts,
        "proposed": proposed,
        "free_seats": int(max(cols.p_seats[p] - o.seat_used[p], 0)),
        "feasible_clients": int(len(view.rep)),
        "close": close[:10],
        "close_count": len(close),
        "queue": {
            "clients": int(len(queue)),
            "feasible": int(feasible_all.sum()),
            "failing": dict(sorted(rule_counts.items(), key=lambda kv: -kv[1])),
        },
        "decisions": _decisions(inst, p=p),
        "warnings": warnings,
    }


# --- plain text ----------------------------------------------------------------------------------


def format_client(expl: dict) -> str:
    """explain_client's dict as plain text for the terminal."""
    f = expl["facts"]
    lines = [
        f"Client {expl['client_id']} ({f['municipality']}, age {f['age']}, "
        f"work ability {f['work_ability']}"
        + (", partial work ability" if f["partial_work_ability"] else "")
        + ")",
        f"  priority {f['priority']} · {f['benefit_days']} benefit days · "
        f"{f['unemployed_months']} months unemployed"
        + (f" · groups: {', '.join(f['groups'])}" if f["groups"] else ""),
        f"  travels {MODE_WORDS.get(f['transport'], f['transport'])}, "
        f"at most {f['max_commute_min']} min · "
        f"languages {', '.join(f['languages']) or '-'}"
        + (f" · needs {', '.join(f['needs'])}" if f["needs"] else ""),
        "  consents to: " + (", ".join(type_words(t) for t in f["consents"]) or "nothing"),
    ]
    if f["wishes"]:
        lines.append("  wishes: " + ", ".join(f["wishes"]))
    if f["months_used"]:
        lines.append(
            "  months used: "
            + ", ".join(f"{type_words(k)} {num(v)}" for k, v in f["months_used"].items())
        )
    lines.append("")
    outcome = expl["outcome"]
    if outcome == "assigned":
        a = expl["assignment"]
        lines.append(f"ASSIGNED to {a['placement']} ({a['provider']})")
        lines.append(
            f"  {num(a['travel_min'])} min {a['mode']} · cost {eur(a['cost'])}"
            + (f" from pool {a['pool_id']}" if a["pool_id"] else "")
            + (f" · wish #{a['wish_rank']}" if a["wish_rank"] else "")
        )
        lines.append(
            f"  score {a['total']} = "
            + ", ".join(f"{k} {_signed(v)}" for k, v in a["score"].items() if v or k == "priority")
        )
        if expl.get("alternatives"):
            lines.append("")
            lines.append("Next-best placements:")
            for alt in expl["alternatives"]:
                lines.append(
                    f"  {alt['placement_id']}: score {alt['score']} "
                    f"({_signed(alt['score_diff'])}) — {alt['why_not']}"
                )
    else:
        lines.append("NOT ASSIGNED" if outcome == "unassigned" else outcome.upper())
        for reason in expl.get("reasons", []):
            lines.append(f"  - {reason}")
        if expl.get("stored_reasons"):
            lines.append("  (the allocation file gave: " + "; ".join(expl["stored_reasons"]) + ")")
    if expl.get("feasible"):
        lines.append("")
        lines.append(f"Feasible placements ({expl['feasible_count']}), best first:")
        for e in expl["feasible"]:
            mark = "*" if e["chosen"] else " "
            tail = "chosen" if e["chosen"] else e.get("why_not", "")
            lines.append(
                f" {mark}{e['placement']}: score {e['score']}, {num(e['travel_min'])} min — {tail}"
            )
    if expl.get("near_misses"):
        lines.append("")
        lines.append("Closest placements that do not fit:")
        for e in expl["near_misses"]:
            lines.append(
                f"  {e['placement']} ({num(e['travel_min'])} min): " + "; ".join(e["fails"])
            )
    if expl.get("envy"):
        lines.append("")
        lines.append("Placements you were feasible for that went to a client with lower priority:")
        for e in expl["envy"]:
            lines.append(
                f"  {e['placement_id']} → {e['holder_id']} (priority {e['holder_priority']}): "
                + "; ".join(e["why"])
            )
    if expl.get("decisions"):
        lines.append("")
        lines.append("Decisions:")
        for d in expl["decisions"]:
            lines.append(
                f"  {d['decision']} {d['placement_id']}"
                + (f" — {d['reason']}" if d["reason"] else "")
                + (f" ({d['by']}{', ' + d['at'] if d['at'] else ''})" if d["by"] else "")
            )
    for w in expl.get("warnings", []):
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def format_placement(expl: dict) -> str:
    """explain_placement's dict as plain text for the terminal."""
    f = expl["facts"]
    lines = [
        f"Placement {expl['placement']} — {f['provider']}",
        f"  {_plural(f['seats'], 'seat')} this week · min work ability {f['min_work_ability']} · "
        f"language {f['language']}"
        + (f" · offers {', '.join(f['features'])}" if f["features"] else ""),
        f"  {f['duration_weeks']} weeks · {eur(f['weekly_cost'])}/week · "
        f"pools: {', '.join(f['funding_pools']) or '-'}"
        + (f" · sector {f['sector']}" if f["sector"] else ""),
        "",
    ]
    if expl["proposed"]:
        lines.append("Proposed:")
        for d in expl["proposed"]:
            lines.append(
                f"  {d['client_id']}: score {d['total']} (priority {d['priority']}), "
                f"{num(d['travel_min'])} min, "
                f"{eur(d['cost'])}"
                + (f" from {d['pool_id']}" if d["pool_id"] else "")
                + (" — locked by decision" if d.get("locked") else "")
            )
    else:
        lines.append("Nobody proposed.")
    if expl["free_seats"]:
        lines.append(f"{_plural(expl['free_seats'], 'seat')} left free.")
    lines.append("")
    lines.append(
        f"Feasible clients: {expl['feasible_clients']}; not chosen here: {expl['close_count']}"
    )
    for d in expl["close"]:
        lines.append(
            f"  {d['client_id']}: score {d['score']} (priority {d['priority']}) → {d['went_to']}"
            + (f" (scores {d['score_there']} there)" if d["score_there"] is not None else "")
            + f" — {d['why_not_here']}"
        )
    q = expl["queue"]
    lines.append("")
    lines.append(f"Queue: {q['clients']} clients, {q['feasible']} feasible here.")
    for rule, n in q["failing"].items():
        lines.append(f"  {n}: {rule_text(rule)}")
    if expl.get("decisions"):
        lines.append("")
        lines.append("Decisions:")
        for d in expl["decisions"]:
            lines.append(
                f"  {d['decision']} {d['client_id']}" + (f" — {d['reason']}" if d["reason"] else "")
            )
    for w in expl.get("warnings", []):
        lines.append(f"warning: {w}")
    return "\n".join(lines)


__all__ = [
    "ExplainError",
    "alternatives_for_assigned",
    "explain_client",
    "explain_placement",
    "format_client",
    "format_placement",
    "justified_envy",
    "reasons_for_unassigned",
    "result_from_allocation",
    "type_words",
]
