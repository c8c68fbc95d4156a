"""Alternatives for the placed: the next-best feasible placements of each placed client and why
the allocation did not move the client there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.allocation.solve import SolveResult
from matcher.explain.outcome import Outcome, blocks_of, order_by, outcome_of, pair_view
from matcher.explain.words import (
    client_id_of,
    component_diff,
    components_of,
    id_list,
    is_locked,
    placement_id_of,
    plural,
    provider_words,
)
from matcher.messages import say, words
from matcher.pairs.rules import (
    decision_note,
)
from matcher.pairs.words import eur

if TYPE_CHECKING:
    from models.instance import Instance


def alternatives_for_assigned(
    inst: Instance, result: SolveResult, limit: int = 3
) -> dict[int, list[dict]]:
    """Client row index → up to `limit` next-best feasible placements of each placed client:
    placement_id, pool_id, score, score_diff (= its score − the chosen pair's score) and why_not."""
    o = outcome_of(inst, result)
    return alternatives_of(o, None, limit)


def alternatives_of(o: Outcome, only: np.ndarray | None, limit: int) -> dict[int, list[dict]]:
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
    view = pair_view(o, idx, blocks_of(o, idx))
    rep = view.rep
    if not len(rep) or limit <= 0:
        return {}
    c = pairs.client[rep]
    order = order_by(c, -pairs.score[rep])  # rep is in placement order within a client
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
                "placement_id": placement_id_of(inst, int(pairs.placement[j])),
                "pool_id": str(pool_ids[pairs.pool[j]]),
                "score": s,
                "score_diff": s - s0,
                "why_not": why_not_of(
                    o, j, oj, bool(view.seats[r]), bool(view.budget[r]), bool(view.cap[r])
                ),
            }
        )
    return out


def why_not_of(o: Outcome, j: int, oj: int, seats: bool, budget: bool, cap: bool) -> str:
    """Why the allocation did not move the client from triple `oj` to triple `j`."""
    inst, pairs = o.inst, o.pairs
    p = int(pairs.placement[j])
    bits: list[str] = []
    c, q = int(pairs.client[oj]), int(pairs.placement[oj])
    if is_locked(inst, c, q):
        note = decision_note(inst, c, q, "lock")
        bits.append(say("holder.mine_locked", placement=placement_id_of(inst, q), note=note))
    if seats:
        hs = [client_id_of(inst, int(pairs.client[h])) for h in o.holders_of(p).tolist()]
        n = int(inst.columns.p_seats[p])
        bits.append(say("why.full_taken", seats=plural(n, "seat"), clients=id_list(hs)))
    if budget:
        ps = [int(pairs.pool[t]) for t in o.group_triples(int(o.group[j])) if pairs.pool[t] >= 0]
        names = ", ".join(str(inst.columns.pool_id[f]) for f in dict.fromkeys(ps))
        bits.append(say("why.no_pool", cost=eur(pairs.cost[j]), pools=names))
    if cap:
        v = int(o.provider[j])
        used, limit = int(o.cap_used[v]), int(o.cap[v])
        bits.append(say("why.cap", provider=provider_words(inst, v), used=used, cap=limit))
    d = int(pairs.score[j] - pairs.score[oj])
    diff = component_diff(components_of(pairs, oj), components_of(pairs, j))
    if d < 0:
        bits.append(say("why.less", points=-d, diff=diff))
    elif d == 0:
        bits.append(words("why.tie"))
    elif not bits:
        if o.status != "OPTIMAL":
            tail = say("why.tail_stopped", status=o.status)
        elif inst.rules.fairness_floor > 0:
            tail = words("why.tail_fairness")
        else:
            tail = ""
        bits.append(say("why.more_open", points=d, diff=diff, tail=tail))
    else:
        bits.append(say("why.would_more", points=d, diff=diff))
    return "; ".join(bits)
