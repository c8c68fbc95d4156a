"""The shortlist problem as a MIP in funding levels, solved by HiGHS (SciPy's `milp`).

Candidates' costs within a (list, pool) group take one to three values (the cost of a seat at that
placement), so the worst case of a list is nearly "funded seats × seat cost". Here each binding
(list, pool) group chooses one funding level (k seats at cost class c, i.e. every listed member
costs at most class c's value): k < s lets k candidates on, k = s the whole list (up to K·s); the
pool pays k × class value. Choosing levels is a knapsack per pool, the rest an assignment — a model
HiGHS branches on well, unlike the top-s form whose LP relaxation lets a fraction of a seat buy a
whole list. The reservation charged is never below the true worst case (top-s of the listed), so
every solution is feasible for the guarantee; it is exact when a group has one cost class.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.allocation.mip import HighsRun, Lp, run_highs
from matcher.shortlists.lp import CooRows
from matcher.shortlists.problem import ListProblem, list_lengths, objective_value, pair_groups


@dataclass
class ListMipResult:
    """Best lists found (`y` over the problem's candidates, `z` over its lock triples), objective,
    and HiGHS's dual bound (valid for the level model, which restricts the problem only for groups
    with several cost classes)."""

    status: str
    y: np.ndarray | None
    z: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float


@dataclass(frozen=True)
class LevelModel:
    """The level model's arrays: matrix rows, bounds, objective, integrality, and the column
    layout (y first, then levels, cover, lock triples, cap switches and cap counts)."""

    matrix: sp.csr_array
    row_lo: np.ndarray
    row_hi: np.ndarray
    objective: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray
    lv_group: np.ndarray  # per level: group
    lv_a: list[np.ndarray]  # per group: its compositions (levels × classes), costliest class first
    lv_first: np.ndarray  # per group: first level column (offset into the levels block)
    g_members: list[np.ndarray]  # per group: candidate positions
    g_rank: list[np.ndarray]  # per group: class rank of each member (0 = costliest)
    capped: np.ndarray  # capped list placements (binding caps)
    offsets: dict[str, int]
    client_rows: tuple[int, np.ndarray]  # first client row and each row's client (or −1 none)

    def lp(self) -> Lp:
        """The model's rows, bounds and objective for HiGHS (every column ≥ 0)."""
        zeros = np.zeros(len(self.objective))
        return Lp(self.matrix, self.row_lo, self.row_hi, self.objective, zeros, self.col_hi)


def _compositions(n_classes: int, seats: int) -> np.ndarray:
    """Every a ∈ ℕ^C with 1 ≤ Σa ≤ s (rows), in lexicographic order."""
    out: list[tuple[int, ...]] = []

    def rec(prefix: tuple[int, ...], left: int) -> None:
        if len(prefix) == n_classes:
            if sum(prefix):
                out.append(prefix)
            return
        for v in range(left + 1):
            rec((*prefix, v), left - v)

    rec((), seats)
    return np.array(out, dtype=np.int64).reshape(-1, n_classes)


def build_level_model(
    prob: ListProblem, relax_y: bool = False, client_rows: bool = True
) -> LevelModel:
    """The level model of `prob` (see the module docstring); without `client_rows` (Σ y ≤ L per
    client, once per list) for the Lagrangian subproblem that prices them instead."""
    m, n_pl = prob.m, len(prob.seats)
    K, L = prob.per_seat, prob.max_lists
    s = prob.seats
    n_pools = len(prob.budget)
    charged = (prob.c_pool >= 0) & (prob.c_cents > 0)
    charged &= prob.binding_pools[np.maximum(prob.c_pool, 0)]
    j = np.flatnonzero(charged)
    gkey = prob.c_place[j] * (n_pools + 1) + prob.c_pool[j]
    order = np.lexsort((-prob.c_cents[j], gkey))
    j, gkey = j[order], gkey[order]
    gkeys, g_start = np.unique(gkey, return_index=True)
    n_g = len(gkeys)
    g_place = gkeys // (n_pools + 1)
    g_pool = gkeys % (n_pools + 1)
    bounds = np.append(g_start, len(j))
    tables: dict[tuple[int, int], np.ndarray] = {}
    g_members: list[np.ndarray] = []
    g_rank: list[np.ndarray] = []
    lv_a: list[np.ndarray] = []
    lv_cost: list[np.ndarray] = []
    # prefix rows, per group and cost class c: listed members of classes 0..c ≤ Σ_levels cap_c·level
    # (the level columns come right after the m candidate columns)
    r_parts: list[np.ndarray] = []
    c_parts: list[np.ndarray] = []
    v_parts: list[np.ndarray] = []
    lv_first = np.zeros(n_g, dtype=np.int64)
    n_lv = n_prefix = 0
    for g in range(n_g):  # per group (a few hundred), not per pair
        mem = j[bounds[g] : bounds[g + 1]]
        values = np.unique(-prob.c_cents[mem])  # negated costs, costliest first
        rank = np.searchsorted(values, -prob.c_cents[mem])
        seats, n_cls = int(s[g_place[g]]), len(values)
        if (n_cls, seats) not in tables:
            tables[n_cls, seats] = _compositions(n_cls, seats)
        a = tables[n_cls, seats]
        cum = np.cumsum(a, axis=1)
        caps = np.where(cum < seats, cum, K * seats)
        rep = n_cls - rank  # a member of rank r is in prefixes r..C−1
        member_rows = np.repeat(n_prefix + rank, rep) + (
            np.arange(rep.sum()) - np.repeat(np.cumsum(rep) - rep, rep)
        )
        r_parts += [member_rows, np.tile(n_prefix + np.arange(n_cls), len(a))]
        c_parts += [np.repeat(mem, rep), np.repeat(m + n_lv + np.arange(len(a)), n_cls)]
        v_parts += [np.ones(len(member_rows)), -caps.ravel().astype(np.float64)]
        g_members.append(mem)
        g_rank.append(rank)
        lv_a.append(a)
        lv_cost.append(a @ (-values))
        lv_first[g] = n_lv
        n_lv += len(a)
        n_prefix += n_cls
    lv_group = np.repeat(np.arange(n_g), [len(a) for a in lv_a]).astype(np.int64)
    n_lt = len(prob.lock_triples)
    capped = np.flatnonzero(prob.capped & prob.binding_caps[prob.provider_of] & (s > 0))
    n_cap = len(capped)
    o_lv = m
    o_w = o_lv + n_lv
    o_z = o_w + n_pl
    o_u = o_z + n_lt
    o_mm = o_u + n_cap
    n_cols = o_mm + n_cap
    rows = CooRows()
    # one level per group
    rows.add(lv_group, o_lv + np.arange(n_lv), np.ones(n_lv), np.ones(n_g))
    if n_g:
        rows.add(
            np.concatenate(r_parts),
            np.concatenate(c_parts),
            np.concatenate(v_parts),
            np.zeros(n_prefix),
        )
    # binding pools: level costs + lock costs ≤ budget
    bp = np.flatnonzero(prob.binding_pools)
    pool_row = np.full(n_pools, -1)
    pool_row[bp] = np.arange(len(bp))
    lt_pool = prob.pairs.pool[prob.lock_triples]
    keep_lt = (
        (lt_pool >= 0) & (pool_row[np.maximum(lt_pool, 0)] >= 0) if n_lt else np.zeros(0, bool)
    )
    costs = np.concatenate(lv_cost) if n_g else np.zeros(0)
    scale = 1.0 / np.maximum(prob.budget[bp].astype(np.float64), 1.0)  # rows in budget units
    lt_rows = pool_row[lt_pool[keep_lt]]
    lv_rows = pool_row[g_pool[lv_group]]
    rows.add(
        np.concatenate([lv_rows, lt_rows]),
        np.concatenate([o_lv + np.arange(n_lv), o_z + np.flatnonzero(keep_lt)]),
        np.concatenate(
            [
                costs.astype(np.float64) * scale[lv_rows],
                prob.cents[prob.lock_triples][keep_lt].astype(np.float64) * scale[lt_rows],
            ]
        ),
        prob.budget[bp].astype(np.float64) * scale,
    )
    # clients: Σ y ≤ L (and once per list when L > 1)
    first_client_row = rows.n
    cl = np.zeros(0, dtype=np.int64)
    if client_rows:
        cl, c_row = np.unique(prob.c_client, return_inverse=True)
        rows.add(c_row, np.arange(m), np.ones(m), np.full(len(cl), float(L)))
    r, jj = pair_groups(prob) if client_rows else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if len(jj):
        nr = int(r.max()) + 1
        rows.add(r, jj, np.ones(len(jj)), np.ones(nr))
    # lists: Σ y ≤ K·s; cover w ≤ Σ y
    rows.add(prob.c_place, np.arange(m), np.ones(m), (K * s).astype(np.float64))
    rows.add(
        np.concatenate([prob.c_place, np.arange(n_pl)]),
        np.concatenate([np.arange(m), o_w + np.arange(n_pl)]),
        np.concatenate([-np.ones(m), np.ones(n_pl)]),
        np.zeros(n_pl),
    )
    # covered seats ≤ funded seats + free candidates: w_p ≤ Σ_free y + Σ_levels Σa·o (a fraction of
    # a funded seat must not cover a seat — the LP's main weakness without it)
    free = np.ones(m, dtype=bool)
    free[j] = False
    jf = np.flatnonzero(free)
    lv_total = np.concatenate([a.sum(axis=1) for a in lv_a]) if n_g else np.zeros(0)
    rows.add(
        np.concatenate([prob.c_place[jf], g_place[lv_group], np.arange(n_pl)]),
        np.concatenate([jf, o_lv + np.arange(n_lv), o_w + np.arange(n_pl)]),
        np.concatenate([-np.ones(len(jf)), -lv_total.astype(np.float64), np.ones(n_pl)]),
        np.zeros(n_pl),
    )
    if n_lt:  # one pool (triple) per lock
        rows.add(
            prob.lock_owner,
            o_z + np.arange(n_lt),
            np.ones(n_lt),
            np.ones(prob.n_locks),
            lo=np.ones(prob.n_locks),
        )
    if n_cap:  # capped list p: len ≤ s + (K−1)s·u; mm ≥ len − (K−1)s·u; mm ≥ s·u; Σ mm ≤ cap
        cap_row = np.full(n_pl, -1)
        cap_row[capped] = np.arange(n_cap)
        ja = np.flatnonzero(cap_row[prob.c_place] >= 0)
        big = ((K - 1) * s[capped]).astype(np.float64)
        ar = np.arange(n_cap)
        rows.add(
            np.concatenate([cap_row[prob.c_place[ja]], ar]),
            np.concatenate([ja, o_u + ar]),
            np.concatenate([np.ones(len(ja)), -big]),
            s[capped].astype(np.float64),
        )
        rows.add(
            np.concatenate([cap_row[prob.c_place[ja]], ar, ar]),
            np.concatenate([ja, o_u + ar, o_mm + ar]),
            np.concatenate([np.ones(len(ja)), -big, -np.ones(n_cap)]),
            np.zeros(n_cap),
        )
        rows.add(
            np.concatenate([ar, ar]),
            np.concatenate([o_u + ar, o_mm + ar]),
            np.concatenate([s[capped].astype(np.float64), -np.ones(n_cap)]),
            np.zeros(n_cap),
        )
        provs, p_row = np.unique(prob.provider_of[capped], return_inverse=True)
        rows.add(p_row, o_mm + ar, np.ones(n_cap), prob.cap_left[provs].astype(np.float64))
    objective = np.zeros(n_cols)
    objective[:m] = prob.c_score
    objective[o_w : o_w + n_pl] = float(prob.cover_bonus)
    col_hi = np.ones(n_cols)
    col_hi[o_w : o_w + n_pl] = s
    col_hi[o_mm:] = s[capped]
    integer = np.ones(n_cols, dtype=bool)
    integer[:m] = not relax_y
    integer[o_w : o_w + n_pl] = False
    integer[o_mm:] = False
    a, hi = rows.matrix(n_cols)
    lo = rows.lower()
    return LevelModel(
        a,
        lo,
        hi,
        objective,
        col_hi,
        integer,
        lv_group,
        lv_a,
        lv_first,
        g_members,
        g_rank,
        capped,
        {"lv": o_lv, "w": o_w, "z": o_z, "u": o_u, "mm": o_mm},
        (first_client_row, cl),
    )


def start_vector(prob: ListProblem, lm: LevelModel, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The level model's x for lists `y` and lock pools `z` (feasible when they are)."""
    o = lm.offsets
    x = np.zeros(len(lm.objective))
    x[: prob.m] = y
    lengths = list_lengths(prob, y)
    s = prob.seats
    for g, (mem, rank, a) in enumerate(zip(lm.g_members, lm.g_rank, lm.lv_a, strict=True)):
        listed = rank[y[mem]]
        if not len(listed):
            continue
        seats = int(s[prob.c_place[mem[0]]])
        counts = np.bincount(listed, minlength=a.shape[1])
        want = np.minimum(np.cumsum(counts), seats)
        comp = np.diff(np.concatenate([[0], want]))
        hit = np.flatnonzero((a == comp).all(axis=1))
        x[o["lv"] + lm.lv_first[g] + hit[0]] = 1.0
    x[o["w"] : o["w"] + len(s)] = np.minimum(s, lengths)
    x[o["z"] : o["z"] + len(z)] = z
    cl = lm.capped
    long = lengths[cl] > s[cl]
    x[o["u"] : o["u"] + len(cl)] = long
    x[o["mm"] : o["mm"] + len(cl)] = np.minimum(s[cl], lengths[cl])
    return x


def run_level_model(lm: LevelModel, time_limit: float, **kwargs: Any) -> HighsRun:
    """HiGHS on the level model `lm` (keyword arguments as matcher.allocation.mip.run_highs)."""
    return run_highs(lm.lp(), lm.integer, time_limit=time_limit, **kwargs)


def solve_list_mip(
    prob: ListProblem,
    time_limit: float,
    y0: np.ndarray | None = None,
    z0: np.ndarray | None = None,
    *,
    stop_at: float | None = None,
    on_improve: Callable[[float], None] | None = None,
    log: bool = False,
    options: dict[str, Any] | None = None,
    relax_y: bool = False,
) -> ListMipResult:
    """Solve the level model of `prob` with HiGHS for at most `time_limit` seconds, from the
    lists `y0` with lock pools `z0` when given."""
    t0 = time.perf_counter()
    lm = build_level_model(prob, relax_y)
    start = None
    if y0 is not None:
        z = np.zeros(len(prob.lock_triples), dtype=bool) if z0 is None else z0
        start = start_vector(prob, lm, y0, z)
    run = run_level_model(
        lm,
        max(0.1, time_limit - (time.perf_counter() - t0)),
        start=start,
        stop_at=stop_at,
        on_improve=on_improve,
        log=log,
        options=options,
    )
    if run.x is None:
        return ListMipResult(run.status, None, None, None, run.bound, time.perf_counter() - t0)
    x = run.x
    o = lm.offsets
    y = x[: prob.m] > 0.5
    z = x[o["z"] : o["z"] + len(prob.lock_triples)] > 0.5
    return ListMipResult(
        run.status, y, z, float(objective_value(prob, y)), run.bound, time.perf_counter() - t0
    )


def prune(
    prob: ListProblem, per_client: int, keep: np.ndarray | None = None
) -> tuple[ListProblem, np.ndarray]:
    """The problem over each client's `per_client` best-scoring candidates (plus `keep`), and the
    position in `prob` of each kept candidate. Pruning by client keeps the LP value (each list's
    own best candidates are the same popular clients; pruning by list loses most of it)."""
    order = np.lexsort((-prob.c_score, prob.c_client))
    client = prob.c_client[order]
    rank = np.arange(len(order)) - np.searchsorted(client, client)
    mask = np.zeros(prob.m, dtype=bool)
    mask[order[rank < per_client]] = True
    if keep is not None:
        mask |= keep
    sel = np.flatnonzero(mask)
    return replace(prob, cand=prob.cand[sel]), sel
