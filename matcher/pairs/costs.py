"""What a pair costs the public side and which funding pools may pay it (FORMAT.md rules).

Cost = weekly_cost × rate × charged weeks (duration_weeks pro rata days a week,
models.lifecycle); the rate is `cost_rate[type]`, or for wage subsidy the highest applicable
`wage_subsidy.rate`. A pool covers a pair when it is in the placement's
`funding_pools` and its type, municipality and group scopes admit the pair (empty = all).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.pairs.table import per_instance
from models import formulas
from models.formulas import LONG_TERM_MONTHS
from models.rules import PROVIDER_KINDS, THIRD_SECTOR_KINDS, WAGE_SUBSIDY

if TYPE_CHECKING:
    from models.instance import Instance


def type_rates(inst: Instance) -> np.ndarray:
    """`cost_rate` per type code (NaN for wage subsidy, whose rate depends on the pair)."""
    rules = inst.rules
    return np.array(
        [np.nan if t == WAGE_SUBSIDY else rules.type_rate(t) for t in inst.columns.types.tokens],
        dtype=np.float64,
    )


def wage_subsidy_rate(
    inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray
) -> np.ndarray:
    """Highest applicable `wage_subsidy.rate` per pair (default, partial work ability, third
    sector)."""
    cols = inst.columns
    ci = np.asarray(client_idx, dtype=np.int64)
    pi = np.asarray(placement_idx, dtype=np.int64)
    third_codes = np.array([PROVIDER_KINDS.index(k) for k in THIRD_SECTOR_KINDS])
    provider = cols.p_provider[pi]
    kind = np.where(provider >= 0, cols.v_kind[np.maximum(provider, 0)], -1)
    third = np.isin(kind, third_codes) & (cols.c_unemployed_months[ci] >= LONG_TERM_MONTHS)
    return formulas.wage_subsidy_rate(inst.rules.wage_subsidy_rate, cols.c_partial[ci], third)


def pair_rate(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """Share of weekly_cost the public side pays, per pair."""
    cols = inst.columns
    pi = np.asarray(placement_idx, dtype=np.int64)
    ptype = cols.p_type[pi]
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    rate = np.where(ptype >= 0, type_rates(inst)[np.maximum(ptype, 0)], np.nan)
    is_ws = ptype == ws
    if is_ws.any():
        rate[is_ws] = wage_subsidy_rate(inst, np.asarray(client_idx)[is_ws], pi[is_ws])
    return rate


def pair_cost(inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray) -> np.ndarray:
    """€ charged to the pool per pair: weekly_cost × rate × charged weeks (the duration pro
    rata days a week, clipped to `pro_rata.period_end_week`; README "Placement lifecycle")."""
    cols = inst.columns
    pi = np.asarray(placement_idx, dtype=np.int64)
    rate = pair_rate(inst, client_idx, pi)
    return formulas.pair_cost(cols.p_weekly_cost[pi], rate, cols.p_charged_weeks[pi])


def cost_cents(cost: np.ndarray) -> np.ndarray:
    """Costs in whole cents, as the budget rows of the model count them."""
    return formulas.cost_cents(cost)


def budget_cents(inst: Instance) -> np.ndarray:
    """Pool budgets in whole cents (rounded down), as the budget rows of the model count them."""
    return formulas.budget_cents(inst.columns.f_budget)


def placement_pools(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """CSR (ptr, pool) of each placement's known funding pools, in file order, repeats dropped."""
    return per_instance(inst, "placement_pools", lambda: _placement_pools(inst))


def _placement_pools(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    cols = inst.columns
    m = cols.n_placements
    owner = np.repeat(np.arange(m), np.diff(cols.p_pool_ptr))
    pool = cols.p_pool_idx
    keep = pool >= 0
    owner, pool = owner[keep], pool[keep]
    if len(pool):
        key = owner * max(len(cols.pool_id), 1) + pool
        _, first = np.unique(key, return_index=True)
        first.sort()
        owner, pool = owner[first], pool[first]
    ptr = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=m))]).astype(np.int64)
    return ptr, pool.astype(np.int64)


def expand_pools(
    inst: Instance, placement_idx: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (pair, pool listed by the placement): (pair index, pool, entry in placement_pools)."""
    ptr, pools = placement_pools(inst)
    pi = np.asarray(placement_idx, dtype=np.int64)
    start = ptr[pi]
    k = ptr[pi + 1] - start
    pair = np.repeat(np.arange(len(pi)), k)
    entry = np.arange(len(pair)) + np.repeat(start - (np.cumsum(k) - k), k)
    return pair, pools[entry], entry


def _entry_scope(inst: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per placement_pools entry: does the pool cover the placement's type, and is the pool
    scoped by municipality / by group (so those checks can be skipped when it is not)?"""

    def compute() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cols = inst.columns
        ptr, pools = placement_pools(inst)
        owner = np.repeat(np.arange(cols.n_placements), np.diff(ptr))
        ptype = cols.p_type[owner]
        type_ok = (ptype >= 0) & cols.f_types[pools, np.maximum(ptype, 0)]
        muni_scoped = ~np.all(cols.f_munis, axis=1)[pools]
        return type_ok, muni_scoped, ~cols.f_any_group[pools]

    return per_instance(inst, "entry_scope", compute)


def pool_covers(
    inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray, pool_idx: np.ndarray
) -> np.ndarray:
    """Per (client, placement, pool): do the pool's type, municipality and group scopes admit it?

    Membership of the pool in the placement's `funding_pools` is not checked here.
    """
    cols = inst.columns
    ci = np.asarray(client_idx, dtype=np.int64)
    fi = np.asarray(pool_idx, dtype=np.int64)
    ptype = cols.p_type[np.asarray(placement_idx, dtype=np.int64)]
    muni = cols.c_muni[ci]
    ok = (fi >= 0) & (ptype >= 0) & (muni >= 0)
    f, t, mu = np.where(ok, fi, 0), np.maximum(ptype, 0), np.maximum(muni, 0)
    ok &= cols.f_types[f, t] & cols.f_munis[f, mu]
    scoped = np.flatnonzero(ok & ~cols.f_any_group[f])
    if len(scoped):
        ok[scoped] = _shares_group(inst, ci[scoped], f[scoped])
    return ok


def _shares_group(inst: Instance, client_idx: np.ndarray, pool_idx: np.ndarray) -> np.ndarray:
    """Is the client in one of the groups the pool lists?"""
    cols = inst.columns
    n_groups = cols.f_groups.shape[1]
    if n_groups == 0:
        return np.zeros(len(client_idx), dtype=bool)
    if n_groups > 64:
        return np.any(cols.f_groups[pool_idx] & cols.c_groups[client_idx], axis=1)
    weights = np.left_shift(np.uint64(1), np.arange(n_groups, dtype=np.uint64))

    def pack(matrix: np.ndarray) -> np.ndarray:
        return np.bitwise_or.reduce(np.where(matrix, weights, np.uint64(0)), axis=1)

    client_bits = per_instance(inst, "client_group_bits", lambda: pack(cols.c_groups))
    pool_bits = per_instance(inst, "pool_group_bits", lambda: pack(cols.f_groups))
    return (client_bits[client_idx] & pool_bits[pool_idx]) != 0


def pool_triples(
    inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray, cost: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The (pair index, pool) triples to offer the solver, in pair order then funding_pools order.

    A pair that costs something gets one triple per covering pool whose whole budget could pay
    it (cost ≤ budget, in cents); a pair whose cost is 0 gets exactly one triple, with its first
    covering pool, or pool -1 when none covers it. Pairs with no triple are not fundable.
    """
    cols = inst.columns
    ci = np.asarray(client_idx, dtype=np.int64)
    cost = np.asarray(cost, dtype=np.float64)
    n = len(ci)
    pair, pool, entry = expand_pools(inst, placement_idx)
    type_ok, muni_scoped, group_scoped = _entry_scope(inst)
    cover = type_ok[entry]
    rows = np.flatnonzero(cover & muni_scoped[entry])
    cover[rows] = cols.f_munis[pool[rows], np.maximum(cols.c_muni[ci[pair[rows]]], 0)] & (
        cols.c_muni[ci[pair[rows]]] >= 0
    )
    rows = np.flatnonzero(cover & group_scoped[entry])
    cover[rows] = _shares_group(inst, ci[pair[rows]], pool[rows])
    free = cost <= 0
    keep = cover & (free[pair] | (cost_cents(cost)[pair] <= budget_cents(inst)[pool]))
    # a cost-0 pair keeps only its first covering pool (entries are in list order)
    dup = np.flatnonzero(keep & free[pair])
    later = dup[1:][pair[dup[1:]] == pair[dup[:-1]]]
    keep[later] = False
    out_pair, out_pool = pair[keep], pool[keep]
    orphan = free.copy()  # cost-0 pairs that no pool covers get one row with pool -1
    orphan[out_pair] = False
    if not orphan.any():
        return out_pair, out_pool
    rows_per_pair = np.bincount(out_pair, minlength=n) + orphan
    start = np.cumsum(rows_per_pair) - rows_per_pair
    total = len(out_pair) + int(orphan.sum())
    res_pair = np.empty(total, dtype=np.int64)
    res_pool = np.empty(total, dtype=np.int64)
    before: np.ndarray = np.cumsum(orphan) - orphan  # orphan rows placed before each pair's rows
    at = np.arange(len(out_pair)) + before[out_pair]
    res_pair[at], res_pool[at] = out_pair, out_pool
    lone = np.flatnonzero(orphan)
    res_pair[start[lone]], res_pool[start[lone]] = lone, -1
    return res_pair, res_pool


def funded(
    inst: Instance, client_idx: np.ndarray, placement_idx: np.ndarray, cost: np.ndarray
) -> np.ndarray:
    """Per pair: cost 0, or some covering pool's whole budget could pay it."""
    pair, _ = pool_triples(inst, client_idx, placement_idx, cost)
    out = np.zeros(len(np.asarray(client_idx)), dtype=bool)
    out[pair] = True
    return out
