"""Read `ends.csv`, the early ends `polku next-week --ends` applies (README "Placement
lifecycle"): `client_id, placement_id, end_week, reason`, optional `by, at`; every problem
names the file, the line and the column."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from models.csvsafe import restore
from models.lifecycle import is_week
from models.schema import END_COLUMNS


class EndsError(ValueError):
    """ends.csv cannot be used; the message lists every problem with line and column."""


def read_ends(path: str | Path) -> pd.DataFrame:
    """The early ends of `path` as a frame of END_COLUMNS (text cells, apostrophes removed)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise EndsError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise EndsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise EndsError(
            f"{path}: empty; expected the header client_id,placement_id,end_week,reason"
        )
    header = [h.strip() for h in rows[0]]
    missing = [c.name for c in END_COLUMNS if c.required and c.name not in header]
    if missing:
        raise EndsError(f"{path} line 1: missing column(s) {', '.join(missing)}")
    problems: list[str] = []
    records = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        rec = {h: restore(row[i].strip()) if i < len(row) else "" for i, h in enumerate(header)}
        for col in END_COLUMNS:
            value = rec.get(col.name, "")
            if not col.allow_empty and col.required and not value:
                problems.append(f"{path} line {line}, column {col.name}: missing value")
        week = rec.get("end_week", "")
        if week and not is_week(week):
            problems.append(
                f"{path} line {line}, column end_week: {week!r} is not an ISO week like 2026-W48"
            )
        records.append({c.name: rec.get(c.name, "") for c in END_COLUMNS})
    if problems:
        raise EndsError("; ".join(problems[:50]))
    return pd.DataFrame(records, columns=[c.name for c in END_COLUMNS], dtype=object)
