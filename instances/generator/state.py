"""The generator's working arrays (municipalities, placements, clients, pools — codes, not ids)
and the ISO week it generates for.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from models.formulas import EARTH_RADIUS_KM
from models.lifecycle import FULL_WEEK_DAYS

KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0  # km per degree of latitude
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass
class Geo:
    """Municipality arrays of a region (index = municipality code)."""

    names: np.ndarray
    genitive: list[str]
    sv_name: list[str]
    lat: np.ndarray
    lon: np.ndarray
    pop: np.ndarray
    sv: np.ndarray
    foreign: np.ndarray
    urban: np.ndarray
    area: np.ndarray
    area_names: list[str]
    part: np.ndarray
    parts: list[tuple[str, str]]
    part_names: list[str]


@dataclass
class PlacementArrays:
    ptype: np.ndarray
    muni: np.ndarray
    provider: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    seats: np.ndarray
    min_wa: np.ndarray
    language: np.ndarray
    features: np.ndarray
    sector: np.ndarray
    duration: np.ndarray
    weekly_cost: np.ndarray  # € per full (5-day) week
    days: np.ndarray  # days a week the placement runs (float, 5 = full)
    demand: np.ndarray  # (m, 3) level per ability key, 0 = no demand
    v_muni: np.ndarray
    v_kind: np.ndarray
    v_sector: np.ndarray
    v_cap: np.ndarray  # float, NaN = no cap
    pools: np.ndarray | None = None  # (m, K) pool codes, -1 padded
    start_offset: np.ndarray | None = None  # weeks to each placement's start, 0 = this week

    def week_cost(self) -> np.ndarray:
        """€ a week a pair at each placement is charged (the full-week cost pro rata)."""
        return self.weekly_cost * self.days / FULL_WEEK_DAYS


@dataclass
class ClientArrays:
    muni: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    age: np.ndarray
    days: np.ndarray
    months: np.ndarray
    wa: np.ndarray
    partial: np.ndarray
    languages: np.ndarray
    needs: np.ndarray
    interests: np.ndarray
    transport: np.ndarray
    commute: np.ndarray
    consents: np.ndarray
    used: np.ndarray  # (n, 4)
    weeks: np.ndarray
    has_profile: np.ndarray
    abilities: np.ndarray  # (n, 3)
    current: np.ndarray  # placement code or -1
    wishes: list[tuple[int, ...]] | None = None
    groups: np.ndarray | None = None  # (n, G) bool
    by_provider: list[dict[int, float]] | None = None  # months per organiser (provider code)


@dataclass
class PoolArrays:
    ids: list[str]
    names: list[str]
    budget: np.ndarray
    types: np.ndarray  # bitmask over TYPES
    munis: np.ndarray  # (F, n_muni) bool
    muni_lists: list[tuple[str, ...]]
    groups: list[tuple[str, ...]]
    group_mask: np.ndarray  # (F, G) bool
    any_group: np.ndarray


def parse_week(week: str) -> tuple[int, int]:
    """(year, week) of an ISO week like '2026-W48'; ValueError with the expected form otherwise."""
    match = WEEK_RE.match(week.strip())
    if not match:
        raise ValueError(f"week {week!r}: expected an ISO week like 2026-W48")
    year, num = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, num, 1)
    except ValueError as exc:
        raise ValueError(f"week {week!r}: {year} has no ISO week {num}") from exc
    return year, num
