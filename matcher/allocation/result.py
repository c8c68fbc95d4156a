"""Turn a SolveResult into allocation.json (FORMAT.md): assignments with score components and
next-best alternatives, the unassigned with reasons, pool use, fairness and a summary."""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.allocation.solve import SolveResult
from matcher.allocation.summary import summarise
from models.allocation import Allocation, Assignment, PoolUse, Unassigned
from models.instance import Instance


def to_allocation(inst: Instance, result: SolveResult, *, explain: bool = True) -> Allocation:
    """The allocation of `result`; with `explain`, reasons and alternatives computed from the data."""
    from matcher.explain.alternatives import alternatives_for_assigned
    from matcher.explain.envy import justified_envy
    from matcher.explain.unassigned import reasons_for_unassigned

    cols = inst.columns
    pairs = result.pairs
    idx = np.flatnonzero(result.chosen)
    comps = {k: v[idx] for k, v in pairs.components.items()}
    alternatives = alternatives_for_assigned(inst, result, limit=3) if explain else {}
    assignments = []
    for k, j in enumerate(idx.tolist()):
        c = int(pairs.client[j])
        more: dict[str, Any] = {}
        if c in alternatives:
            more["alternatives"] = alternatives[c]
        pool = int(pairs.pool[j])
        assignments.append(
            Assignment(
                client_id=str(cols.client_id[c]),
                placement_id=str(cols.placement_id[pairs.placement[j]]),
                pool_id=str(cols.pool_id[pool]) if pool >= 0 else "",
                cost=round(float(pairs.cost[j]), 2),
                travel_min=round(float(pairs.travel_min[j]), 1),
                score={name: int(v[k]) for name, v in comps.items()},
                extra=more,
            )
        )
    placed = np.zeros(cols.n_clients, dtype=bool)
    placed[pairs.client[idx]] = True
    left = np.flatnonzero(cols.c_queue & ~placed)
    reasons = reasons_for_unassigned(inst, result, left) if explain else {}
    unassigned = [
        Unassigned(client_id=str(cols.client_id[c]), reasons=reasons.get(int(c), ["not assigned"]))
        for c in left.tolist()
    ]
    used = np.zeros(len(cols.pool_id))
    with_pool = idx[pairs.pool[idx] >= 0]
    np.add.at(used, pairs.pool[with_pool], pairs.cost[with_pool])
    pools = [
        PoolUse(str(cols.pool_id[f]), float(cols.f_budget[f]), round(float(used[f]), 2))
        for f in range(len(cols.pool_id))
    ]
    extra: dict[str, Any] = {
        "gap": None if result.gap is None else round(result.gap, 6),
        "summary": summarise(inst, result),
        "solver": {**result.stats, "history": [p.as_dict() for p in result.history[-200:]]},
    }
    if explain:
        extra["envy"] = justified_envy(inst, result)
    return Allocation(
        instance=inst.name,
        status=result.status,
        objective=int(round(result.objective)),
        bound=None if result.bound is None else int(np.floor(result.bound + 1e-6)),
        solve_seconds=result.seconds,
        assignments=assignments,
        unassigned=unassigned,
        pools=pools,
        fairness=result.fairness,
        extra=extra,
    )
