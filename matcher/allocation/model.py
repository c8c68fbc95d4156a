"""The CP-SAT model of the weekly allocation: one boolean per candidate triple.

Built straight into the model proto from the shared sparse rows (matcher.allocation.constraints): variables in
one text-format call, each constraint's variable and coefficient lists extended from numpy
slices — no Python object per pair. Variables 0..n-1 are the pairs; then one "placed in total"
variable and one shortfall variable per fairness unit when a floor is set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matcher.allocation.constraints import Rows
from matcher.allocation.fairness import SCALE, FairnessUnits


@dataclass
class BuiltModel:
    """A CP-SAT model with the index of its special variables."""

    model: cp_model.CpModel
    n_pairs: int
    total_var: int | None  # Σx, present when fairness floors are on
    short_vars: np.ndarray  # one shortfall variable per fairness unit


def _add_bool_vars(model: cp_model.CpModel, n: int) -> None:
    if n:
        model.proto.merge_text_format("variables { domain: [0, 1] }\n" * n)


def _add_int_var(model: cp_model.CpModel, lo: int, hi: int) -> int:
    var = model.proto.variables.add()
    var.domain.extend([int(lo), int(hi)])
    return len(model.proto.variables) - 1


def _add_linear(
    model: cp_model.CpModel, var_idx: np.ndarray, coeffs: np.ndarray, lo: int, hi: int
) -> None:
    ct = model.proto.constraints.add()
    ct.linear.vars.extend(var_idx.tolist())
    ct.linear.coeffs.extend(coeffs.tolist())
    ct.linear.domain.extend([int(lo), int(hi)])


def add_rows(model: cp_model.CpModel, rows: Rows, var_offset: int = 0) -> None:
    """Add every row of `rows` (pairs are variables var_offset..): at-most-one where it is one."""
    m = rows.matrix
    indptr, indices, data = m.indptr, m.indices, m.data
    for r in range(m.shape[0]):
        a, b = indptr[r], indptr[r + 1]
        if a == b:
            continue
        idx = indices[a:b] + var_offset
        coef = data[a:b]
        min_act, max_act = int(coef[coef < 0].sum()), int(coef[coef > 0].sum())
        lo, hi = max(int(rows.lo[r]), min_act), int(rows.hi[r])
        if lo <= 0 and hi == 1 and np.all(coef == 1):
            model.proto.constraints.add().at_most_one.literals.extend(idx.tolist())
        elif lo <= min_act and hi >= max_act:
            continue  # never binding
        else:
            _add_linear(model, idx, coef, lo, hi)


def build_cp_model(
    rows: Rows,
    objective: np.ndarray,
    units: FairnessUnits | None = None,
    fairness_weight: int = 0,
    hint: np.ndarray | None = None,
) -> BuiltModel:
    """The CP-SAT model maximising Σ objective·x − fairness_weight·Σ shortfall under `rows`."""
    n = rows.matrix.shape[1]
    model = cp_model.CpModel()
    _add_bool_vars(model, n)
    add_rows(model, rows)
    total_var = None
    short_vars = np.zeros(0, dtype=np.int64)
    obj_vars = np.arange(n)
    obj_coef = np.asarray(objective, dtype=np.int64)
    if units is not None and len(units):
        total_var = _add_int_var(model, 0, n)
        _add_linear(
            model,
            np.append(np.arange(n), total_var),
            np.append(np.ones(n, dtype=np.int64), -1),
            0,
            0,
        )
        shorts = []
        coeff = units.coeff()
        member = units.member.tocsr()
        for u in range(len(units)):
            s = _add_int_var(model, 0, int(units.queue[u]))
            shorts.append(s)
            mem = member.indices[member.indptr[u] : member.indptr[u + 1]]
            idx = np.concatenate([mem, [s, total_var]])
            coef = np.concatenate(
                [np.full(len(mem), SCALE, dtype=np.int64), [SCALE, -int(coeff[u])]]
            )
            _add_linear(model, idx, coef, 0, SCALE * (len(mem) + int(units.queue[u]) + 1))
        short_vars = np.asarray(shorts, dtype=np.int64)
        obj_vars = np.concatenate([obj_vars, short_vars])
        obj_coef = np.concatenate(
            [obj_coef, np.full(len(short_vars), -int(fairness_weight), dtype=np.int64)]
        )
    # maximise: CP-SAT minimises scaling_factor · Σ coeffs·x, so store −coeffs with factor −1
    obj = model.proto.objective
    obj.vars.extend(obj_vars.tolist())
    obj.coeffs.extend((-obj_coef).tolist())
    obj.scaling_factor = -1.0
    if hint is not None:
        chosen = np.asarray(hint).astype(np.int64)
        model.proto.solution_hint.vars.extend(np.arange(n).tolist())
        model.proto.solution_hint.values.extend(chosen.tolist())
    return BuiltModel(model=model, n_pairs=n, total_var=total_var, short_vars=short_vars)
