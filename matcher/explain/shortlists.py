"""Why each candidate is on a shortlist, and why a queue client is on none, from the data.

A queue client with no feasible placement at all gets the allocation's reasons
(`matcher.explain.unassigned.reasons_for_unassigned`: the failing rules); one with feasible placements gets
what keeps them off each of their best lists: the seats are locked, the list is full of
higher-scoring candidates, or listing them would push a pool's worst-case reservation or a
provider's wage-subsidy cap over its limit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.explain.unassigned import reasons_for_unassigned
from matcher.explain.words import plural
from matcher.messages import say, words
from matcher.pairs.score import priority, waiting_weeks, wish_rank
from matcher.pairs.words import mode_words, type_words

if TYPE_CHECKING:
    from matcher.shortlists.solve import ShortlistResult
    from models.instance import Instance

MAX_LISTS_NAMED = 3  # lists explained per unlisted client


def _eur(cents: float) -> str:
    """Whole euros with a space as thousands separator, from cents: '12 400 €'."""
    return f"{cents / 100:,.0f} €".replace(",", " ")


def why_listed(inst: Instance, result: ShortlistResult) -> dict[int, list[str]]:
    """Triple index → sentences saying why that candidate is on that list: rank and score, the
    score's largest parts in words, commute, the pool a pick is charged to, other lists."""
    cols = inst.columns
    prob = result.problem
    pairs = prob.pairs
    listed = result.listed
    if not len(listed):
        return {}
    order = listed[
        np.lexsort((pairs.client[listed], -pairs.score[listed], pairs.placement[listed]))
    ]
    place = pairs.placement[order]
    start = np.searchsorted(place, place)
    rank = np.arange(len(order)) - start + 1
    length = np.bincount(place, minlength=cols.n_placements)
    feasible = np.bincount(
        pairs.placement[np.unique(pairs.pair_keys(cols.n_placements), return_index=True)[1]],
        minlength=cols.n_placements,
    )
    c = pairs.client[order]
    prio = priority(inst)[c]
    weeks = waiting_weeks(inst)[c]
    wish = wish_rank(inst, c, place)
    lists_of: dict[int, list[int]] = {}
    for cl, p in zip(c.tolist(), place.tolist(), strict=True):
        lists_of.setdefault(cl, []).append(p)
    transport = [str(t) for t in inst.clients["transport"]]
    limit = cols.c_max_commute.tolist()
    sector = [str(s) for s in inst.placements["sector"]]
    ptype = [str(t) for t in inst.placements["type"]]
    offers = inst.rules.transport_feature
    features = list(inst.placements["features"])
    comps = {k: v[order].tolist() for k, v in pairs.components.items()}
    out: dict[int, list[str]] = {}
    for k, t in enumerate(order.tolist()):
        cl, p = int(c[k]), int(place[k])
        pid = str(cols.placement_id[p])
        why = [
            say(
                "short.rank",
                rank=int(rank[k]),
                length=int(length[p]),
                type=type_words(ptype[p]),
                placement=pid,
                score=int(pairs.score[t]),
                feasible=int(feasible[p]),
            ),
            say(
                "short.urgency",
                urgency=int(prio[k]),
                days=int(cols.c_benefit_days[cl]),
                weeks=f"{weeks[k]:.0f}",
            ),
        ]
        if comps["wish"][k] > 0:
            why.append(say("short.wished", wish=int(wish[k]), points=comps["wish"][k]))
        if comps["interest"][k] > 0:
            why.append(say("short.interest", sector=sector[p], points=comps["interest"][k]))
        if comps["pathway"][k] > 0:
            why.append(say("short.pathway_up", points=comps["pathway"][k]))
        elif comps["pathway"][k] < 0:
            why.append(say("short.pathway_same", points=comps["pathway"][k]))
        mode = "car" if offers in features[p] else transport[cl]
        why.append(
            say(
                "short.trip",
                minutes=f"{float(pairs.travel_min[t]):.0f}",
                mode=mode_words(mode),
                limit=f"{limit[cl]:.0f}",
            )
        )
        f = int(pairs.pool[t])
        pool = say("short.pool", pool=cols.pool_id[f]) if f >= 0 else words("short.no_pool")
        why.append(say("short.cost", cost=_eur(round(float(pairs.cost[t]) * 100)), pool=pool))
        others = [str(cols.placement_id[q]) for q in lists_of[cl] if q != p]
        if others:
            why.append(say("short.also", placements=", ".join(others)))
        out[t] = why
    return out


def reasons_unlisted(
    inst: Instance, result: ShortlistResult, clients: np.ndarray
) -> dict[int, list[str]]:
    """Client row → reasons the queue client is on no list, most specific first."""
    from matcher.allocation.solve import SolveResult

    cols = inst.columns
    prob = result.problem
    pairs = prob.pairs
    clients = np.unique(np.asarray(clients, dtype=np.int64))
    has_pairs = np.zeros(cols.n_clients, dtype=bool)
    has_pairs[pairs.client] = True
    none = clients[~has_pairs[clients]]
    out: dict[int, list[str]] = {}
    if len(none):
        empty = SolveResult(
            pairs=pairs,
            chosen=np.zeros(len(pairs), dtype=bool),
            status=result.status,
            objective=0.0,
            bound=None,
            seconds=0.0,
        )
        out.update(reasons_for_unassigned(inst, empty, none))
    some = clients[has_pairs[clients]]
    if len(some):
        out.update(_list_reasons(inst, result, some))
    return out


def _list_reasons(
    inst: Instance, result: ShortlistResult, clients: np.ndarray
) -> dict[int, list[str]]:
    """For clients with feasible pairs: what keeps them off their best few lists."""
    cols = inst.columns
    prob = result.problem
    pairs = prob.pairs
    y = result.y
    n_pl = cols.n_placements
    # the state of the lists: length, lowest listed score, and per (list, pool) the s-th largest
    listed = prob.cand[y]
    length = np.bincount(pairs.placement[listed], minlength=n_pl)
    lowest = np.full(n_pl, np.iinfo(np.int64).max)
    np.minimum.at(lowest, pairs.placement[listed], pairs.score[listed])
    reserved = _reserved_cents(result)
    kth = _kth_costs(result)
    cap_used = np.zeros(len(prob.cap_left), dtype=np.int64)
    capped_pl = np.flatnonzero(prob.capped)
    np.add.at(cap_used, prob.provider_of[capped_pl], np.minimum(prob.seats, length)[capped_pl])
    # the client's triples, best score first, one per (client, placement)
    sel = np.flatnonzero(np.isin(pairs.client, clients))
    sel = sel[np.lexsort((pairs.placement[sel], -pairs.score[sel], pairs.client[sel]))]
    key = pairs.client[sel] * max(n_pl, 1) + pairs.placement[sel]
    triples_of: dict[int, list[int]] = {}
    for k, t in zip(key.tolist(), sel.tolist(), strict=True):
        triples_of.setdefault(k, []).append(t)
    _, first = np.unique(key, return_index=True)
    sel = sel[np.sort(first)]
    sel = sel[np.lexsort((-pairs.score[sel], pairs.client[sel]))]
    pos = np.arange(len(sel)) - np.searchsorted(pairs.client[sel], pairs.client[sel])
    sel = sel[pos < MAX_LISTS_NAMED]
    out: dict[int, list[str]] = {}
    count = np.bincount(
        pairs.client[np.unique(pairs.pair_keys(n_pl), return_index=True)[1]],
        minlength=cols.n_clients,
    )
    for t in sel.tolist():
        c, p = int(pairs.client[t]), int(pairs.placement[t])
        pid, s = str(cols.placement_id[p]), int(prob.seats[p])
        score = int(pairs.score[t])
        if s == 0:
            text = say("short.locked_full", placement=pid)
        elif length[p] >= prob.per_seat * s:
            text = say(
                "short.list_full",
                placement=pid,
                length=int(length[p]),
                seats=plural(s, "seat"),
                lowest=int(lowest[p]),
                score=score,
            )
        else:
            text = _blocked_text(
                inst,
                result,
                triples_of[c * max(n_pl, 1) + p],
                reserved,
                kth,
                cap_used,
                int(length[p]),
            )
        out.setdefault(c, []).append(text)
    for c in out:
        n = int(count[c])
        out[c].insert(0, say("short.on_no_list", count=plural(n, "placement")))
    return out


def _blocked_text(
    inst: Instance,
    result: ShortlistResult,
    triples: list[int],
    reserved: np.ndarray,
    kth: dict[tuple[int, int], int],
    cap_used: np.ndarray,
    length: int,
) -> str:
    """Why a list with room does not take this candidate (any of the pair's pools): the pool or
    the cap, else the solver."""
    pairs = result.problem.pairs
    prob = result.problem
    p = int(pairs.placement[triples[0]])
    pid = str(inst.columns.placement_id[p])
    over: list[str] = []
    for t in triples:
        f, cost = int(pairs.pool[t]), int(prob.cents[t])
        if not (f >= 0 and cost > 0 and prob.binding_pools[f]):
            over = []
            break
        delta = max(0, cost - kth.get((p, f), 0))
        left = int(prob.budget[f]) - int(reserved[f])
        if delta <= left:
            over = []
            break
        over.append(
            say(
                "short.pool_over",
                pool=inst.columns.pool_id[f],
                delta=_eur(delta),
                left=_eur(max(left, 0)),
            )
        )
    if over:
        return say("short.reservation", placement=pid, pools=words("short.or_of").join(over))
    v = int(prob.provider_of[p])
    if prob.capped[p] and prob.cap_left[v] >= 0 and length < prob.seats[p]:
        if cap_used[v] >= prob.cap_left[v]:
            return say("short.cap", placement=pid, provider=inst.columns.provider_id[v])
    gap = words("short.unknown") if result.gap is None else f"{100 * result.gap:.2f} %"
    return say("short.not_listed", placement=pid, status=result.status, gap=gap)


def _reserved_cents(result: ShortlistResult) -> np.ndarray:
    """Per pool: cents reserved by the lists and the locks."""
    from matcher.shortlists.problem import reservations

    return reservations(result.problem, result.y, result.z)


def _kth_costs(result: ShortlistResult) -> dict[tuple[int, int], int]:
    """(placement, pool) → the s-th largest listed cost there (0 when fewer than s are listed):
    a new candidate raises the reservation by its cost minus this."""
    prob = result.problem
    j = np.flatnonzero(result.y)
    out: dict[tuple[int, int], int] = {}
    groups: dict[tuple[int, int], list[int]] = {}
    for p, f, c in zip(
        prob.c_place[j].tolist(), prob.c_pool[j].tolist(), prob.c_cents[j].tolist(), strict=True
    ):
        if f >= 0:
            groups.setdefault((p, f), []).append(c)
    for (p, f), costs in groups.items():
        s = int(prob.seats[p])
        costs.sort(reverse=True)
        out[(p, f)] = costs[s - 1] if 0 < s <= len(costs) else 0
    return out
