"""The CP-SAT model of the shortlist problem, written straight into the model proto.

One boolean per candidate and per lock triple; each top-s reservation in the form s·t + Σ u_i with
y_i ≤ u_i + t (t, u boolean) — exact at 0/1 points and, relaxed, the convex hull of a top-s sum —
plus redundant rows that make CP-SAT's LP relaxation tight.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from matcher.allocation.model import BuiltModel
from matcher.shortlists.problem import ListProblem, TopSums, pair_groups

# CP-SAT's full portfolio (8 workers, time-sharing on a small machine) includes the LP-and-branch
# workers that close this model's bound; with 2 workers and the default linearization the bound
# stays at the root LP (benchmarks/RESULTS.md, "Design measurements").
CPSAT_PARAMS: dict[str, Any] = {"linearization_level": 2}


def _bool_vars(model: cp_model.CpModel, n: int) -> None:
    if n:
        model.proto.merge_text_format("variables { domain: [0, 1] }\n" * n)


def _int_var(model: cp_model.CpModel, lo: int, hi: int) -> int:
    var = model.proto.variables.add()
    var.domain.extend([int(lo), int(hi)])
    return len(model.proto.variables) - 1


def _linear(model: cp_model.CpModel, idx: list[int], coef: list[int], lo: int, hi: int) -> None:
    ct = model.proto.constraints.add()
    ct.linear.vars.extend(idx)
    ct.linear.coeffs.extend(coef)
    ct.linear.domain.extend([int(lo), int(hi)])


def _rows_by(keys: np.ndarray) -> list[np.ndarray]:
    """Positions grouped by equal key (one array per key, keys ascending)."""
    if not len(keys):
        return []
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    cuts = np.flatnonzero(k[1:] != k[:-1]) + 1
    return np.split(order, cuts)


def _top_terms(
    model: cp_model.CpModel, prob: ListProblem, ts: TopSums, hint: dict[int, int], y0: np.ndarray
) -> tuple[dict[int, tuple[list[int], list[int]]], dict[int, tuple[list[int], list[int]]]]:
    """The top-s sums of `ts` in the form s·t + Σ u_i with y_i ≤ u_i + t (t, u boolean): exact at
    0/1 points and, relaxed, the tightest convex form of a top-s sum (its Lovász extension).

    Returns per key (pool or provider) the (variables, coefficients) of Σ_groups top-s sum, and per
    placement the (variables, coefficients) of Σ_groups min(s, listed in the group) — what the
    list's covered seats may not exceed. Hint values for the new variables go into `hint`.
    """
    out: dict[int, tuple[list[int], list[int]]] = {}
    seats_of: dict[int, tuple[list[int], list[int]]] = {}
    starts = ts.group_ptr[ts.class_group]
    last = np.ones(len(ts.class_group), dtype=bool)
    last[:-1] = ts.class_group[1:] != ts.class_group[:-1]
    for c in range(len(ts.class_group)):
        g = int(ts.class_group[c])
        mem = ts.members[int(starts[c]) : int(ts.class_end[c])].tolist()
        p = int(ts.group_place[g])
        s = int(prob.seats[p])
        delta = int(ts.class_delta[c])
        if len(mem) <= s:
            expr_v, expr_c = mem, [1] * len(mem)
        else:
            t = _int_var(model, 0, 1)
            n0 = int(y0[mem].sum())
            hint[t] = int(n0 > s)
            us = []
            for i in mem:
                u = _int_var(model, 0, 1)
                hint[u] = int(bool(y0[i]) and n0 <= s)
                model.proto.constraints.add().bool_or.literals.extend([-i - 1, u, t])
                us.append(u)
            expr_v, expr_c = [t, *us], [s] + [1] * len(us)
        if delta > 0:
            vars_, coefs = out.setdefault(int(ts.group_key[g]), ([], []))
            vars_.extend(expr_v)
            coefs.extend(delta * k for k in expr_c)
        if last[c]:
            sv, sc = seats_of.setdefault(p, ([], []))
            sv.extend(expr_v)
            sc.extend(expr_c)
    return out, seats_of


def build_list_model(prob: ListProblem, y0: np.ndarray, z0: np.ndarray) -> BuiltModel:
    """The CP-SAT model: y (candidates) then z (lock triples), then covers and the top-s
    variables; maximise Σ score·y + cover_bonus·Σ cover, hinted with (y0, z0).

    Besides the exact rules it states two redundant rows that make its LP relaxation tight: per
    pool, Σ cost·y ≤ K·(budget − locks) (a list has ≤ K·s candidates, so the mean of its s
    costliest is ≥ the mean of all), and per list, covered seats ≤ Σ_groups min(s, listed there).
    """
    m, nz = prob.m, len(prob.lock_triples)
    model = cp_model.CpModel()
    _bool_vars(model, m + nz)
    hint: dict[int, int] = {}
    for rows in _rows_by(prob.c_client):
        if prob.max_lists == 1:
            if len(rows) > 1:
                model.proto.constraints.add().at_most_one.literals.extend(rows.tolist())
        elif len(rows) > prob.max_lists:
            _linear(model, rows.tolist(), [1] * len(rows), 0, prob.max_lists)
    pr, pj = pair_groups(prob)
    for rows in _rows_by(pr):
        model.proto.constraints.add().at_most_one.literals.extend(pj[rows].tolist())
    lock_pool = prob.pairs.pool[prob.lock_triples]
    lock_cents = prob.cents[prob.lock_triples]
    for rows in _rows_by(prob.lock_owner):
        model.proto.constraints.add().exactly_one.literals.extend((m + rows).tolist())
    terms, group_seats = _top_terms(model, prob, prob.tight_budgets, hint, y0)
    tb = prob.tight_budgets
    in_group = np.zeros(m, dtype=bool)
    in_group[tb.members] = True
    for f in np.flatnonzero(prob.binding_pools).tolist():
        vars_, coefs = terms.get(f, ([], []))
        lz = np.flatnonzero((lock_pool == f) & (lock_cents > 0))
        if vars_ or len(lz):
            _linear(
                model,
                vars_ + (m + lz).tolist(),
                coefs + lock_cents[lz].tolist(),
                0,
                int(prob.budget[f]),
            )
        charged = tb.members[
            tb.group_key[np.repeat(np.arange(tb.n_groups), np.diff(tb.group_ptr))] == f
        ]
        if len(charged):
            k = prob.per_seat
            _linear(
                model,
                charged.tolist() + (m + lz).tolist(),
                prob.c_cents[charged].tolist() + (k * lock_cents[lz]).tolist(),
                0,
                k * int(prob.budget[f]),
            )
    cap_terms, _ = _top_terms(model, prob, prob.tight_caps, hint, y0)
    for v in np.flatnonzero(prob.binding_caps).tolist():
        vars_, coefs = cap_terms.get(v, ([], []))
        if vars_:
            _linear(model, vars_, coefs, 0, int(prob.cap_left[v]))
    obj_vars: list[int] = list(range(m))
    obj_coef: list[int] = prob.c_score.tolist()
    for rows in _rows_by(prob.c_place):
        p = int(prob.c_place[rows[0]])
        s = int(prob.seats[p])
        if len(rows) > prob.per_seat * s:
            _linear(model, rows.tolist(), [1] * len(rows), 0, prob.per_seat * s)
        if prob.cover_bonus > 0:
            w = _int_var(model, 0, s)
            hint[w] = min(s, int(y0[rows].sum()))
            free = rows[~in_group[rows]].tolist()
            gv, gc = group_seats.get(p, ([], []))
            _linear(model, [w, *free, *gv], [1] + [-1] * len(free) + [-k for k in gc], -(10**9), 0)
            _linear(model, [w, *rows.tolist()], [1] + [-1] * len(rows), -len(rows), 0)
            obj_vars.append(w)
            obj_coef.append(prob.cover_bonus)
    obj = model.proto.objective
    obj.vars.extend(obj_vars)
    obj.coeffs.extend([-c for c in obj_coef])
    obj.scaling_factor = -1.0
    model.proto.solution_hint.vars.extend(list(range(m + nz)) + list(hint))
    model.proto.solution_hint.values.extend(
        y0.astype(np.int64).tolist() + z0.astype(np.int64).tolist() + list(hint.values())
    )
    return BuiltModel(
        model=model, n_pairs=m + nz, total_var=None, short_vars=np.zeros(0, dtype=np.int64)
    )
