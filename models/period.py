"""Period budgets: a pool's appropriation for a longer period than the week (README "Period budgets").

funding.csv may carry three extension columns (kept like any extra column, parsed here):
`period_budget` (€ appropriated for the period), `period_spent` (€ committed of it before this
week) and `period_end_week` (the ISO week the period ends, inclusive); instance.json may carry a
`period` section (`start_week`, `end_week`, `policy`, `prices`: € → points per pool). A week
without them is an ordinary week: its `budget` alone binds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from models.instance import Instance

PERIOD_COLUMNS = ("period_budget", "period_spent", "period_end_week")
WEEK_RE = re.compile(r"^\d{4}-W\d{2}$")


class PeriodError(ValueError):
    """A period column or the period section holds something that is not what it should be."""


@dataclass(frozen=True)
class PoolPeriod:
    """One pool's appropriation: budget, spent so far, the week it ends, and the price used."""

    pool_id: str
    budget: float
    spent: float
    end_week: str
    price: float = 0.0

    @property
    def left(self) -> float:
        return max(self.budget - self.spent, 0.0)


@dataclass(frozen=True)
class Period:
    """The period view of an instance: its section in instance.json and the pools with budgets."""

    start_week: str = ""
    end_week: str = ""
    policy: str = ""
    pools: list[PoolPeriod] = field(default_factory=list)
    curve: list[dict[str, Any]] = field(default_factory=list)  # weeks so far: spent vs plan


def _number(value: Any, row: int, column: str) -> float:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
        return 0.0
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise PeriodError(
            f"funding.csv line {row + 2}, column {column}: {value!r} is not a number of euros"
        ) from None
    if not math.isfinite(number) or number < 0:
        raise PeriodError(
            f"funding.csv line {row + 2}, column {column}: {value!r} must be euros ≥ 0"
        )
    return number


def read_period(inst: Instance) -> Period | None:
    """The instance's period budgets, or None when it has none (no pool with `period_budget`)."""
    section = inst.meta.get("period") or {}
    if not isinstance(section, dict):
        raise PeriodError("instance.json: period must be an object")
    if "period_budget" not in inst.pools.columns:
        return None
    prices = section.get("prices") or {}
    pools = []
    for row, rec in enumerate(inst.pools.to_dict("records")):
        budget = _number(rec.get("period_budget"), row, "period_budget")
        if budget <= 0:
            continue
        end = str(rec.get("period_end_week") or section.get("end_week") or "")
        if end in ("nan", "None"):
            end = ""
        if end and not WEEK_RE.match(end):
            raise PeriodError(
                f"funding.csv line {row + 2}, column period_end_week: {end!r} is not an ISO "
                "week like 2026-W52"
            )
        pid = str(rec["id"])
        pools.append(
            PoolPeriod(
                pid,
                budget,
                _number(rec.get("period_spent"), row, "period_spent"),
                end,
                float(prices.get(pid, 0.0)),
            )
        )
    if not pools:
        return None
    return Period(
        start_week=str(section.get("start_week", "")),
        end_week=str(section.get("end_week", "")),
        policy=str(section.get("policy", "")),
        pools=pools,
        curve=list(section.get("curve") or []),
    )


def _week_index(week: str) -> int | None:
    """Weeks since 2000-W01 of an ISO week (None when it is not one)."""
    from datetime import date

    if not WEEK_RE.match(week or ""):
        return None
    try:
        monday = date.fromisocalendar(int(week[:4]), int(week[6:8]), 1)
    except ValueError:
        return None
    return (monday - date(2000, 1, 3)).days // 7


def period_summary(period: Period, week: str, used: dict[str, float]) -> dict[str, Any]:
    """The period view of one week's run: per pool the appropriation, spent before, this week's
    use, left after and the price; and the spending curve so far (the weeks the instance lists
    plus this one) against the even plan (appropriation × share of the period's weeks gone)."""
    now = _week_index(week)
    pools, total, spent = [], 0.0, 0.0
    for p in period.pools:
        this = float(used.get(p.pool_id, 0.0))
        pools.append(
            {
                "pool_id": p.pool_id,
                "period_budget": round(p.budget, 2),
                "spent_before": round(p.spent, 2),
                "used_this_week": round(this, 2),
                "left_after": round(max(p.left - this, 0.0), 2),
                "price_per_eur": p.price,
                "end_week": p.end_week or period.end_week,
            }
        )
        total += p.budget
        spent += p.spent + this
    start = _week_index(period.start_week)
    end = _week_index(period.end_week or (period.pools[0].end_week if period.pools else ""))
    plan_share = None
    if now is not None and start is not None and end is not None and end >= start:
        plan_share = min(max((now - start + 1) / (end - start + 1), 0.0), 1.0)
    curve = [dict(c) for c in period.curve]
    curve.append(
        {
            "week": week,
            "spent": round(spent, 2),
            "plan": round(total * plan_share, 2) if plan_share is not None else None,
        }
    )
    return {
        "policy": period.policy,
        "start_week": period.start_week,
        "end_week": period.end_week,
        "period_budget": round(total, 2),
        "spent": round(spent, 2),
        "plan": curve[-1]["plan"],
        "pools": pools,
        "curve": curve,
    }
