"""A simulated year's figures: placed, waiting weeks by group and municipality, money, spending."""

from __future__ import annotations

from typing import Any

import numpy as np

from instances.arrivals import Year
from matcher.pacing.simulate import YearResult
from models.columnar import client_groups


def _stats(weeks: np.ndarray) -> dict[str, float]:
    if not len(weeks):
        return {"clients": 0, "mean": 0.0, "p90": 0.0}
    return {
        "clients": int(len(weeks)),
        "mean": round(float(weeks.mean()), 2),
        "p90": round(float(np.percentile(weeks, 90)), 1),
    }


def waiting_weeks(year: Year, result: YearResult) -> np.ndarray:
    """Weeks each client waited: until placed, else until they left or the year ended."""
    s = result.state
    if s is None:
        raise ValueError("waiting weeks need the simulated state (YearResult.state)")
    end = np.minimum(year.leave, year.weeks)
    stop = np.where(s.placed_week >= 0, s.placed_week, end)
    return np.maximum(stop - year.arrival, 0).astype(np.float64)


def figures(year: Year, result: YearResult) -> dict[str, Any]:
    """The report's row for one policy's year (hindsight also: its LP bound and LP value)."""
    out: dict[str, Any] = {
        "region": year.region,
        "seed": year.seed,
        "policy": result.policy,
        "objective": round(result.objective, 1),
        "seconds": round(result.seconds, 1),
    }
    if result.lp_bound is not None:
        out.update(
            lp_bound=round(result.lp_bound, 1),
            lp_value=round(result.lp_value or 0.0, 1),
            lp_seconds=round(result.lp_seconds or 0.0, 1),
            plan_value=round(result.plan_value or 0.0, 1),
            plan_how=result.plan_how,
        )
    if result.state is None:
        raise ValueError("a year's figures need the simulated state (YearResult.state)")
    s = result.state
    wait = waiting_weeks(year, result)
    placed = s.placed_week >= 0
    clients = year.base.clients
    munis = clients["municipality"].astype(str).to_numpy()
    groups = client_groups(clients, year.base.rules.groups)
    curve = np.cumsum(np.array(s.spent_curve), axis=0)  # weeks × pools
    total = year.appropriation.sum()
    out.update(
        placed=int(placed.sum()),
        clients=int(len(clients)),
        wait=_stats(wait),
        wait_by_municipality={m: _stats(wait[munis == m]) for m in sorted(set(munis))},
        wait_by_group={g: _stats(wait[groups[:, k]]) for k, g in enumerate(year.base.rules.groups)},
        liability_saved=round(result.liability_saved, 0),
        money_left=round(float(s.left.sum()), 0),
        money_left_share=round(float(s.left.sum() / total), 4) if total else 0.0,
        spent_by_week=[round(float(v), 0) for v in curve.sum(axis=1)],
        spent_by_week_pool={
            str(pid): [round(float(v), 0) for v in curve[:, k]]
            for k, pid in enumerate(year.base.pools["id"])
        },
        week_of_90_percent_spent=_week_reaching(curve.sum(axis=1), 0.9 * total),
        mean_price=round(float(np.mean([p.mean() for p in result.prices])), 6)
        if result.prices
        else 0.0,
    )
    return out


def _week_reaching(cumulative: np.ndarray, level: float) -> int | None:
    hit = np.flatnonzero(cumulative >= level)
    return int(hit[0]) + 1 if len(hit) else None
