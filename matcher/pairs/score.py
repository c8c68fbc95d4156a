"""The integer score of a pair, component by component, as models/weights.py documents it.

Every component is rounded on its own (numpy.rint, half to even) and the total is their sum,
so a report can show the parts and they add up exactly. Nothing depends on the pool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.pairs.feasibility import bit_at, pair_keys
from matcher.pairs.table import per_instance

if TYPE_CHECKING:
    from models.instance import Instance

COMPONENTS: tuple[str, ...] = ("priority", "wish", "interest", "pathway", "travel", "cost")
WEEKS_PER_MONTH = 52 / 12  # waiting weeks assumed per unemployed month when unknown


def liability_share(inst: Instance) -> np.ndarray:
    """Per client: the municipal share of the daily benefit at their benefit days (rules)."""
    thresholds = inst.rules.liability_thresholds
    days = inst.columns.c_benefit_days
    if not thresholds:
        return np.zeros(len(days))
    marks = np.array([d for d, _ in thresholds], dtype=np.float64)
    shares = np.concatenate([[0.0], [s for _, s in thresholds]])
    return shares[np.searchsorted(marks, days, side="right")]


def liability_per_week(inst: Instance) -> np.ndarray:
    """Per client: € the municipality saves per week while the client is in an active service."""
    return liability_share(inst) * inst.rules.liability_daily_benefit * 5


def waiting_weeks(inst: Instance) -> np.ndarray:
    """Per client: weeks since the last active service; unknown → unemployed_months × 52/12."""
    cols = inst.columns
    known = cols.c_weeks_since_activation
    return np.where(np.isnan(known), cols.c_unemployed_months * WEEKS_PER_MONTH, known)


def priority(inst: Instance) -> np.ndarray:
    """Per client int64: rint(placed + benefit_days·min(days, cap)/100 + liability·€/week
    + waiting·min(weeks, waiting_cap)); the urgency that ranks clients."""
    return _priority(inst).copy()


def _priority(inst: Instance) -> np.ndarray:
    return per_instance(inst, "priority", lambda: _compute_priority(inst))


def _compute_priority(inst: Instance) -> np.ndarray:
    w, cols = inst.weights, inst.columns
    days = np.minimum(cols.c_benefit_days, w.benefit_days_cap)
    weeks = np.minimum(waiting_weeks(inst), w.waiting_cap)
    value = (
        w.placed
        + w.benefit_days * days / 100
        + w.liability * liability_per_week(inst)
        + w.waiting * weeks
    )
    return np.rint(value).astype(np.int64)


def wish_rank(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """Per pair: 1-based rank of the placement in the client's wishes (first mention), else 0."""
    keys, rank = per_instance(inst, "wish_keys", lambda: _wish_keys(inst))
    out = np.zeros(len(np.asarray(client_idx)), dtype=np.int64)
    if not len(keys):
        return out
    query = pair_keys(inst, client_idx, placement_idx)
    pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    hit = keys[pos] == query
    out[hit] = rank[pos[hit]]
    return out


def _wish_keys(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique pair keys of every wish and the best (first) rank of each."""
    cols = inst.columns
    n_wish = np.diff(cols.c_wish_ptr)
    owner = np.repeat(np.arange(cols.n_clients), n_wish)
    rank = np.arange(len(owner)) - cols.c_wish_ptr[owner] + 1
    target = cols.c_wish_placement
    known = target >= 0
    keys = pair_keys(inst, owner[known], target[known])
    rank = rank[known]
    order = np.lexsort((rank, keys))  # by key, best rank first
    keys, rank = keys[order], rank[order]
    first = np.concatenate([[True], keys[1:] != keys[:-1]])[: len(keys)]
    return keys[first], rank[first]


def type_stages(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Pathway stage per type code from weights.pathway_stage, and whether the type has one."""
    stages = inst.weights.pathway_stage
    tokens = inst.columns.types.tokens
    value = np.array([stages.get(t, 0) for t in tokens], dtype=np.int64)
    return value, np.array([t in stages for t in tokens], dtype=bool)


def highest_stage(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Per client: the highest stage among staged types with months_used > 0, and whether any."""
    return per_instance(inst, "highest_stage", lambda: _highest_stage(inst))


def _highest_stage(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    value, staged = type_stages(inst)
    used = (inst.columns.c_months_used > 0) & staged[None, :]
    low = np.iinfo(np.int64).min
    top = np.max(np.where(used, value[None, :], low), axis=1, initial=low)
    return top, used.any(axis=1)


def score_components(
    inst: Instance,
    client_idx: np.ndarray,
    placement_idx: np.ndarray,
    cost: np.ndarray,
    travel: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per pair int64 components "priority", "wish", "interest", "pathway", "travel", "cost"."""
    w, cols = inst.weights, inst.columns
    ci = np.asarray(client_idx, dtype=np.int64)
    pi = np.asarray(placement_idx, dtype=np.int64)
    rank = wish_rank(inst, ci, pi)
    wish = np.where(rank > 0, np.rint(w.wish / np.maximum(rank, 1)), 0)
    interest = np.where(bit_at(cols.c_interests, ci, cols.p_sector[pi]), np.rint(w.interest), 0)
    value, staged = type_stages(inst)
    ptype = cols.p_type[pi]
    pstage = value[np.maximum(ptype, 0)]
    top, has_top = highest_stage(inst)
    top = top[ci]
    has_path = has_top[ci] & (ptype >= 0) & staged[np.maximum(ptype, 0)]
    pathway = np.where(
        has_path & (pstage == top + 1),
        np.rint(w.pathway),
        np.where(has_path & (pstage == top), -np.rint(w.pathway_repeat), 0),
    )
    return {
        "priority": _priority(inst)[ci],
        "wish": wish.astype(np.int64),
        "interest": interest.astype(np.int64),
        "pathway": pathway.astype(np.int64),
        "travel": -np.rint(w.travel * np.asarray(travel, dtype=np.float64)).astype(np.int64),
        "cost": -np.rint(w.cost * np.asarray(cost, dtype=np.float64) / 1000).astype(np.int64),
    }


def total_score(components: dict[str, np.ndarray]) -> np.ndarray:
    """The score the solver maximises: the sum of the components (int64)."""
    total = np.array(components[COMPONENTS[0]], dtype=np.int64, copy=True)
    for name in COMPONENTS[1:]:
        total += components[name]
    return total
