"""The client and placement views behind `polku explain`: facts, outcome, reasons, alternatives,
feasible pairs and who holds them, near misses, decisions and envy, as dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.explain.alternatives import alternatives_of, why_not_of
from matcher.explain.competition import holder_why
from matcher.explain.outcome import Outcome, PairView, blocks_of, outcome_of, pair_view
from matcher.explain.readback import result_from_allocation
from matcher.explain.unassigned import reasons_of
from matcher.explain.words import (
    ExplainError,
    client_id_of,
    components_of,
    decisions_of,
    id_list,
    is_locked,
    place_words,
    placement_id_of,
    provider_words,
)
from matcher.messages import LANGS, current, language, say
from matcher.pairs.costs import placement_pools
from matcher.pairs.rules import (
    RULES,
    check_pairs,
    trip_mode,
)
from matcher.pairs.score import wish_rank
from matcher.pairs.travel import travel_minutes
from matcher.pairs.words import eur, type_words

if TYPE_CHECKING:
    from models.allocation import Allocation
    from models.instance import Instance


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


def _client_facts(inst: Instance, c: int, o: Outcome) -> dict[str, Any]:
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
                "placement_id": placement_id_of(inst, p),
                "placement": place_words(inst, p),
                "travel_min": float(travel[p]),
                "fails": [
                    RULES[names[r]].reason(inst, c, p, float(travel[p]))
                    for r in np.flatnonzero(fails[p])
                ],
            }
        )
    return out


def explain_client(
    inst: Instance, alloc: Allocation, client_id: str, lang: str | None = None
) -> dict:
    """One client's explanation in `lang` (en, fi; None: the current language)."""
    with language(lang):
        result, warnings = result_from_allocation(inst, alloc)
        return _explain_client(outcome_of(inst, result), warnings, alloc, client_id)


def explain_clients(
    inst: Instance, alloc: Allocation, client_ids: Iterable[str], lang: str | None = None
) -> Iterator[tuple[str, dict]]:
    """(id, explanation) for each of `client_ids`, as `explain_client` gives them, with the pairs
    re-derived once for all (the API precomputes a run's explanations with this)."""
    result, warnings = result_from_allocation(inst, alloc)
    o = outcome_of(inst, result)
    for client_id in client_ids:
        with language(lang):
            yield str(client_id), _explain_client(o, list(warnings), alloc, client_id)


def _explain_client(o: Outcome, warnings: list[str], alloc: Allocation, client_id: str) -> dict:
    """Everything about one client under an allocation: facts and priority, the placement or the
    reasons (recomputed), alternatives, feasible placements and who holds them, near misses,
    decisions, and envy, over the outcome `o` read back from it; nothing is solved."""
    inst = o.inst
    c = _client_index(inst, client_id)
    pairs = o.pairs
    cols = inst.columns
    out: dict[str, Any] = {
        "kind": "client",
        "client_id": str(client_id),
        "instance": inst.name,
        "allocation_status": alloc.status,
        "facts": _client_facts(inst, c, o),
        "warnings": warnings,
        "decisions": decisions_of(inst, c=c),
    }
    stored = next((u.reasons for u in alloc.unassigned if u.client_id == str(client_id)), None)
    j0 = int(o.placed_at[c])
    if cols.c_current[c] >= 0:
        out["outcome"] = "in current placement"
        out["reasons"] = [say("unassigned.current", placement=cols.placement_id[cols.c_current[c]])]
    elif j0 >= 0:
        out["outcome"] = "assigned"
        p = int(pairs.placement[j0])
        f = int(pairs.pool[j0])
        out["assignment"] = {
            "placement_id": placement_id_of(inst, p),
            "placement": place_words(inst, p),
            "provider": provider_words(inst, int(cols.p_provider[p]))
            if cols.p_provider[p] >= 0
            else "",
            "pool_id": str(cols.pool_id[f]) if f >= 0 else "",
            "cost": round(float(pairs.cost[j0]), 2),
            "travel_min": float(pairs.travel_min[j0]),
            "mode": trip_mode(inst, c, p),
            "score": components_of(pairs, j0),
            "total": int(pairs.score[j0]),
            "wish_rank": int(wish_rank(inst, np.array([c]), np.array([p]))[0]),
        }
        out["alternatives"] = alternatives_of(o, np.array([c]), 5).get(c, [])
    else:
        out["outcome"] = "unassigned"
        out["reasons"] = reasons_of(o, np.array([c])).get(c, [])
        if stored is not None and _changed(o, c, list(stored), out["reasons"]):
            out["stored_reasons"] = list(stored)
    # feasible placements and who holds them
    rng = o.triples_of(c)
    idx = np.arange(rng.start, rng.stop, dtype=np.int64)
    view = pair_view(o, idx, blocks_of(o, idx))
    feasible = []
    for r in np.argsort(-pairs.score[view.rep], kind="stable").tolist():
        j = int(view.rep[r])
        p = int(pairs.placement[j])
        holders = [client_id_of(inst, int(pairs.client[h])) for h in o.holders_of(p).tolist()]
        entry = {
            "placement_id": placement_id_of(inst, p),
            "placement": place_words(inst, p),
            "score": int(pairs.score[j]),
            "travel_min": float(pairs.travel_min[j]),
            "cost": round(float(pairs.cost[j]), 2),
            "chosen": bool(j0 >= 0 and pairs.placement[j0] == p),
            "holders": holders,
            "free_seats": int(max(cols.p_seats[p] - o.seat_used[p], 0)),
        }
        if not entry["chosen"]:
            entry["why_not"] = (
                why_not_of(o, j, j0, bool(view.seats[r]), bool(view.budget[r]), bool(view.cap[r]))
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
                    "placement_id": placement_id_of(inst, p),
                    "holder_id": client_id_of(inst, b),
                    "holder_priority": int(o.prio[b]),
                    "why": holder_why(o, c, j, h),
                }
            )
    out["envy"] = envy
    return out


def _changed(o: Outcome, c: int, stored: list[str], reasons: list[str]) -> bool:
    """Do the reasons stored at solve time differ from today's, in either catalogue language
    (the allocation may have been solved with another `--lang`)?"""
    if stored == reasons:
        return False
    for lang in LANGS:
        if lang != current():
            with language(lang):
                if stored == reasons_of(o, np.array([c])).get(c, []):
                    return False
    return True


def _why_unplaced_here(o: Outcome, j: int, view: PairView, r: int) -> str:
    """Why an unplaced client's pair (triple `j`, row `r` of `view`) was not used."""
    bits = []
    inst, pairs = o.inst, o.pairs
    p = int(pairs.placement[j])
    if view.seats[r]:
        hs = o.holders_of(p).tolist()
        names = [
            say(
                "why.holder",
                client=client_id_of(inst, int(pairs.client[h])),
                priority=int(o.prio[pairs.client[h]]),
                score=int(pairs.score[h]),
            )
            for h in hs
        ]
        bits.append(say("why.held_by", clients=id_list(names)))
    if view.budget[r]:
        bits.append(say("why.no_pool_short", cost=eur(pairs.cost[j])))
    if view.cap[r]:
        v = int(o.provider[j])
        bits.append(say("why.cap_short", provider=provider_words(inst, v)))
    if not bits:
        bits.append(say("why.open_not_taken", score=int(pairs.score[j]), status=o.status))
    return "; ".join(bits)


def explain_placement(
    inst: Instance, alloc: Allocation, placement_id: str, lang: str | None = None
) -> dict:
    """One placement's explanation in `lang` (en, fi; None: the current language)."""
    with language(lang):
        return _explain_placement(inst, alloc, placement_id)


def _explain_placement(inst: Instance, alloc: Allocation, placement_id: str) -> dict:
    """Everything about one placement under an allocation: facts, who was proposed there (scores,
    priorities), who was close (feasible clients not chosen, their scores, where they went and why
    not here), how the queue fares against each rule for it, and its decisions."""
    p = _placement_index(inst, placement_id)
    result, warnings = result_from_allocation(inst, alloc)
    o = outcome_of(inst, result)
    pairs = o.pairs
    cols = inst.columns
    row = inst.placements.iloc[p]
    v = int(cols.p_provider[p])
    ptr, pools = placement_pools(inst)
    facts = {
        "type": str(row["type"]),
        "type_words": type_words(str(row["type"])),
        "provider": provider_words(inst, v) if v >= 0 else str(row["provider_id"]),
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
    proposed: list[dict[str, Any]] = []
    for h in o.holders_of(p).tolist():
        b = int(pairs.client[h])
        proposed.append(
            {
                "client_id": client_id_of(inst, b),
                "priority": int(o.prio[b]),
                "score": components_of(pairs, h),
                "total": int(pairs.score[h]),
                "travel_min": float(pairs.travel_min[h]),
                "cost": round(float(pairs.cost[h]), 2),
                "pool_id": str(cols.pool_id[pairs.pool[h]]) if pairs.pool[h] >= 0 else "",
                "locked": is_locked(inst, b, p),
            }
        )
    proposed.sort(key=lambda d: -d["total"])
    here = np.flatnonzero(pairs.placement == p)
    view = pair_view(o, here, blocks_of(o, here))
    close = []
    weakest = min((d["total"] for d in proposed), default=None)
    for r in np.argsort(-pairs.score[view.rep], kind="stable").tolist():
        j = int(view.rep[r])
        c = int(pairs.client[j])
        j0 = int(o.placed_at[c])
        if j0 >= 0 and pairs.placement[j0] == p:
            continue
        went = placement_id_of(inst, int(pairs.placement[j0])) if j0 >= 0 else ""
        entry = {
            "client_id": client_id_of(inst, c),
            "priority": int(o.prio[c]),
            "score": int(pairs.score[j]),
            "score_vs_weakest_proposed": None if weakest is None else int(pairs.score[j]) - weakest,
            "went_to": went or "unassigned",
            "score_there": int(pairs.score[j0]) if j0 >= 0 else None,
            "why_not_here": (
                why_not_of(o, j, j0, bool(view.seats[r]), bool(view.budget[r]), bool(view.cap[r]))
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
        "placement": place_words(inst, p),
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
        "decisions": decisions_of(inst, p=p),
        "warnings": warnings,
    }


def unassigned_reasons(
    inst: Instance, alloc: Allocation, client_ids: list[str], lang: str | None = None
) -> dict[str, list[str]]:
    """Client id → the reasons it was left out, recomputed from the data in `lang` (the API's
    `?lang=` for an allocation whose stored reasons are in another language)."""
    result, _ = result_from_allocation(inst, alloc)
    rows = [_client_index(inst, cid) for cid in client_ids]
    with language(lang):
        reasons = reasons_of(outcome_of(inst, result), np.array(rows, dtype=np.int64))
    return {cid: reasons.get(c, []) for cid, c in zip(client_ids, rows, strict=True)}
