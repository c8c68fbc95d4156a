"""A chain of published weeks for the period report: each week's instance and its allocation,
read from a folder of week folders (README "The period report") or handed over by the service."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models.allocation import Allocation, AllocationError
from models.instance import Instance

ALLOCATION_FILE = "allocation.json"


class ReportError(ValueError):
    """The report cannot be made: a bad week range, a missing or unreadable week (names it)."""


@dataclass(frozen=True)
class Week:
    """One published week: its ISO week, the instance as published, its allocation, where from,
    and — when the service knows more than the snapshot (ends and outcomes recorded in the week)
    — the week's outcome and follow-up history to use instead of the instance's."""

    week: str
    instance: Instance
    allocation: Allocation
    source: str
    outcomes: pd.DataFrame | None = None
    followups: pd.DataFrame | None = None

    def history(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The week's outcomes.csv and followups.csv rows (the service's view when given)."""
        return (
            self.instance.outcomes if self.outcomes is None else self.outcomes,
            self.instance.followups if self.followups is None else self.followups,
        )


def week_index(week: str, what: str = "week") -> int:
    """Weeks since 2000-W01 of an ISO week "YYYY-Www"; ReportError naming `what` otherwise."""
    from instances.next_week import NextWeekError, week_monday

    try:
        monday = week_monday(week)
    except NextWeekError as exc:
        raise ReportError(f"{what}: {exc}") from None
    return (monday.toordinal() - week_monday("2000-W01").toordinal()) // 7


def week_range(first: str, last: str, max_weeks: int) -> list[str]:
    """Every ISO week from `first` to `last` inclusive; ReportError when reversed or too long."""
    from instances.next_week import advance_week

    a, b = week_index(first, "from"), week_index(last, "to")
    if b < a:
        raise ReportError(f"from {first} is after to {last}")
    if b - a + 1 > max_weeks:
        raise ReportError(
            f"{first}…{last} is {b - a + 1} weeks; a report covers at most {max_weeks} weeks"
        )
    return [first] + [advance_week(first, k) for k in range(1, b - a + 1)]


def read_allocation(path: Path) -> Allocation:
    """allocation.json parsed, or ReportError naming the file and what is wrong."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    try:
        return Allocation.from_dict(raw)
    except AllocationError as exc:
        raise ReportError(f"{path}: {exc}") from None


def read_chain(folder: str | Path, weeks: list[str]) -> list[Week]:
    """The published weeks among `weeks` in `folder`: every sub-folder holding instance.json and
    allocation.json is one week (its week from instance.json); two folders of one week, or an
    allocation of another instance, are errors naming the folders."""
    from instances.read import read_instance

    root = Path(folder)
    if not root.is_dir():
        raise ReportError(f"{root}: not a folder of week folders")
    wanted = set(weeks)
    found: dict[str, Week] = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (sub / "instance.json").is_file() or not (sub / ALLOCATION_FILE).is_file():
            continue
        try:
            week = str(json.loads((sub / "instance.json").read_text(encoding="utf-8"))["week"])
        except (OSError, ValueError, KeyError, TypeError):
            raise ReportError(f"{sub / 'instance.json'}: no readable 'week'") from None
        if week not in wanted:
            continue
        if week in found:
            raise ReportError(f"two folders hold week {week}: {found[week].source} and {sub}")
        try:
            inst = read_instance(sub)
        except (OSError, ValueError) as exc:
            raise ReportError(f"{sub}: {exc}") from None
        alloc = read_allocation(sub / ALLOCATION_FILE)
        if alloc.instance and alloc.instance != inst.name:
            raise ReportError(
                f"{sub / ALLOCATION_FILE}: allocation of {alloc.instance!r}, "
                f"not of the folder's instance {inst.name!r}"
            )
        found[week] = Week(week, inst, alloc, str(sub))
    if not found:
        raise ReportError(
            f"{root}: no week folder (instance.json + {ALLOCATION_FILE}) of {weeks[0]}…{weeks[-1]}"
        )
    return [found[w] for w in weeks if w in found]
