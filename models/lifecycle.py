"""The placement lifecycle (issue 17): ISO weeks, when a seat starts, days a week, and what a
pair is charged pro rata (README "Placement lifecycle").

placements.csv may carry `start_week` (an ISO week `2026-W50`, or a week number `50`: the first
week with that number on or after the instance's week; empty or a week already begun = this
week) and `days_per_week` (1..5; empty = a full week). The cost of a pair is
`weekly_cost` × rate × charged weeks, where charged weeks = `duration_weeks` ×
`days_per_week` / `pro_rata.week_days`, and when `pro_rata.period_end_week` is set only the
placement's weeks from its start up to and including that week count.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from models.rules import Rules

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
WEEK_NUMBER_RE = re.compile(r"^\d{1,2}$")
FULL_WEEK_DAYS = 5  # days_per_week of a placement that does not say


class WeekError(ValueError):
    """A week cell or argument that is not an ISO week (or week number) that exists."""


def week_monday(week: str) -> date:
    """The Monday of an ISO week "YYYY-Www"."""
    match = WEEK_RE.match(week or "")
    if not match:
        raise WeekError(f"week {week!r} is not an ISO week like 2026-W48")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise WeekError(f"week {week!r} does not exist ({exc})") from exc


def advance_week(week: str, weeks: int = 1) -> str:
    """The ISO week `weeks` after `week` ("2026-W53" + 1 → "2027-W01")."""
    year, number, _ = (week_monday(week) + timedelta(weeks=weeks)).isocalendar()
    return f"{year}-W{number:02d}"


def weeks_between(start: str, end: str) -> int:
    """Whole weeks from the Monday of `start` to the Monday of `end` (negative when earlier)."""
    return (week_monday(end) - week_monday(start)).days // 7


def earliest_end(start: str, week: str) -> str:
    """The earliest last week attended an early end may name for a placement that began (or
    begins) in `start`, recorded in `week`: the week before the start (it never started), or
    `week` itself for a seat that begins later."""
    before = advance_week(start, -1)
    return before if weeks_between(before, week) >= 0 else week


def is_week(value: object) -> bool:
    """True for a text that is an ISO week that exists."""
    if not isinstance(value, str) or not WEEK_RE.match(value):
        return False
    try:
        week_monday(value)
    except WeekError:
        return False
    return True


def resolve_week(cell: Any, this_week: str) -> str:
    """The ISO week a `start_week` (or end week) cell names, relative to the instance's week:
    empty → this week; an ISO week as given; a number N → the first week N on or after this week."""
    text = "" if cell is None or (isinstance(cell, float) and math.isnan(cell)) else str(cell)
    text = text.strip()
    if not text:
        return this_week
    if WEEK_NUMBER_RE.match(text):
        number = int(text)
        year = week_monday(this_week).isocalendar()[0]
        for y in (year, year + 1):
            candidate = f"{y}-W{number:02d}"
            if is_week(candidate) and weeks_between(this_week, candidate) >= 0:
                return candidate
        raise WeekError(f"week number {text!r} does not exist in {year} or {year + 1}")
    if not is_week(text):
        raise WeekError(f"{text!r} is not an ISO week like 2026-W50 nor a week number 1..53")
    return text


def start_offsets(placements: pd.DataFrame, week: str) -> np.ndarray:
    """Weeks from the instance's week to each placement's start (0 for empty or begun)."""
    if "start_week" not in placements.columns or not week:
        return np.zeros(len(placements), dtype=np.int64)
    cells = placements["start_week"].to_numpy(dtype=object)
    out = np.zeros(len(cells), dtype=np.int64)
    cache: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = "" if cell is None or (isinstance(cell, float) and math.isnan(cell)) else str(cell)
        if key.strip() == "":
            continue
        if key not in cache:
            cache[key] = max(weeks_between(week, resolve_week(key, week)), 0)
        out[i] = cache[key]
    return out


def start_weeks(placements: pd.DataFrame, week: str) -> np.ndarray:
    """Each placement's start as an ISO week (this week when empty or already begun)."""
    offsets = start_offsets(placements, week)
    out = np.empty(len(offsets), dtype=object)
    for offset in np.unique(offsets).tolist():
        out[offsets == offset] = advance_week(week, int(offset)) if week else ""
    return out


def days_per_week(placements: pd.DataFrame, full: int = FULL_WEEK_DAYS) -> np.ndarray:
    """Days a week each placement runs (`full` where the column is missing or empty)."""
    if "days_per_week" not in placements.columns:
        return np.full(len(placements), float(full))
    days = pd.to_numeric(placements["days_per_week"], errors="coerce").to_numpy(dtype=np.float64)
    return np.where(np.isnan(days), float(full), days)


def charged_weeks(placements: pd.DataFrame, week: str, rules: Rules) -> np.ndarray:
    """Weeks of cost a pair at each placement is charged: duration × days a week / the rule's
    full week, only the weeks up to `pro_rata.period_end_week` when that is set."""
    duration = placements["duration_weeks"].to_numpy(dtype=np.float64)
    weeks = duration
    if rules.period_end_week and week:
        left = weeks_between(week, rules.period_end_week) + 1 - start_offsets(placements, week)
        weeks = np.minimum(duration, np.maximum(left, 0)).astype(np.float64)
    days = days_per_week(placements, rules.week_days)
    full = days == rules.week_days
    if full.all():
        return weeks  # exactly the duration: files without the columns cost what they did
    return np.where(full, weeks, weeks * days / rules.week_days)
