"""LP relaxations of the shortlist problem (HiGHS through scipy): a bound and the prices of its
client, list-length and cover rows, and fractional lists to round.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from matcher.shortlists.problem import ListProblem, group_rows, pair_groups

LP_METHOD = "highs"


class CooRows:
    """Sparse rows assembled from numpy blocks: lo ≤ A x ≤ b (lo = −∞ unless given)."""

    def __init__(self) -> None:
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.b: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.n = 0

    def add(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray,
        rhs: np.ndarray,
        lo: np.ndarray | None = None,
    ) -> None:
        """Rows numbered 0..len(rhs)−1 within this block."""
        self.r.append(np.asarray(rows, dtype=np.int64) + self.n)
        self.c.append(np.asarray(cols, dtype=np.int64))
        self.v.append(np.asarray(vals, dtype=np.float64))
        self.b.append(np.asarray(rhs, dtype=np.float64))
        self.lo.append(
            np.full(len(rhs), -np.inf) if lo is None else np.asarray(lo, dtype=np.float64)
        )
        self.n += len(rhs)

    def matrix(self, n_cols: int) -> tuple[sp.csr_matrix, np.ndarray]:
        """A and b."""
        if not self.n:
            return sp.csr_matrix((0, n_cols)), np.zeros(0)
        m = sp.csr_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(self.n, n_cols),
        )
        return m, np.concatenate(self.b)

    def lower(self) -> np.ndarray:
        """The rows' lower bounds."""
        return np.concatenate(self.lo) if self.n else np.zeros(0)


@dataclass
class LpLists:
    """The relaxation's value (a bound when OPTIMAL), its y and z, and the prices of the client,
    list-length and cover rows (per client number as in np.unique(c_client), per placement)."""

    status: str
    bound: float | None
    y: np.ndarray
    z: np.ndarray
    seconds: float
    duals: dict[str, np.ndarray] = field(default_factory=dict)


def lp_matrices(prob: ListProblem, exact_top: bool = False) -> dict[str, Any]:
    """A compact LP relaxation: its value bounds the optimum and its y guides the rounding.

    Each binding (list, pool) group g gets a reservation R_g ≥ 0 bounded below by two valid cuts
    of its top-s sum: the average, (1/K)·Σ c_i·y_i (a list has ≤ K·s candidates, and the mean of
    the s largest is ≥ the mean of all), and v_min·w_g, where w_g ≤ min(s, listed in g) are the
    seats g covers (covers earn the bonus). Caps get C_p ≥ max(listed/K, covered) the same way.
    Both cuts are exact on full lists. With `exact_top` each group also gets the exact LP form of
    its top-s sum, R_g ≥ s·t_g + Σ_i u_i with u_i ≥ c_i·y_i − t_g (one column and row per
    candidate): exact at 0/1 points, so integral lists are never under-reserved.
    """
    m, nz = prob.m, len(prob.lock_triples)
    k_inv = 1.0 / prob.per_seat
    tb = prob.tight_budgets
    n_pl = len(prob.seats)
    # candidate → tight budget group (−1 when its pool never binds or it costs nothing)
    group_of = np.full(m, -1, dtype=np.int64)
    group_of[tb.members] = np.repeat(np.arange(tb.n_groups), np.diff(tb.group_ptr))
    v_min = tb.value[tb.group_ptr[1:] - 1].astype(float) / 100 if tb.n_groups else np.zeros(0)
    bonus = prob.cover_bonus > 0
    other_pl = np.unique(prob.c_place[group_of < 0]) if bonus else np.zeros(0, dtype=np.int64)
    cap_pl = np.unique(
        prob.c_place[prob.binding_caps[prob.provider_of[prob.c_place]] & prob.capped[prob.c_place]]
    )
    n_g = tb.n_groups
    n_wg = n_g if bonus else 0
    off_z = m
    off_r = off_z + nz
    off_wg = off_r + n_g
    off_wo = off_wg + n_wg
    off_c = off_wo + len(other_pl)
    off_t = off_c + len(cap_pl)
    off_u = off_t + (n_g if exact_top else 0)
    n = off_u + (len(tb.members) if exact_top else 0)
    ub = CooRows()
    j = np.arange(m)
    ones = np.ones(m)
    dual_rows: dict[str, tuple[int, np.ndarray]] = {}
    row, owners = group_rows(prob.c_client)
    dual_rows["client"] = (ub.n, owners)
    ub.add(row, j, ones, np.full(len(owners), float(prob.max_lists)))
    pr, pj = pair_groups(prob)
    if len(pj):
        ub.add(pr, pj, np.ones(len(pj)), np.ones(int(pr.max()) + 1))
    row, owners = group_rows(prob.c_place)
    dual_rows["place"] = (ub.n, owners)
    ub.add(row, j, ones, (prob.per_seat * prob.seats[owners]).astype(float))
    # cover variables of a placement: w_g of its groups and w_o for its other candidates
    cover_place = np.concatenate([tb.group_place[:n_wg], other_pl])
    cover_col = np.concatenate([off_wg + np.arange(n_wg), off_wo + np.arange(len(other_pl))])
    if bonus and len(cover_col):
        # Σ covers ≤ s_p
        row, owners = group_rows(cover_place)
        dual_rows["cover"] = (ub.n, owners)
        ub.add(row, cover_col, np.ones(len(cover_col)), prob.seats[owners].astype(float))
        # w_g − Σ_{i∈g} y_i ≤ 0 and w_o − Σ_{i∈p, other} y_i ≤ 0
        wo_pos = np.full(n_pl, -1, dtype=np.int64)
        wo_pos[other_pl] = n_wg + np.arange(len(other_pl))
        crow = np.where(group_of >= 0, group_of, wo_pos[prob.c_place])
        ub.add(
            np.concatenate([np.arange(len(cover_col)), crow]),
            np.concatenate([cover_col, j]),
            np.concatenate([np.ones(len(cover_col)), -ones]),
            np.zeros(len(cover_col)),
        )
    if n_g:
        cents = prob.c_cents.astype(float) / 100
        g = np.arange(n_g)
        # (1/K)·Σ c_i y_i − R_g ≤ 0
        ub.add(
            np.concatenate([group_of[tb.members], g]),
            np.concatenate([tb.members, off_r + g]),
            np.concatenate([k_inv * cents[tb.members], -np.ones(n_g)]),
            np.zeros(n_g),
        )
        mm = np.arange(len(tb.members))
        if exact_top:
            sg = prob.seats[tb.group_place].astype(float)
            mg = group_of[tb.members]
            ub.add(
                np.concatenate([g, mg, g]),
                np.concatenate([off_t + g, off_u + mm, off_r + g]),
                np.concatenate([sg, np.ones(len(mm)), -np.ones(n_g)]),
                np.zeros(n_g),
            )
            ub.add(
                np.concatenate([mm, mm, mm]),
                np.concatenate([tb.members, off_t + mg, off_u + mm]),
                np.concatenate([cents[tb.members], -np.ones(len(mm)), -np.ones(len(mm))]),
                np.zeros(len(mm)),
            )
        else:
            # c_i·y_i − R_g ≤ 0: one listed candidate may be picked (top-s ≥ the costliest)
            ub.add(
                np.concatenate([mm, mm]),
                np.concatenate([tb.members, off_r + group_of[tb.members]]),
                np.concatenate([cents[tb.members], -np.ones(len(mm))]),
                np.zeros(len(mm)),
            )
        if bonus:  # v_min·w_g − R_g ≤ 0
            ub.add(
                np.concatenate([g, g]),
                np.concatenate([off_wg + g, off_r + g]),
                np.concatenate([v_min, -np.ones(n_g)]),
                np.zeros(n_g),
            )
        # Σ_g∈f R_g + Σ lock cents·z ≤ B_f
        pools = np.flatnonzero(prob.binding_pools)
        prow = np.full(len(prob.budget), -1, dtype=np.int64)
        prow[pools] = np.arange(len(pools))
        lock_pool = prob.pairs.pool[prob.lock_triples]
        lz = np.flatnonzero((lock_pool >= 0) & (prob.cents[prob.lock_triples] > 0))
        lz = lz[prow[lock_pool[lz]] >= 0]
        ub.add(
            np.concatenate([prow[tb.group_key], prow[lock_pool[lz]]]),
            np.concatenate([off_r + g, off_z + lz]),
            np.concatenate([np.ones(n_g), prob.cents[prob.lock_triples[lz]] / 100]),
            prob.budget[pools].astype(float) / 100,
        )
    if len(cap_pl):
        cpos = np.full(n_pl, -1, dtype=np.int64)
        cpos[cap_pl] = np.arange(len(cap_pl))
        sel = np.flatnonzero(cpos[prob.c_place] >= 0)
        k = np.arange(len(cap_pl))
        # (1/K)·n_p − C_p ≤ 0
        ub.add(
            np.concatenate([cpos[prob.c_place[sel]], k]),
            np.concatenate([sel, off_c + k]),
            np.concatenate([np.full(len(sel), k_inv), -np.ones(len(k))]),
            np.zeros(len(k)),
        )
        if bonus:  # Σ covers of p − C_p ≤ 0
            cs = np.flatnonzero(cpos[cover_place] >= 0)
            ub.add(
                np.concatenate([cpos[cover_place[cs]], k]),
                np.concatenate([cover_col[cs], off_c + k]),
                np.concatenate([np.ones(len(cs)), -np.ones(len(k))]),
                np.zeros(len(k)),
            )
        provs = np.flatnonzero(prob.binding_caps)
        vrow = np.full(len(prob.cap_left), -1, dtype=np.int64)
        vrow[provs] = np.arange(len(provs))
        ub.add(
            vrow[prob.provider_of[cap_pl]],
            off_c + k,
            np.ones(len(k)),
            prob.cap_left[provs].astype(float),
        )
    a_ub, b_ub = ub.matrix(n)
    a_eq = b_eq = None
    if nz:
        a_eq = sp.csr_matrix(
            (np.ones(nz), (prob.lock_owner, off_z + np.arange(nz))), shape=(prob.n_locks, n)
        )
        b_eq = np.ones(prob.n_locks)
    c = np.zeros(n)
    c[:m] = -prob.c_score.astype(float)
    c[cover_col] = -float(prob.cover_bonus)
    bounds = np.zeros((n, 2))
    bounds[:off_r, 1] = 1.0
    bounds[off_r:off_wg, 1] = np.inf
    bounds[cover_col, 1] = prob.seats[cover_place]
    bounds[off_c:, 1] = np.inf
    return dict(
        c=c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        m=m,
        off_z=off_z,
        off_r=off_r,
        dual_rows=dual_rows,
    )


def solve_list_lp(prob: ListProblem, time_limit: float, exact_top: bool = False) -> LpLists:
    """Solve the relaxation of `lp_matrices` with HiGHS; a time-out gives no bound."""
    t0 = time.perf_counter()
    mats = lp_matrices(prob, exact_top)
    m, off_z, off_r = mats["m"], mats["off_z"], mats["off_r"]
    res = linprog(
        mats["c"],
        A_ub=mats["A_ub"],
        b_ub=mats["b_ub"],
        A_eq=mats["A_eq"],
        b_eq=mats["b_eq"],
        bounds=mats["bounds"],
        method=LP_METHOD,
        options={"time_limit": max(1.0, time_limit), "presolve": True},
    )
    seconds = time.perf_counter() - t0
    if res.status == 0:
        x = np.clip(res.x, 0, 1)
        prices = -np.asarray(res.ineqlin.marginals)
        duals = {}
        for name, (first, owners) in mats["dual_rows"].items():
            size = len(prob.seats) if name != "client" else len(owners)
            d = np.zeros(size)
            target = np.arange(len(owners)) if name == "client" else owners
            d[target] = np.maximum(prices[first : first + len(owners)], 0.0)
            duals[name] = d
        return LpLists("OPTIMAL", float(-res.fun), x[:m], x[off_z:off_r], seconds, duals)
    status = {1: "TIME_LIMIT", 2: "INFEASIBLE", 3: "UNBOUNDED"}.get(res.status, "ERROR")
    return LpLists(status, None, np.zeros(m), np.zeros(off_r - off_z), seconds)
