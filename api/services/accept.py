"""An accept re-checked at once, with the engine's own rule masks (`matcher.pairs`): the pair's
feasibility rules, the placement's seats, the provider's wage-subsidy cap and the pool budgets,
with every other lock in force — so a lock no run could keep is refused (409 naming the rule)
instead of making every later run of the week infeasible. The lines are catalogue messages
(`error.rule.*`) in the current language: each starts with the rule's name, a code."""

from __future__ import annotations

from typing import Any

import numpy as np

from api.decisions import run_instance
from api.store import DecisionRow
from matcher.messages import say
from models.instance import Instance
from models.rules import WAGE_SUBSIDY

TOL = 0.005  # € (half a cent): the engine budgets in whole cents


def accept_errors(
    base: Instance,
    weights: dict[str, Any],
    history: list[DecisionRow],
    client_id: str,
    placement_id: str,
    detailed: bool = True,
) -> list[str]:
    """Errors, each starting with the rule it breaks ('ability: …', 'seats: …', 'budget: …'),
    if `client_id` were locked into `placement_id` on top of `history`; [] when it may stand.
    A pair rule says the client's figures ('work ability 2 is below …') only when `detailed`;
    else the rule's short text (a liaison may not see work ability, benefit days or a
    coordinator's forbid reason)."""
    from matcher.pairs.costs import pair_cost
    from matcher.pairs.rules import RULES, check_pairs, rule_text

    others = [d for d in history if (d.client_id, d.placement_id) != (client_id, placement_id)]
    inst = run_instance(base, weights, others)
    cols = inst.columns
    c_hits = np.flatnonzero(cols.client_id == client_id)
    p_hits = np.flatnonzero(cols.placement_id == placement_id)
    if not len(c_hits) or not len(p_hits):
        return [say("error.rule.unknown", client=client_id, placement=placement_id)]
    c, p = np.array([c_hits[0]]), np.array([p_hits[0]])

    def why(rule: str) -> str:
        return RULES[rule].reason(inst, int(c[0]), int(p[0]), None) if detailed else rule_text(rule)

    errors = [
        say("error.rule.pair", rule=rule, client=client_id, placement=placement_id, why=why(rule))
        for rule, ok in check_pairs(inst, c, p).items()
        if rule != "seats" and not bool(ok[0])
    ]
    locks = np.flatnonzero(cols.d_lock & (cols.d_client >= 0) & (cols.d_placement >= 0))
    locks = locks[cols.d_client[locks] != c[0]]  # the client's own older lock gives way
    lc, lp = cols.d_client[locks], cols.d_placement[locks]
    seats = int(cols.p_seats[p[0]])
    taken = int((lp == p[0]).sum())
    if taken + 1 > seats:
        errors.append(say("error.rule.seats", placement=placement_id, seats=seats, taken=taken))
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    v = int(cols.p_provider[p[0]])
    if cols.p_type[p[0]] == ws and v >= 0 and cols.v_max_subsidised[v] >= 0:
        cap = int(cols.v_max_subsidised[v])
        held = int(((cols.p_provider[lp] == v) & (cols.p_type[lp] == ws)).sum())
        if held + 1 > cap:
            provider = cols.provider_id[v]
            errors.append(say("error.rule.provider_cap", provider=provider, held=held, cap=cap))
    cost = float(pair_cost(inst, c, p)[0])
    if cost > 0 and not any(e.startswith("funding:") for e in errors):
        errors += budget_errors(inst, lc, lp, c, p, cost)
    return errors


def budget_errors(
    inst: Instance,
    lc: np.ndarray,
    lp: np.ndarray,
    c: np.ndarray,
    p: np.ndarray,
    cost: float,
) -> list[str]:
    """'budget: …' when no pool that covers the pair has room for it beside the other locks
    (each charged to its first covering pool, the engine's order); [] otherwise."""
    from matcher.pairs.costs import pair_cost, pool_triples

    cols = inst.columns
    used = np.zeros(len(cols.pool_id))
    if len(lc):
        lock_cost = pair_cost(inst, lc, lp)
        rows, pools = pool_triples(inst, lc, lp, lock_cost)
        first = np.unique(rows, return_index=True)[1]
        charged = pools[first] >= 0
        np.add.at(used, pools[first][charged], lock_cost[rows[first][charged]])
    _, covering = pool_triples(inst, c, p, np.array([cost]))
    covering = covering[covering >= 0]
    budget = cols.f_budget.astype(np.float64)
    if any(used[f] + cost <= budget[f] + TOL for f in covering):
        return []
    room = ", ".join(
        say(
            "error.rule.room",
            pool=cols.pool_id[f],
            left=f"{budget[f] - used[f]:.2f}",
            budget=f"{budget[f]:.2f}",
        )
        for f in covering
    )
    return [say("error.rule.budget", cost=f"{cost:.2f}", room=room)]
