"""Competition reasons for unplaced clients with feasible pairs: who holds the seats and their
priority, spent pools, reached caps, and why the allocation keeps a holder instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.explain.outcome import Outcome, blocks_of, order_by, pair_view
from matcher.explain.words import (
    MAX_IDS,
    client_id_of,
    component_diff,
    component_text,
    components_of,
    id_list,
    instance_words,
    is_locked,
    place_words,
    placement_id_of,
    plural,
    pool_words,
    provider_words,
    signed,
)
from matcher.messages import say, words
from matcher.pairs.rules import (
    decision_note,
)
from matcher.pairs.words import eur

if TYPE_CHECKING:
    pass


def _best_by(owner: np.ndarray, value: np.ndarray, n: int, lowest: bool = False) -> np.ndarray:
    """Per owner 0..n-1: the position in `owner` with the highest (or lowest) value, −1 if none;
    ties go to the first position."""
    out = np.full(n, -1, dtype=np.int64)
    if not len(owner):
        return out
    order = order_by(owner, value if lowest else -value)
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


def competition_reasons(o: Outcome, clients: np.ndarray) -> dict[int, list[str]]:
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
    view = pair_view(o, idx, blocks_of(o, idx))
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
    order = order_by(t_owner * max(len(o.budget), 1) + t_pool, o.cents[t])
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
    ids = instance_words(inst).client_id
    for i, c in enumerate(clients.tolist()):
        lines: list[str] = []
        n = int(n_pairs[i])
        if best_free[i] >= 0:
            lines.append(_open_pair_text(o, int(rep[fr[best_free[i]]])))
        kinds: list[tuple[tuple[int, ...], list[str]]] = []
        nf = int(n_full[i])
        if nf:
            word = words("competition.same_or_higher" if any_equal[i] else "competition.higher")
            if nf == n:
                head = (
                    say("competition.all_filled", n=n) if n > 1 else words("competition.one_filled")
                )
            else:
                head = say("competition.some_filled", filled=nf, n=n)
            parts = []
            if higher_seen[i]:
                parts.append(
                    say(
                        "competition.by_higher",
                        word=word,
                        clients=id_list([ids[x] for x in higher[i]], int(n_higher[i])),
                    )
                )
            if n_lower[i]:
                many = n_lower[i] > 1
                names = sorted(ids[x] for x in lower_ids[i])
                parts.append(
                    say(
                        "competition.by_lower_many" if many else "competition.by_lower_one",
                        clients=id_list(names, int(n_lower[i])),
                    )
                )
            text = [say("competition.head", head=head, parts=words("competition.and").join(parts))]
            if best_lower[i] >= 0:
                r = lr[best_lower[i]]
                j, h = int(rep[r]), int(o.holders[o.holder_ptr[place[r]]])
                b = int(pairs.client[h])
                text.append(
                    say(
                        "competition.went_lower",
                        place=place_words(inst, int(place[r])),
                        holder=ids[b],
                        theirs=int(o.prio[b]),
                        mine=int(mine[r]),
                        why="; ".join(holder_why(o, c, j, h)),
                    )
                )
            r = sr[best_full[i]]
            w = int(weakest_score[place[r]])
            h = int(o.holders[w])
            s_mine, s_held = int(score[r]), int(pairs.score[h])
            if o.status == "OPTIMAL" and o.weighted and s_held >= s_mine and best_free[i] < 0:
                text.append(
                    say(
                        "competition.scores_higher"
                        if s_held > s_mine
                        else "competition.scores_as_high",
                        placement=placement_id_of(inst, int(place[r])),
                        mine=s_mine,
                        holder=ids[int(pairs.client[h])],
                        theirs=s_held,
                    )
                )
            # seats held only by lower-priority clients are no reason in themselves
            kinds.append(((-int(only_seats[i]), -nf, 0) if higher_seen[i] else (1, 0, 3), text))
        if n_budget[i]:
            text = []
            for j in pool_triples.get(i, [])[:3]:
                f = int(pairs.pool[j])
                used, total = o.pool_used[f] / 100, o.budget[f] / 100
                text.append(
                    say(
                        "competition.pool_spent",
                        pool=pool_words(inst, f),
                        used=eur(used),
                        total=eur(total),
                        left=eur(total - used),
                        placement=placement_id_of(inst, int(pairs.placement[j])),
                        cost=eur(pairs.cost[j]),
                    )
                )
            kinds.append(((-int(only_budget[i]), -int(n_budget[i]), 1), text))
        if n_cap[i]:
            text = [
                say(
                    "competition.cap",
                    provider=provider_words(inst, v),
                    used=int(o.cap_used[v]),
                    cap=int(o.cap[v]),
                )
                for v in cap_providers.get(i, [])
            ]
            kinds.append(((-int(only_cap[i]), -int(n_cap[i]), 2), text))
        for _, text in sorted(kinds, key=lambda x: x[0]):
            lines.extend(text)
        if not lines:
            lines.append(
                say("competition.none_chosen", count=plural(n, "feasible"), status=o.status)
            )
        out[c] = lines
    return out


def _open_pair_text(o: Outcome, j: int) -> str:
    """Why a pair with room for its client (no seat, pool or cap in the way) was not used."""
    inst, pairs = o.inst, o.pairs
    place, s = place_words(inst, int(pairs.placement[j])), int(pairs.score[j])
    if s <= 0:
        components = component_text(components_of(pairs, j))
        return say("open.lowers_total", place=place, score=s, components=components)
    if o.status != "OPTIMAL":
        return say("open.stopped", place=place, score=s, status=o.status)
    if inst.rules.fairness_floor > 0:
        return say("open.fairness", place=place, score=s)
    return say("open.unused", place=place, score=s)


def holder_why(o: Outcome, a: int, ja: int, jb: int) -> list[str]:
    """Why the allocation keeps holder triple `jb` rather than client `a`'s triple `ja` at the same
    placement: the holder's lack of alternatives, a spent pool, the scores — each only when true."""
    inst, pairs = o.inst, o.pairs
    b = int(pairs.client[jb])
    bid = client_id_of(inst, b)
    p = int(pairs.placement[jb])
    why: list[str] = []
    blocked = False  # a hard constraint forbids swapping a in for b
    if is_locked(inst, b, p):
        blocked = True
        note = decision_note(inst, b, p, "lock")
        why.append(say("holder.locked", holder=bid, placement=placement_id_of(inst, p), note=note))
    own = int(o.placed_at[a])
    if own >= 0 and is_locked(inst, a, int(pairs.placement[own])):
        blocked = True
        q = int(pairs.placement[own])
        note = decision_note(inst, a, q, "lock")
        why.append(say("holder.mine_locked", placement=placement_id_of(inst, q), note=note))
    n_others, can_move = o.moves
    n_other = int(n_others[b])
    if not n_other:
        why.append(say("holder.no_other", holder=bid))
    else:
        if not can_move[b]:
            key = "holder.other_one" if n_other == 1 else "holder.other_many"
            why.append(say(key, holder=bid, n=n_other))
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
                more = eur((o.cents[t] - o.cents[jb]) / 100)
                extra = say("holder.costs_more", extra=more, holder=bid)
            blocked = True
            why.append(
                say(
                    "holder.pool",
                    pool=pool_words(inst, f),
                    cost=eur(pairs.cost[t]),
                    holder=bid,
                    left=eur(left / 100),
                    extra=extra,
                )
            )
    sa, sb = int(pairs.score[ja]), int(pairs.score[jb])
    diff = component_diff(components_of(pairs, ja), components_of(pairs, jb))
    if sb > sa:
        why.append(say("holder.scores", holder=bid, theirs=sb, mine=sa, diff=diff))
    elif sb == sa:
        why.append(say("holder.tie", holder=bid, theirs=sb))
    else:
        why.append(say("holder.you_would", mine=sa, holder=bid, theirs=sb))
    if blocked or not o.weighted:
        return why
    # nothing blocks swapping a in for b: its effect on the total is the whole story
    own_score = int(pairs.score[own]) if own >= 0 else 0
    delta = sa - sb - own_score
    if own >= 0 and delta <= 0 and sa > sb:
        left_id = placement_id_of(inst, int(pairs.placement[own]))
        why.append(say("holder.leave", placement=left_id, score=own_score, delta=signed(delta)))
    elif delta > 0:
        if o.status != "OPTIMAL":
            why.append(say("holder.swap_stopped", delta=delta, status=o.status))
        elif inst.rules.fairness_floor > 0:
            why.append(say("holder.swap_fairness", delta=delta))
        else:
            why.append(say("holder.swap", delta=delta))
    return why
