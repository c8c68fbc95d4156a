"""Outcomes and follow-ups of ended placements (issue 17; README "Outcomes and follow-up").

An instance may carry `outcomes.csv` (one row per placement that ended, on time or early: who,
where, which type, the client's municipality and groups at the end, start and end week, weeks
attended, how it ended, and the outcome once recorded) and `followups.csv` (one row per
"still employed?" answer some months after the end). next-week writes a row for every end
and carries both files forward, so the history travels through the chain of weeks. A row is
keyed by (client_id, placement_id, end_week). `outcome_summary` is the report per provider,
placement type, municipality and group that the period report calls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from models.schema import FILES

ENDED_KINDS = ("on_time", "early")
STILL_EMPLOYED = ("yes", "no", "unknown")
KEY = ("client_id", "placement_id", "end_week")
SUMMARY_BY = ("provider_id", "type", "municipality", "group")


def frame(filename: str, records: Iterable[Mapping[str, Any]] = ()) -> pd.DataFrame:
    """A parsed outcomes.csv / followups.csv table from records (every schema column)."""
    cols = FILES[filename]
    rows = list(records)
    data: dict[str, list[Any]] = {}
    for col in cols:
        values = [r.get(col.name) for r in rows]
        if col.kind == "int":
            data[col.name] = [int(v or 0) for v in values]
        elif col.kind == "list":
            data[col.name] = [tuple(v or ()) for v in values]
        else:
            data[col.name] = ["" if v is None else str(v) for v in values]
    out = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    for col in cols:
        if col.kind == "int":
            out[col.name] = out[col.name].astype(np.int64)
    return out


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def apply_outcomes(outcomes: pd.DataFrame, records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """`outcomes` with recorded outcomes written into their rows (by KEY; the last record of a
    key counts); a record whose row is missing is ignored (the caller checks before storing)."""
    out = outcomes.copy()
    if not len(out) or not records:
        return out
    index = {tuple(_text(v) for v in key): i for i, key in enumerate(out[list(KEY)].to_numpy())}
    for rec in records:
        i = index.get(tuple(_text(rec.get(k)) for k in KEY))
        if i is None:
            continue
        for col in ("outcome", "note", "by", "at"):
            out.iat[i, out.columns.get_loc(col)] = _text(rec.get(col))
    return out


def add_followups(followups: pd.DataFrame, records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """`followups` with new answers: one row per (KEY, months_after), the latest answer counts."""
    rows = followups.to_dict("records") + [dict(r) for r in records]
    latest: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:
        key = (*(_text(row.get(k)) for k in KEY), str(int(row.get("months_after") or 0)))
        latest.pop(key, None)  # re-inserted last: the file keeps the order answers came in
        latest[key] = row
    return frame("followups.csv", latest.values())


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def outcome_summary(
    outcomes: pd.DataFrame,
    categories: Sequence[str],
    followups: pd.DataFrame | None = None,
    by: Sequence[str] = SUMMARY_BY,
) -> dict[str, Any]:
    """Outcome shares overall and per provider, type, municipality and group: ended placements,
    outcomes recorded, and per category the count and the share of those recorded (the shares
    to open labour market, wage-subsidy work, training, back to the queue, … are the categories'
    rows); follow-ups per month with the share still employed of the yes/no answers."""

    def block(rows: pd.DataFrame) -> dict[str, Any]:
        recorded = rows[rows["outcome"].astype(str) != ""]
        counts = recorded["outcome"].astype(str).value_counts()
        return {
            "ended": int(len(rows)),
            "early": int((rows["ended"].astype(str) == "early").sum()),
            "recorded": int(len(recorded)),
            "counts": {c: int(counts.get(c, 0)) for c in categories},
            "shares": {c: _share(int(counts.get(c, 0)), len(recorded)) for c in categories},
        }

    result: dict[str, Any] = {"categories": list(categories), "overall": block(outcomes)}
    for key in by:
        groups: dict[str, Any] = {}
        if key == "group":
            for name in sorted({g for cell in outcomes["groups"] for g in (cell or ())}):
                mask = np.fromiter((name in (c or ()) for c in outcomes["groups"]), bool)
                groups[name] = block(outcomes[mask])
        else:
            for value, rows in outcomes.groupby(outcomes[key].astype(str), sort=True):
                groups[str(value)] = block(rows)
        result[f"by_{key}"] = groups
    result["followups"] = followup_summary(followups)
    return result


def followup_summary(followups: pd.DataFrame | None) -> dict[str, Any]:
    """Per months-after: answers yes / no / unknown and the share of yes among yes and no."""
    out: dict[str, Any] = {}
    if followups is None or not len(followups):
        return out
    for months, rows in followups.groupby(followups["months_after"].astype(int), sort=True):
        counts = rows["still_employed"].astype(str).value_counts()
        answers = {a: int(counts.get(a, 0)) for a in STILL_EMPLOYED}
        out[str(months)] = {
            **answers,
            "still_employed_share": _share(answers["yes"], answers["yes"] + answers["no"]),
        }
    return out
