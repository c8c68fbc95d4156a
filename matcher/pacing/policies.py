"""Weekly policies against annual appropriations: the same engine, a different budget or objective.

- `greedy`: clients by decreasing priority, each takes its best pair that fits (whole budget left).
- `myopic`: this week's optimum (`solve`) with the whole appropriation left as the week's budget.
- `even`: this week's optimum with the appropriation left spread evenly: left / weeks remaining.
- `dual`: this week's optimum with the whole budget left and each pair's score lowered by the
  pool's price × its cost (points per €); the prices are the budget rows' duals of the fluid LP
  over the expected rest of the year (`matcher.pacing.forecast`), re-priced as the year goes;
  with seat prices also by the placement's seat-week price × the weeks the seat is held. Pairs
  whose lowered score is ≤ 0 are left for later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.allocation.constraints import build_rows
from matcher.allocation.repair import greedy
from matcher.allocation.solve import SolveOptions, solve
from matcher.pacing.forecast import Prices
from matcher.pairs.score import priority
from matcher.pairs.table import PairTable
from models.instance import Instance

POLICIES = ("greedy", "myopic", "even", "dual", "hindsight")


@dataclass(frozen=True)
class WeekContext:
    """What a policy knows in week `week` (0-based) of `weeks`: the appropriation left per pool."""

    week: int
    weeks: int
    left: np.ndarray


def week_budget(policy: str, ctx: WeekContext) -> np.ndarray:
    """The budget a policy gives the week's solve, per pool."""
    if policy == "even":
        return np.floor(ctx.left / max(ctx.weeks - ctx.week, 1) * 100) / 100
    return ctx.left.copy()


def priced(pairs: PairTable, prices: Prices) -> tuple[PairTable, np.ndarray]:
    """The pairs worth taking now at `prices` (points per € per pool, points per assignment
    per placement) with the lowered score, and their rows in `pairs`."""
    price = np.where(pairs.pool >= 0, prices.pool[np.maximum(pairs.pool, 0)], 0.0)
    charge = price * pairs.cost + prices.seat[pairs.placement]
    lowered = pairs.score - np.rint(charge).astype(np.int64)
    keep = np.flatnonzero(lowered > 0)
    sub = pairs.take(keep)
    sub.score = lowered[keep]
    return sub, keep


def choose(
    policy: str,
    inst: Instance,
    pairs: PairTable,
    options: SolveOptions,
    prices: Callable[[], Prices] | None = None,
) -> np.ndarray:
    """The rows of `pairs` the policy assigns this week (`inst` carries the week's budgets)."""
    if len(pairs) == 0:
        return np.zeros(0, dtype=np.int64)
    if policy == "greedy":
        order = np.lexsort((-pairs.score, -priority(inst)[pairs.client]))
        return np.flatnonzero(greedy(build_rows(inst, pairs), order))
    if policy in ("myopic", "even"):
        return np.flatnonzero(solve(inst, options, pairs=pairs).chosen)
    if policy == "dual":
        if prices is None:
            raise ValueError("the dual policy needs prices")
        sub, keep = priced(pairs, prices())
        if not len(sub):
            return np.zeros(0, dtype=np.int64)
        return keep[solve(inst, options, pairs=sub).chosen]
    raise ValueError(f"policy must be one of {', '.join(POLICIES[:-1])}, got {policy!r}")
