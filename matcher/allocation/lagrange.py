"""Lagrangian relaxation of the budget rows: a valid upper bound from any budget prices.

For prices λ ≥ 0 (score per cent) on the budget rows,
    L(λ) = Σ_f λ_f·B_f + max { Σ_j (score_j − λ_{f(j)}·cost_j)·x_j : x an assignment }
is an upper bound on the allocation's optimum for every λ, and the inner maximum is a min-cost
flow (`matcher.allocation.flow`), solved exactly (its rounding error is added to the bound). Because that
flow polytope is integral, min_λ L(λ) equals the LP relaxation's optimum: the best Lagrangian
bound *is* the LP bound. This is how a first-order LP solver's duals (PDLP, which ends at a
non-converged iterate whose own objective bounds nothing) become a bound one may report.
(Column generation, `matcher.allocation.colgen`, replaced minimising L by a bundle method; the
figures are in benchmarks/RESULTS.md, "Design measurements".)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.allocation.flow import FlowNet, max_weight_assignment
from matcher.allocation.primal import row_use


@dataclass
class DualEval:
    """One evaluation of L at prices `lam` (per budget row, score per cent)."""

    lam: np.ndarray
    bound: float
    spend: np.ndarray  # cents per budget row of the flow solution
    chosen: np.ndarray  # the flow solution (may over-spend)
    feasible: bool


class Dual:
    """The dual function over one FlowNet and score vector."""

    def __init__(self, net: FlowNet, score: np.ndarray) -> None:
        self.net = net
        self.score = np.asarray(score, dtype=np.float64)
        rows = net.rows
        self.budget_rows = rows.of("budget")
        self.budget = rows.hi[self.budget_rows].astype(np.float64)
        self.pos = np.full(len(rows.hi), -1, dtype=np.int64)  # budget row → position in lam
        self.pos[self.budget_rows] = np.arange(len(self.budget_rows))
        self.charged = net.budget_row >= 0
        self.where = self.pos[np.where(self.charged, net.budget_row, 0)]
        self.cents = rows.cost_cents.astype(np.float64)
        self.active: np.ndarray | None = None  # column-generation arcs, kept between evaluations

    @property
    def size(self) -> int:
        return len(self.budget_rows)

    def price(self, lam: np.ndarray) -> np.ndarray:
        """score − λ·cost per triple."""
        if not self.size:
            return self.score.copy()
        return self.score - np.where(self.charged, lam[self.where] * self.cents, 0.0)

    def evaluate(self, lam: np.ndarray) -> DualEval:
        """L(λ) (an upper bound when the flow kept every lock) and the flow solution at λ."""
        lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
        res = max_weight_assignment(self.net, self.price(lam), active=self.active)
        self.active = res.active
        spend = row_use(self.net, res.chosen)[self.budget_rows].astype(np.float64)
        bound = float(lam @ self.budget) + res.bound if self.size else res.bound
        return DualEval(lam, bound, spend, res.chosen, res.feasible)
