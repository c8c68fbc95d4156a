"""Picks against held shortlists: a liaison's pick is checked against the seats, the pools' budgets
and the providers' caps still free once every other held list is counted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matcher.shortlists.problem import (
    top_s_sum,
)
from models.instance import Instance
from models.rules import WAGE_SUBSIDY

if TYPE_CHECKING:
    from models.shortlists import Shortlists

PICK_TOL = 0.005  # € of rounding tolerated when comparing reservations with budgets


@dataclass
class _Held:
    """One list while picks are applied: seats left, locked clients with their pool and cost,
    candidates with their stated pool and cost."""

    placement: int
    seats: int
    locked: dict[str, tuple[str, float]]
    candidates: dict[str, tuple[str, float]]


def _held_lists(inst: Instance, shortlists: Shortlists) -> dict[str, _Held]:
    cols = inst.columns
    index = {str(p): i for i, p in enumerate(cols.placement_id)}
    out = {}
    for s in shortlists.lists:
        p = index.get(s.placement_id)
        if p is None:
            continue
        locked = {}
        for cid in s.locked:
            pool = s.lock_pools.get(cid, "")
            locked[cid] = (pool, _pair_cost(inst, cid, p))
        out[s.placement_id] = _Held(
            placement=p,
            seats=max(0, int(cols.p_seats[p]) - len(locked)),
            locked=locked,
            candidates={c.client_id: (c.pool_id, float(c.cost)) for c in s.candidates},
        )
    return out


def _pair_cost(inst: Instance, client_id: str, p: int) -> float:
    from matcher.pairs.costs import pair_cost

    c = _client_row(inst, client_id)
    return float(pair_cost(inst, np.array([c]), np.array([p]))[0]) if c >= 0 else 0.0


def _client_row(inst: Instance, client_id: str) -> int:
    hits = np.flatnonzero(inst.columns.client_id == client_id)
    return int(hits[0]) if len(hits) else -1


def _lock_in(
    held: dict[str, _Held], inst: Instance, client_id: str, placement_id: str, pool: str
) -> None:
    """Record `client_id` as holding a seat of `placement_id` (charged to `pool`): it leaves every
    list as a candidate and the list has one seat fewer."""
    for other in held.values():
        other.candidates.pop(client_id, None)
    h = held.get(placement_id)
    if h is None:
        p = int(np.flatnonzero(inst.columns.placement_id == placement_id)[0])
        h = held[placement_id] = _Held(p, int(inst.columns.p_seats[p]), {}, {})
    if client_id not in h.locked:
        h.locked[client_id] = (pool, _pair_cost(inst, client_id, h.placement))
        h.seats = max(0, h.seats - 1)


def _reserved(held: dict[str, _Held]) -> dict[str, float]:
    """Per pool id: locked costs + the sum of each list's `seats` costliest candidates there."""
    out: dict[str, float] = {}
    for h in held.values():
        per_pool: dict[str, list[float]] = {}
        for pool, cost in h.candidates.values():
            per_pool.setdefault(pool, []).append(cost)
        for pool, costs in per_pool.items():
            out[pool] = out.get(pool, 0.0) + top_s_sum(costs, h.seats)
        for pool, cost in h.locked.values():
            out[pool] = out.get(pool, 0.0) + cost
    out.pop("", None)
    return out


def _cap_use(inst: Instance, held: dict[str, _Held]) -> dict[int, int]:
    """Per capped provider row: wage-subsidy seats that could be filled (locked + min(s, n))."""
    cols = inst.columns
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    out: dict[int, int] = {}
    for h in held.values():
        p = h.placement
        v = int(cols.p_provider[p])
        if cols.p_type[p] == ws and v >= 0 and cols.v_max_subsidised[v] >= 0:
            out[v] = out.get(v, 0) + len(h.locked) + min(h.seats, len(h.candidates))
    return out


def check_pick(
    inst: Instance,
    shortlists: Shortlists,
    placement_id: str,
    client_id: str,
    switch_to: str | None = None,
) -> list[str]:
    """Errors, each starting with the rule it breaks, if `client_id` were picked from the list of
    `placement_id` — or, with `switch_to`, placed in that other placement of the same provider
    instead (a change of form); [] when the pick may stand.

    The lists are taken as written, with every lock of `inst` that they do not show yet (earlier
    picks) applied first, so picks can be checked one after another. A pick from the list never
    raises a reservation; a switch is re-checked for feasibility, seats, every pool budget's
    worst case and the provider's wage-subsidy cap, choosing the switched pair's pool among those
    that cover it.
    """
    from matcher.pairs.costs import pair_cost, pool_triples
    from matcher.pairs.rules import check_pairs, rule_text

    cols = inst.columns
    own = shortlists.list_of(placement_id)
    if own is None:
        return [f"list: there is no shortlist for placement {placement_id}"]
    entry = own.candidate(client_id)
    if entry is None:
        if client_id in own.locked:
            return [f"picked: client {client_id} already holds a seat at {placement_id}"]
        return [f"list: client {client_id} is not on the list of {placement_id}"]
    c = _client_row(inst, client_id)
    if c < 0:
        return [f"unknown_client: client {client_id} is not in the instance"]
    target = switch_to or placement_id
    hits = np.flatnonzero(cols.placement_id == target)
    if not len(hits):
        return [f"unknown_placement: placement {target} is not in the instance"]
    p = int(hits[0])
    errors: list[str] = []
    if target != placement_id and own.provider_id != str(cols.provider_id[cols.p_provider[p]]):
        errors.append(
            f"same_provider: {target} belongs to provider {cols.provider_id[cols.p_provider[p]]}, "
            f"not to {own.provider_id} (a change of form stays with the same provider)"
        )
    held = _held_lists(inst, shortlists)
    for d in np.flatnonzero(cols.d_lock & (cols.d_client >= 0) & (cols.d_placement >= 0)).tolist():
        lc, lp = str(cols.client_id[cols.d_client[d]]), str(cols.placement_id[cols.d_placement[d]])
        h = held.get(lp)
        if h is not None and lc in h.locked:
            continue
        if lc == client_id:
            return [f"lock: client {client_id} already holds a seat at {lp}"]
        pool = (
            h.candidates[lc][0]
            if h is not None and lc in h.candidates
            else _first_pool(inst, lc, lp)
        )
        _lock_in(held, inst, lc, lp, pool)
    masks = check_pairs(inst, np.array([c]), np.array([p]))
    for rule, ok in masks.items():
        if rule in ("seats", "funding") or bool(ok[0]):
            continue
        errors.append(f"{rule}: {client_id} → {target}: {rule_text(rule)}")
    h = held.get(target)
    seats_left = h.seats if h is not None else int(cols.p_seats[p])
    if seats_left <= 0:
        errors.append(
            f"seats: {target} has no free seat left ({int(cols.p_seats[p])} in all, taken)"
        )
    before = _reserved(held)
    cap_before = _cap_use(inst, held)
    if target == placement_id:
        pools = [entry.pool_id]
    else:
        cost = pair_cost(inst, np.array([c]), np.array([p]))
        _, pool_idx = pool_triples(inst, np.array([c]), np.array([p]), cost)
        pools = ["" if f < 0 else str(cols.pool_id[f]) for f in pool_idx.tolist()]
        if not pools:
            errors.append(f"funding: {client_id} → {target}: {rule_text('funding')}")
            return errors
    budget = {str(f): float(b) for f, b in zip(cols.pool_id, cols.f_budget, strict=True)}
    best: list[str] | None = None
    for pool in pools:
        trial = {
            k: _Held(v.placement, v.seats, dict(v.locked), dict(v.candidates))
            for k, v in held.items()
        }
        _lock_in(trial, inst, client_id, target, pool)
        after = _reserved(trial)
        problems = [
            f"budget: pool {f} would reserve {after[f]:,.2f} € in the worst case, over its budget "
            f"{budget[f]:,.2f} € (before this pick {before.get(f, 0.0):,.2f} €)".replace(",", " ")
            for f in sorted(after)
            if after[f] > budget.get(f, 0.0) + PICK_TOL and after[f] > before.get(f, 0.0) + PICK_TOL
        ]
        caps = _cap_use(inst, trial)
        for v, n in sorted(caps.items()):
            cap = int(cols.v_max_subsidised[v])
            if n > cap and n > cap_before.get(v, 0):
                problems.append(
                    f"provider_cap: provider {cols.provider_id[v]} could then fill {n} wage-subsidy "
                    f"seats, over its max_subsidised {cap}"
                )
        if not problems:
            return errors
        if best is None:
            best = problems
    return errors + (best or [])


def _first_pool(inst: Instance, client_id: str, placement_id: str) -> str:
    """The first pool that covers a pair (the engine's order), '' when none or it costs nothing."""
    from matcher.pairs.costs import pair_cost, pool_triples

    cols = inst.columns
    c = _client_row(inst, client_id)
    hits = np.flatnonzero(cols.placement_id == placement_id)
    if c < 0 or not len(hits):
        return ""
    cost = pair_cost(inst, np.array([c]), hits[:1])
    _, pools = pool_triples(inst, np.array([c]), hits[:1], cost)
    return str(cols.pool_id[pools[0]]) if len(pools) and pools[0] >= 0 else ""
