"""Next week's snapshot from a published allocation: who holds a seat, who leaves, what is left.

Choices (FORMAT.md is silent on the week-to-week step; these go in the README):

- The new week is the published week plus `weeks` ISO weeks ("2026-W48" → "2026-W49"); the name
  has its trailing week replaced (or the new week appended when it had none).
- A client placed by the published allocation gets `current_placement` = that placement and the
  extra column `placement_start_week` = the published week: they hold their seat, take none of
  the free seats, and are not in the queue.
- Everyone in a placement (new or earlier) has `months_used` of the placement's type grow by
  `weeks` × 12/52 months (rounded to 0.01), the same months added to their entry for the
  placement's provider in `months_by_provider`, and `weeks_since_activation` set to 0.
- A placement ends when `duration_weeks` have passed since `placement_start_week` (new week −
  start ≥ duration): the client leaves `current_placement` (back in the queue, for the next step
  of the pathway) and the placement's free `seats` grow by one. A client in a placement with no
  `placement_start_week` (an export that does not say when it began) stays where they are.
- The free `seats` of a placement fall by the number placed there; a pool's `budget` falls by
  the cost committed to it (the whole cost of each assignment, as allocation.json states it).
- A client left in the queue waits another `weeks`: `benefit_days` + 5 per week (benefit is paid
  five days a week), `weeks_since_activation` + `weeks` (when known), `unemployed_months` + the
  number of calendar months begun between the two weeks' Mondays. Ages are left alone (the data
  has no birth dates).
- Period budgets (optional funding.csv columns): for a pool with a `period_budget` > 0, what was
  committed this week is added to `period_spent`, so the appropriation's spending carries forward with the budget.
- Decisions carry over: every `forbid` (a rejected pair is never proposed again), and a `lock`
  only while its client is still in the queue (a placed client holds the seat anyway).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import numpy as np
import pandas as pd

from models.allocation import Allocation
from models.instance import Instance

START_COLUMN = "placement_start_week"
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
MONTHS_PER_WEEK = 12 / 52
BENEFIT_DAYS_PER_WEEK = 5


class NextWeekError(ValueError):
    """The published instance cannot be carried to the next week (e.g. no ISO week)."""


def week_monday(week: str) -> date:
    """The Monday of an ISO week "YYYY-Www"."""
    match = WEEK_RE.match(week or "")
    if not match:
        raise NextWeekError(f"week {week!r} is not an ISO week like 2026-W48")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise NextWeekError(f"week {week!r} does not exist ({exc})") from exc


def advance_week(week: str, weeks: int = 1) -> str:
    """The ISO week `weeks` after `week` ("2026-W53" + 1 → "2027-W01")."""
    year, number, _ = (week_monday(week) + timedelta(weeks=weeks)).isocalendar()
    return f"{year}-W{number:02d}"


def weeks_between(start: str, end: str) -> int:
    return (week_monday(end) - week_monday(start)).days // 7


def months_begun(start: str, end: str) -> int:
    """Calendar months begun between the Mondays of two weeks."""
    a, b = week_monday(start), week_monday(end)
    return (b.year * 12 + b.month) - (a.year * 12 + a.month)


def renamed(name: str, old_week: str, new_week: str) -> str:
    if old_week and name.endswith(old_week):
        return name[: len(name) - len(old_week)] + new_week
    return f"{name}-{new_week}"


def _is_week(value: object) -> bool:
    return isinstance(value, str) and bool(WEEK_RE.match(value))


def next_week(
    inst: Instance,
    alloc: Allocation,
    weeks: int = 1,
    decisions: pd.DataFrame | None = None,
) -> Instance:
    """The snapshot `weeks` after `inst`'s week once `alloc` is carried out (see module doc);
    `decisions` are those in force at publication (default: the instance's own)."""
    if weeks < 1:
        raise NextWeekError(f"weeks must be at least 1, got {weeks}")
    new_week = advance_week(inst.week, weeks)
    clients = inst.clients.copy()
    placements = inst.placements.copy()
    pools = inst.pools.copy()

    pid_row = pd.Series(np.arange(len(placements)), index=placements["id"].astype(str))
    ptype = placements["type"].to_numpy(dtype=object)
    duration = placements["duration_weeks"].to_numpy(dtype=np.float64)
    seats = placements["seats"].to_numpy(dtype=np.int64).copy()

    if START_COLUMN not in clients.columns:
        clients[START_COLUMN] = ""
    start = clients[START_COLUMN].fillna("").astype(str).to_numpy(dtype=object)
    current = clients["current_placement"].fillna("").astype(str).to_numpy(dtype=object)
    in_queue = current == ""

    # 1. the published assignments: placed clients take their seat from this week on
    assigned = {a.client_id: a.placement_id for a in alloc.assignments}
    ids = clients["id"].astype(str).to_numpy(dtype=object)
    placed = np.fromiter((i in assigned for i in ids), dtype=bool, count=len(ids))
    if placed.any():
        new_pids = np.array([assigned[i] for i in ids[placed]], dtype=object)
        unknown = [p for p in new_pids if p not in pid_row.index]
        if unknown:
            raise NextWeekError(
                f"the allocation names placements not in the instance: {unknown[:5]}"
            )
        current[placed] = new_pids
        start[placed] = inst.week
        np.subtract.at(seats, pid_row[new_pids].to_numpy(), 1)
    waiting = in_queue & ~placed

    # 2. time passes for everyone in a placement
    in_placement = current != ""
    rows = np.flatnonzero(in_placement)
    prow = pid_row.reindex(current[rows]).to_numpy()
    known = ~np.isnan(prow)
    rows, prow = rows[known], prow[known].astype(np.int64)
    grown = MONTHS_PER_WEEK * weeks
    months_used = list(clients["months_used"])
    by_provider = list(clients.get("months_by_provider", pd.Series([{}] * len(clients))))
    provider = placements["provider_id"].to_numpy(dtype=object)
    for r, p in zip(rows.tolist(), prow.tolist(), strict=True):
        months = dict(months_used[r] or {})
        months[ptype[p]] = round(float(months.get(ptype[p], 0.0)) + grown, 2)
        months_used[r] = months
        at = dict(by_provider[r] or {})  # the same months at the placement's organiser
        at[provider[p]] = round(float(at.get(provider[p], 0.0)) + grown, 2)
        by_provider[r] = at

    # 3. placements whose time is up end; their seats come free
    ends = np.zeros(len(clients), dtype=bool)
    dated = np.fromiter((_is_week(s) for s in start[rows]), dtype=bool, count=len(rows))
    if dated.any():
        elapsed = np.array([weeks_between(s, new_week) for s in start[rows][dated]])
        over = elapsed >= duration[prow[dated]]
        ending_rows = rows[dated][over]
        ends[ending_rows] = True
        np.add.at(seats, prow[dated][over], 1)
    current[ends] = ""
    start[ends] = ""

    clients["current_placement"] = current
    clients[START_COLUMN] = start
    clients["months_used"] = pd.Series(months_used, index=clients.index, dtype=object)
    clients["months_by_provider"] = pd.Series(by_provider, index=clients.index, dtype=object)

    # 4. the queue waits another week
    clients["benefit_days"] = clients["benefit_days"].to_numpy(dtype=np.int64) + np.where(
        waiting, BENEFIT_DAYS_PER_WEEK * weeks, 0
    )
    clients["unemployed_months"] = clients["unemployed_months"].to_numpy(dtype=np.int64) + np.where(
        waiting, months_begun(inst.week, new_week), 0
    )
    if "weeks_since_activation" in clients.columns:
        wsa = clients["weeks_since_activation"].to_numpy(dtype=np.float64).copy()
        wsa[waiting] += weeks
        wsa[in_placement] = 0.0
        clients["weeks_since_activation"] = wsa

    # 5. seats and budgets
    placements["seats"] = np.maximum(seats, 0)
    used: dict[str, float] = {}
    for a in alloc.assignments:
        if a.pool_id:
            used[a.pool_id] = used.get(a.pool_id, 0.0) + float(a.cost)
    spent = pools["id"].astype(str).map(used).fillna(0.0).to_numpy(dtype=np.float64)
    pools["budget"] = np.round(
        np.maximum(pools["budget"].to_numpy(dtype=np.float64) - spent, 0.0), 2
    )
    if "period_budget" in pools.columns:  # only pools with an appropriation (> 0) carry spending
        appropriated = pd.to_numeric(pools["period_budget"], errors="coerce").fillna(0.0) > 0
        before = pd.to_numeric(pools.get("period_spent"), errors="coerce")
        before = before.fillna(0.0).to_numpy(dtype=np.float64)
        carried_spent = np.where(appropriated, np.round(before + spent, 2), np.nan)
        if appropriated.any():
            pools["period_spent"] = carried_spent

    # 6. decisions carried over
    carried = inst.decisions if decisions is None else decisions
    if len(carried):
        queue_now = set(ids[clients["current_placement"].to_numpy(dtype=object) == ""])
        kind = carried["decision"].to_numpy(dtype=object)
        who = carried["client_id"].astype(str).to_numpy(dtype=object)
        keep = (kind == "forbid") | (
            (kind == "lock")
            & np.fromiter((c in queue_now for c in who), dtype=bool, count=len(who))
        )
        carried = carried[keep].reset_index(drop=True)

    columns = dict(inst.columns_in_file)
    client_cols = list(columns.get("clients.csv") or inst.clients.columns)
    if START_COLUMN not in client_cols:
        client_cols.append(START_COLUMN)
    columns["clients.csv"] = client_cols
    out = inst.with_decisions(carried)
    out.name = renamed(inst.name, inst.week, new_week)
    out.week = new_week
    out.clients = clients
    out.placements = placements
    out.pools = pools
    out.columns_in_file = columns
    out.has_decisions_file = inst.has_decisions_file or len(carried) > 0
    return out
