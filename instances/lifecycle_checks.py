"""Checks of the lifecycle cells (issue 17): placements' `start_week` and `days_per_week`, and
the history files outcomes.csv and followups.csv, each problem naming file, line and column."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

import numpy as np
import pandas as pd

from instances.problems import ProblemLog
from models.lifecycle import WeekError, is_week, resolve_week
from models.outcomes import ENDED_KINDS, STILL_EMPLOYED
from models.rules import Rules


class TableLike(Protocol):
    """What the checks need of validate.Table: file, frame, lines."""

    file: str
    frame: pd.DataFrame
    lines: np.ndarray


def _bad_rows(
    t: TableLike, column: str, bad: np.ndarray, message: str, expected: str, log: ProblemLog
) -> None:
    rows = np.flatnonzero(bad)
    cells = t.frame[column].to_numpy(dtype=object)
    log.rows(t.file, column, t.lines[rows], cells[rows], message, expected)


def _member(
    t: TableLike,
    column: str,
    allowed: Sequence[Any],
    message: str,
    log: ProblemLog,
    allow_empty: bool = True,
) -> None:
    if column not in t.frame.columns or not len(t.frame):
        return
    cells = t.frame[column].astype(str).to_numpy(dtype=object)
    ok = pd.Series(cells).isin([str(a) for a in allowed]).to_numpy()
    if allow_empty:
        ok = ok | (cells == "")
    _bad_rows(t, column, ~ok, message, "one of " + ", ".join(map(str, allowed)), log)


def _weeks(t: TableLike, column: str, log: ProblemLog) -> None:
    if column not in t.frame.columns or not len(t.frame):
        return
    cells = t.frame[column].astype(str).to_numpy(dtype=object)
    ok = np.fromiter((c == "" or is_week(c) for c in cells), bool, len(cells))
    _bad_rows(t, column, ~ok, "is not an ISO week", "an ISO week like 2026-W50", log)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_placement_lifecycle(t: TableLike, week: str, log: ProblemLog) -> None:
    """start_week: an ISO week or week number (empty = this week); days_per_week 1..5."""
    frame = t.frame
    if "start_week" in frame.columns and len(frame):
        cells = frame["start_week"].fillna("").astype(str).to_numpy(dtype=object)
        bad = np.zeros(len(cells), dtype=bool)
        for i, cell in enumerate(cells):
            if cell.strip() == "":
                continue
            try:
                resolve_week(cell, week or "2026-W01")
            except WeekError:
                bad[i] = True
        _bad_rows(
            t,
            "start_week",
            bad,
            "is not a week",
            "an ISO week like 2026-W50, a week number 1..53, or empty (this week)",
            log,
        )
    if "days_per_week" in frame.columns and len(frame):
        days = pd.to_numeric(frame["days_per_week"], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isnan(days) & ((days < 1) | (days > 5))
        _bad_rows(
            t,
            "days_per_week",
            bad,
            "is out of range",
            "a whole number of days 1..5, or empty (5)",
            log,
        )


def check_history(outcomes: TableLike, followups: TableLike, rules: Rules, log: ProblemLog) -> None:
    """outcomes.csv: categories of the rules, end kinds, weeks; followups.csv: months of the
    rules, yes/no/unknown, ISO dates."""
    _member(outcomes, "outcome", rules.outcome_categories, "is not an outcome category", log)
    _member(outcomes, "ended", ENDED_KINDS, "is not how a placement ended", log, False)
    _weeks(outcomes, "start_week", log)
    _weeks(outcomes, "end_week", log)
    if "months_after" in followups.frame.columns and len(followups.frame):
        months = pd.to_numeric(followups.frame["months_after"], errors="coerce").to_numpy()
        ok = np.isin(months, np.asarray(rules.followup_months, dtype=np.float64))
        _bad_rows(
            followups,
            "months_after",
            ~ok & ~np.isnan(months),  # unreadable numbers are reported by the reader
            "is not a follow-up month of the rules (followup.months)",
            "one of " + ", ".join(map(str, rules.followup_months)),
            log,
        )
    _member(followups, "still_employed", STILL_EMPLOYED, "is not an answer", log, False)
    _weeks(followups, "end_week", log)
    if "date" in followups.frame.columns and len(followups.frame):
        cells = followups.frame["date"].astype(str).to_numpy(dtype=object)
        ok = np.fromiter((_is_date(c) for c in cells), bool, len(cells))
        _bad_rows(followups, "date", ~ok, "is not a date", "a date like 2027-03-01", log)
