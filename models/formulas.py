"""The pure formulas of FORMAT.md (distance, travel minutes, pair rate, cents), element-wise on numpy.

One place for the arithmetic that the engine (`matcher.pairs`) and the generator (`instances`) both
need, so they cannot drift apart; it lives in `models/` so that `instances/` may import it. The
independent checker (`matcher/check/`) keeps its own plain-Python copies on purpose.
"""

from __future__ import annotations

import numpy as np

from models.rules import TRANSPORT_MODES, Rules

EARTH_RADIUS_KM = 6371.0  # mean Earth radius used by the haversine distance
LONG_TERM_MONTHS = 12  # FORMAT.md: third_sector_long_term needs unemployed_months ≥ 12
MINUTE_DECIMALS = 1  # travel minutes are rounded to 0.1 min


def haversine_rad(
    phi1: np.ndarray,
    lam1: np.ndarray,
    cos1: np.ndarray,
    phi2: np.ndarray,
    lam2: np.ndarray,
    cos2: np.ndarray,
) -> np.ndarray:
    """Haversine km from radians and the cosines of the latitudes (so callers can precompute them)."""
    h = np.sin((phi2 - phi1) / 2) ** 2 + cos1 * cos2 * np.sin((lam2 - lam1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between WGS84 points given in degrees (element-wise)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    return haversine_rad(p1, np.radians(lon1), np.cos(p1), p2, np.radians(lon2), np.cos(p2))


def mode_arrays(rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Speed (km/h) and overhead (min) indexed by transport-mode code (TRANSPORT_MODES order)."""
    speed = np.array([rules.speed_kmh[m] for m in TRANSPORT_MODES], dtype=np.float64)
    overhead = np.array([rules.overhead_min[m] for m in TRANSPORT_MODES], dtype=np.float64)
    return speed, overhead


def minutes_for_km(rules: Rules, km: np.ndarray, mode: np.ndarray) -> np.ndarray:
    """Unrounded one-way minutes for great-circle `km` by transport-mode code `mode`."""
    speed, overhead = mode_arrays(rules)
    return km * rules.road_factor / speed[mode] * 60.0 + overhead[mode]


def round_minutes(minutes: np.ndarray) -> np.ndarray:
    """Travel minutes as the rules state them: rounded to 0.1 (numpy.round, halves to even)."""
    return np.round(minutes, MINUTE_DECIMALS)


def travel_minutes(
    rules: Rules,
    lat1: np.ndarray,
    lon1: np.ndarray,
    lat2: np.ndarray,
    lon2: np.ndarray,
    mode: np.ndarray,
) -> np.ndarray:
    """One-way commuting minutes between points (degrees) by transport-mode code, rounded to 0.1."""
    return round_minutes(minutes_for_km(rules, haversine_km(lat1, lon1, lat2, lon2), mode))


def wage_subsidy_rate(
    rates: dict[str, float], partial: np.ndarray, third_sector_long_term: np.ndarray
) -> np.ndarray:
    """Highest applicable `wage_subsidy.rate` per pair: the default, `partial_work_ability` for a
    partial-work-ability client, `third_sector_long_term` for an association / foundation post
    taken by a client unemployed ≥ LONG_TERM_MONTHS."""
    partial = np.asarray(partial, dtype=bool)
    rate = np.full(len(partial), rates["default"], dtype=np.float64)
    rate = np.where(partial, np.maximum(rate, rates["partial_work_ability"]), rate)
    third = np.asarray(third_sector_long_term, dtype=bool)
    return np.where(third, np.maximum(rate, rates["third_sector_long_term"]), rate)


def pair_cost(weekly_cost: np.ndarray, rate: np.ndarray, duration_weeks: np.ndarray) -> np.ndarray:
    """€ a pair costs the public side: weekly_cost × rate × duration_weeks."""
    return np.asarray(weekly_cost) * rate * np.asarray(duration_weeks)


def cost_cents(cost: np.ndarray) -> np.ndarray:
    """Costs in whole cents (rounded to nearest), as budget rows count them."""
    return np.rint(np.asarray(cost) * 100).astype(np.int64)


def budget_cents(budget: np.ndarray) -> np.ndarray:
    """Budgets in whole cents (rounded down, so a budget is never exceeded by rounding)."""
    return np.floor(np.asarray(budget, dtype=np.float64) * 100 + 1e-6).astype(np.int64)
