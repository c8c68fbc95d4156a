"""The feasibility rules of FORMAT.md, one vectorised mask per rule over (client, placement) pairs.

Each rule takes the instance and two equal-length int arrays of client and placement row indices
and returns a bool array: True where the rule holds. The rule table (`matcher.pairs.rules`) names
them, with their words, and `candidates.build_pairs` applies them in its order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from matcher.pairs.costs import funded, pair_cost
from matcher.pairs.table import per_instance
from matcher.pairs.travel import travel_minutes
from models.columnar import subset

if TYPE_CHECKING:
    from models.instance import Instance

PARTICIPATION = "participation"  # the type whose eligibility `participation.*` rules set

Rule = Callable[["Instance", np.ndarray, np.ndarray], np.ndarray]


def bit_at(masks: np.ndarray, rows: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Is bit `code[i]` set in row `rows[i]` of the packed bitmask `masks`? (code < 0 → False)."""
    ok = code >= 0
    c = np.where(ok, code, 0)
    word = masks[rows, c >> 6]
    return ok & ((word >> (c & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


def _member(keys: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Is each key in `sorted_set` (sorted, unique)?"""
    if not len(sorted_set):
        return np.zeros(len(keys), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_set, keys), len(sorted_set) - 1)
    return sorted_set[pos] == keys


def _ix(client_idx: np.ndarray, placement_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(client_idx, dtype=np.int64), np.asarray(placement_idx, dtype=np.int64)


def pair_keys(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """One int64 key per (client, placement), for set lookups against decisions and wishes."""
    return np.asarray(client_idx, dtype=np.int64) * max(inst.columns.n_placements, 1) + np.asarray(
        placement_idx, dtype=np.int64
    )


def decision_keys(inst: Instance, lock: bool) -> np.ndarray:
    """Sorted pair keys of the locked (`lock=True`) or forbidden decisions whose ids resolve."""

    def compute() -> np.ndarray:
        cols = inst.columns
        sel = (cols.d_lock == lock) & (cols.d_client >= 0) & (cols.d_placement >= 0)
        return np.unique(pair_keys(inst, cols.d_client[sel], cols.d_placement[sel]))

    return per_instance(inst, f"decision_keys:{lock}", compute)


def queue_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The client is in the queue (no current placement): only queue clients get pairs."""
    ci, _ = _ix(client_idx, placement_idx)
    return inst.columns.c_current[ci] < 0


def seats_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The placement has free seats this week, or the pair is locked (a lock keeps its seat)."""
    ci, pi = _ix(client_idx, placement_idx)
    ok = inst.columns.p_seats[pi] > 0
    if not ok.all():
        full = np.flatnonzero(~ok)
        ok[full] = _member(pair_keys(inst, ci[full], pi[full]), decision_keys(inst, lock=True))
    return ok


def age_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The client's age is within `age.min` … `age.max`."""
    ci, _ = _ix(client_idx, placement_idx)
    age = inst.columns.c_age[ci]
    return (age >= inst.rules.age_min) & (age <= inst.rules.age_max)


def consent_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The placement's type is among the client's `consents`."""
    ci, pi = _ix(client_idx, placement_idx)
    cols = inst.columns
    return bit_at(cols.c_consents, ci, cols.p_type[pi])


def months_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The client's `months_used` of the type is below the type's `max_months`."""
    ci, pi = _ix(client_idx, placement_idx)
    cols = inst.columns
    limit = per_instance(
        inst,
        "max_months",
        lambda: np.array([inst.rules.max_months[t] for t in cols.types.tokens], dtype=np.float64),
    )
    t = cols.p_type[pi]
    known = t >= 0
    t = np.maximum(t, 0)
    return known & (cols.c_months_used[ci, t] < limit[t])


def organiser_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The client's `months_by_provider` at the placement's provider is below
    `organiser_max_months` of the placement's type (types without an entry have no such limit)."""
    ci, pi = _ix(client_idx, placement_idx)
    cols = inst.columns
    limit = per_instance(
        inst,
        "organiser_max_months",
        lambda: np.array(
            [inst.rules.organiser_max_months.get(t, np.inf) for t in cols.types.tokens],
            dtype=np.float64,
        ),
    )
    keys, months = organiser_months(inst)
    ok = np.ones(len(ci), dtype=bool)
    t = cols.p_type[pi]
    rows = np.flatnonzero(
        (t >= 0) & np.isfinite(limit[np.maximum(t, 0)]) & (cols.p_provider[pi] >= 0)
    )
    if not len(rows) or not len(keys):
        return ok
    key = ci[rows] * max(len(cols.provider_id), 1) + cols.p_provider[pi[rows]]
    pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
    used = np.where(keys[pos] == key, months[pos], 0.0)
    ok[rows] = used < limit[t[rows]]
    return ok


def organiser_months(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (client × provider) keys and the months the client has used at that provider, from
    the optional `months_by_provider` column (ids not in providers.csv are past organisers and do
    not bind this week)."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        cells = inst.clients["months_by_provider"] if "months_by_provider" in inst.clients else ()
        index = {str(v): i for i, v in enumerate(inst.columns.provider_id)}
        width = max(len(inst.columns.provider_id), 1)
        keys, months = [], []
        for c, cell in enumerate(cells):
            for vid, m in (cell or {}).items():
                v = index.get(str(vid))
                if v is not None and m > 0:
                    keys.append(c * width + v)
                    months.append(float(m))
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        return np.array(keys, dtype=np.int64)[order], np.array(months, dtype=np.float64)[order]

    return per_instance(inst, "organiser_months", compute)


def participation_ok(
    inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray
) -> np.ndarray:
    """Participation needs `participation.min_benefit_days` benefit days or age below
    `participation.youth_age`; other types have no such condition."""
    ci, pi = _ix(client_idx, placement_idx)
    cols, rules = inst.columns, inst.rules
    code = cols.types.index.get(PARTICIPATION, -2)
    eligible = (cols.c_benefit_days[ci] >= rules.participation_min_benefit_days) | (
        cols.c_age[ci] < rules.participation_youth_age
    )
    return (cols.p_type[pi] != code) | eligible


def ability_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The client's `work_ability` is at least the placement's `min_work_ability`."""
    ci, pi = _ix(client_idx, placement_idx)
    cols = inst.columns
    return cols.c_work_ability[ci] >= cols.p_min_work_ability[pi]


def needs_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """Every one of the client's `needs` is among the placement's `features`."""
    ci, pi = _ix(client_idx, placement_idx)
    cols = inst.columns
    ok = np.ones(len(ci), dtype=bool)
    needy = per_instance(inst, "has_needs", lambda: np.any(cols.c_needs != 0, axis=1))
    rows = np.flatnonzero(needy[ci])
    if len(rows):
        ok[rows] = subset(cols.c_needs[ci[rows]], cols.p_features[pi[rows]])
    return ok


def language_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """The placement's `language` is among the client's `languages`."""
    ci, pi = _ix(client_idx, placement_idx)
    cols = inst.columns
    return bit_at(cols.c_languages, ci, cols.p_language[pi])


def demands_ok(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """Every `demands` level of the placement is met by the client's `abilities` (a key the client
    lacks counts as their work_ability)."""
    ci, pi = _ix(client_idx, placement_idx)
    cols = inst.columns
    ok = np.ones(len(ci), dtype=bool)
    if cols.p_demands.shape[1] == 0:
        return ok
    demands_any = per_instance(inst, "has_demands", lambda: np.any(cols.p_demands > 0, axis=1))
    demanding = np.flatnonzero(demands_any[pi])
    if len(demanding):
        c, p = ci[demanding], pi[demanding]
        ok[demanding] = np.all(cols.c_abilities[c] >= cols.p_demands[p], axis=1)
    return ok


def commute_ok(
    inst: Instance,
    client_idx: np.ndarray,
    placement_idx: np.ndarray,
    travel: np.ndarray | None = None,
    cap: float | None = None,
) -> np.ndarray:
    """Travel minutes (rounded to 0.1) are at most the client's `max_commute_min` (and `cap`)."""
    ci, pi = _ix(client_idx, placement_idx)
    if travel is None:
        travel = travel_minutes(inst, ci, pi)
    limit = inst.columns.c_max_commute[ci]
    if cap is not None:
        limit = np.minimum(limit, cap)
    return travel <= limit


def not_forbidden(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """No `forbid` decision names this (client, placement)."""
    ci, pi = _ix(client_idx, placement_idx)
    forbidden = decision_keys(inst, lock=False)
    ok = np.ones(len(ci), dtype=bool)
    if not len(forbidden):
        return ok
    cols = inst.columns
    marked = per_instance(
        inst,
        "forbid_clients",
        lambda: np.isin(np.arange(cols.n_clients), forbidden // max(cols.n_placements, 1)),
    )
    rows = np.flatnonzero(marked[ci])
    ok[rows] = ~_member(pair_keys(inst, ci[rows], pi[rows]), forbidden)
    return ok


def funding_ok(
    inst: Instance,
    client_idx: np.ndarray,
    placement_idx: np.ndarray,
    cost: np.ndarray | None = None,
) -> np.ndarray:
    """The pair costs 0, or one of the placement's `funding_pools` covers its type, the client's
    municipality and (when it lists groups) one of the client's groups, with budget ≥ the cost."""
    ci, pi = _ix(client_idx, placement_idx)
    if cost is None:
        cost = pair_cost(inst, ci, pi)
    return funded(inst, ci, pi, cost)
