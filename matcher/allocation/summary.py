"""The figures a coordinator reads after a run: placed vs queue overall, by type, by municipality
and by group; budget use per pool; commute; municipal liability saved per week; status and gap."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.pairs.score import liability_per_week
from models.instance import Instance

if TYPE_CHECKING:
    from matcher.allocation.solve import SolveResult


def _by(
    codes: np.ndarray, names: tuple[str, ...] | list[str], weights: np.ndarray | None = None
) -> dict[str, float]:
    counts = np.bincount(
        codes[codes >= 0],
        weights=None if weights is None else weights[codes >= 0],
        minlength=len(names),
    )
    return {
        name: (int(v) if weights is None else round(float(v), 2))
        for name, v in zip(names, counts, strict=True)
    }


def summarise(inst: Instance, result: SolveResult) -> dict[str, Any]:
    """Summary figures of `result` (plain JSON types)."""
    cols = inst.columns
    pairs = result.pairs
    idx = np.flatnonzero(result.chosen)
    clients = pairs.client[idx]
    placements = pairs.placement[idx]
    queue = cols.c_queue
    placed_mask = np.zeros(cols.n_clients, dtype=bool)
    placed_mask[clients] = True
    munis = cols.municipalities.tokens
    queue_by_muni = _by(cols.c_muni[queue], munis)
    placed_by_muni = _by(cols.c_muni[clients], munis)
    by_group = {}
    for g, name in enumerate(cols.groups.tokens):
        members = cols.c_groups[:, g]
        by_group[name] = {
            "queue": int((members & queue).sum()),
            "placed": int((members & placed_mask).sum()),
        }
    seats_by_type = _by(cols.p_type, cols.types.tokens, cols.p_seats.astype(float))
    used = np.zeros(len(cols.pool_id))
    with_pool = idx[pairs.pool[idx] >= 0]
    np.add.at(used, pairs.pool[with_pool], pairs.cost[with_pool])
    travel = pairs.travel_min[idx]
    saved = liability_per_week(inst)[clients].sum() if len(clients) else 0.0
    return {
        "queue": int(queue.sum()),
        "placed": int(len(idx)),
        "free_seats": int(cols.p_seats.sum()),
        "by_type": {
            t: {"placed": v, "seats": int(seats_by_type[t])}
            for t, v in _by(cols.p_type[placements], cols.types.tokens).items()
        },
        "by_municipality": {
            m: {"queue": queue_by_muni[m], "placed": placed_by_muni[m]}
            for m in munis
            if queue_by_muni[m]
        },
        "by_group": by_group,
        "pools": [
            {
                "pool_id": str(cols.pool_id[f]),
                "budget": float(cols.f_budget[f]),
                "used": round(float(used[f]), 2),
                "share": round(float(used[f] / cols.f_budget[f]), 4)
                if cols.f_budget[f] > 0
                else None,
            }
            for f in range(len(cols.pool_id))
        ],
        "commute": {
            "mean_min": round(float(travel.mean()), 1) if len(travel) else None,
            "max_min": round(float(travel.max()), 1) if len(travel) else None,
            "histogram": _histogram(travel),
        },
        "liability_saved_per_week": round(float(saved), 2),
        "total_cost": round(float(pairs.cost[idx].sum()), 2),
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
    }


def _histogram(travel: np.ndarray) -> list[dict[str, Any]]:
    edges = [0, 15, 30, 45, 60, 90, np.inf]
    counts, _ = np.histogram(travel, bins=edges)
    labels = ["0–15", "15–30", "30–45", "45–60", "60–90", "90+"]
    return [{"range_min": label, "count": int(c)} for label, c in zip(labels, counts, strict=True)]
