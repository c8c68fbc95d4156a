"""Next week's snapshot from a published allocation: who holds a seat, who leaves, what is left.

Choices (FORMAT.md is silent on the week-to-week step; these go in the README):

- The new week is the published week plus `weeks` ISO weeks ("2026-W48" → "2026-W49"); the name
  has its trailing week replaced (or the new week appended when it had none).
- A client placed by the published allocation gets `current_placement` = that placement and the
  extra column `placement_start_week` = the seat's `start_week` (the published week when it has
  none): they hold their seat, take none of the free seats, and are not in the queue.
- Early ends (`ends`: client, placement, end week = the last week attended, reason) take the
  client out of the placement: back in the queue, the seat free, the weeks after the end counted
  as waiting. Every end, on time or early, becomes a row of `outcomes` (models/outcomes.py) with
  the outcome still empty; the history of earlier weeks (outcomes, follow-ups) is carried on.
- Everyone in a placement (new or earlier) has `months_used` of the placement's type grow by
  12/52 months for each of the `weeks` the placement ran (from its start, to its end) (rounded to 0.01), the same months added to their entry for the
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
  committed this week is added to `period_spent`, so the appropriation's spending carries forward,
  and the week's `budget` is a pace of the appropriation: next week gets the same budget again,
  at most what is left of the appropriation (`period_budget` − `period_spent`). (A pool without
  one has a budget for the period: next week gets what is left of it.)
- Decisions carry over: every `forbid` (a rejected pair is never proposed again), and a `lock`
  only while its client is still in the queue (a placed client holds the seat anyway).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.allocation import Allocation
from models.columnar import client_groups
from models.instance import Instance
from models.lifecycle import (
    WeekError,
    advance_week,
    earliest_end,
    is_week,
    start_weeks,
    week_monday,
    weeks_between,
)
from models.outcomes import frame

START_COLUMN = "placement_start_week"
MONTHS_PER_WEEK = 12 / 52
BENEFIT_DAYS_PER_WEEK = 5


# Week errors are the models' (a week that is not an ISO week, a step below one week…).
NextWeekError = WeekError


def months_begun(start: str, end: str) -> int:
    """Calendar months begun between the Mondays of two weeks."""
    a, b = week_monday(start), week_monday(end)
    return (b.year * 12 + b.month) - (a.year * 12 + a.month)


def renamed(name: str, old_week: str, new_week: str) -> str:
    if old_week and name.endswith(old_week):
        return name[: len(name) - len(old_week)] + new_week
    return f"{name}-{new_week}"


def early_ends(
    ends: pd.DataFrame | None,
    row_of: dict[str, int],
    current: np.ndarray,
    start: np.ndarray,
    week: str,
    new_week: str,
) -> dict[int, dict[str, str]]:
    """Early ends by client row (the last one of a client counts), each checked: the client is
    in that placement now, the end week is an ISO week before the new week and not before the
    placement began (models.lifecycle.earliest_end)."""
    out: dict[int, dict[str, str]] = {}
    if ends is None or not len(ends):
        return out
    for i, rec in enumerate(ends.to_dict("records")):
        where = f"end {i + 1} ({rec.get('client_id')} at {rec.get('placement_id')})"
        row = row_of.get(str(rec.get("client_id")))
        if row is None:
            raise NextWeekError(f"{where}: no such client in the week")
        if current[row] != str(rec.get("placement_id")):
            held = f"is in {current[row]}" if current[row] else "is in no placement"
            raise NextWeekError(f"{where}: the client {held}, not in that placement")
        end_week = str(rec.get("end_week") or "")
        if not is_week(end_week):
            raise NextWeekError(f"{where}: end_week {end_week!r} is not an ISO week like 2026-W48")
        if weeks_between(end_week, new_week) < 1:
            raise NextWeekError(
                f"{where}: end_week {end_week} is not before the new week {new_week}; "
                "record it in a later week"
            )
        began = str(start[row])
        if is_week(began) and weeks_between(earliest_end(began, week), end_week) < 0:
            raise NextWeekError(
                f"{where}: end_week {end_week} is before the placement began in {began} "
                f"(the earliest is {earliest_end(began, week)}: it never started)"
            )
        out[row] = {
            "end_week": end_week,
            "reason": str(rec.get("reason") or ""),
            "by": str(rec.get("by") or ""),
            "at": str(rec.get("at") or ""),
        }
    return out


def ended_history(
    inst: Instance,
    rows: list[int],
    current: np.ndarray,
    start: np.ndarray,
    last_week: dict[int, str],
    early: dict[int, dict[str, str]],
    pid_row: pd.Series,
) -> pd.DataFrame:
    """outcomes.csv rows for the placements that end (the outcome itself is recorded later)."""
    if not rows:
        return frame("outcomes.csv")
    clients, placements = inst.clients, inst.placements
    in_group = client_groups(clients.iloc[rows], inst.rules.groups)
    names = list(inst.rules.groups)
    records = []
    for k, r in enumerate(rows):
        p = int(pid_row[current[r]])
        s, e = str(start[r]), last_week[r]
        end = early.get(r, {})
        records.append(
            {
                "client_id": str(clients["id"].iat[r]),
                "placement_id": str(current[r]),
                "provider_id": str(placements["provider_id"].iat[p]),
                "type": str(placements["type"].iat[p]),
                "municipality": str(clients["municipality"].iat[r]),
                "groups": tuple(n for g, n in enumerate(names) if in_group[k, g]),
                "start_week": s if is_week(s) else "",
                "end_week": e,
                "weeks": max(weeks_between(s, e) + 1, 0) if is_week(s) else 0,
                "ended": "early" if end else "on_time",
                "end_reason": end.get("reason", ""),
                "ended_by": end.get("by", ""),
                "ended_at": end.get("at", ""),
            }
        )
    return frame("outcomes.csv", records)


def next_week(
    inst: Instance,
    alloc: Allocation,
    weeks: int = 1,
    decisions: pd.DataFrame | None = None,
    ends: pd.DataFrame | None = None,
) -> Instance:
    """The snapshot `weeks` after `inst`'s week once `alloc` is carried out (see module doc);
    `decisions` are those in force at publication (default: the instance's own); `ends` are
    early ends (END_COLUMNS of models.schema: client, placement, end week, reason, by, at)."""
    if weeks < 1:
        raise NextWeekError(f"weeks must be at least 1, got {weeks}")
    new_week = advance_week(inst.week, weeks)
    clients = inst.clients.copy()
    placements = inst.placements.copy()
    pools = inst.pools.copy()

    pid_row = pd.Series(np.arange(len(placements)), index=placements["id"].astype(str))
    ptype = placements["type"].to_numpy(dtype=object)
    duration = placements["duration_weeks"].to_numpy(dtype=np.int64)
    seats = placements["seats"].to_numpy(dtype=np.int64).copy()
    seat_start = start_weeks(placements, inst.week)  # when each placement's seats begin

    if START_COLUMN not in clients.columns:
        clients[START_COLUMN] = ""
    start = clients[START_COLUMN].fillna("").astype(str).to_numpy(dtype=object)
    current = clients["current_placement"].fillna("").astype(str).to_numpy(dtype=object)
    in_queue = current == ""

    # 1. the published assignments: placed clients take their seat from its start week on
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
        new_rows = pid_row[new_pids].to_numpy()
        start[placed] = seat_start[new_rows]
        np.subtract.at(seats, new_rows, 1)
    waiting = in_queue & ~placed

    # 2. who ends: early ends as recorded, and placements whose duration has passed
    row_of = {c: r for r, c in enumerate(ids.tolist())}
    early = early_ends(ends, row_of, current, start, inst.week, new_week)
    in_placement = current != ""
    rows = np.flatnonzero(in_placement)
    prow = pid_row.reindex(current[rows]).to_numpy()
    known = ~np.isnan(prow)
    rows, prow = rows[known], prow[known].astype(np.int64)
    last_week: dict[int, str] = {}  # row → the last week attended, for those who end
    for r, p in zip(rows.tolist(), prow.tolist(), strict=True):
        if r in early:
            last_week[r] = early[r]["end_week"]
        elif is_week(start[r]) and weeks_between(start[r], new_week) >= duration[p]:
            last_week[r] = advance_week(start[r], int(duration[p]) - 1)

    # 3. time passes for everyone in a placement, for the weeks it ran
    months_used = list(clients["months_used"])
    by_provider = list(clients.get("months_by_provider", pd.Series([{}] * len(clients))))
    provider = placements["provider_id"].to_numpy(dtype=object)
    after_end = np.zeros(len(clients), dtype=np.int64)  # weeks back in the queue after an end
    for r, p in zip(rows.tolist(), prow.tolist(), strict=True):
        first = max(weeks_between(inst.week, start[r]), 0) if is_week(start[r]) else 0
        end = weeks_between(inst.week, last_week[r]) + 1 if r in last_week else weeks
        ran = max(min(end, weeks) - first, 0)
        if r in last_week:
            after_end[r] = max(weeks - max(end, first), 0)
        if ran == 0:
            continue
        grown = MONTHS_PER_WEEK * ran
        months = dict(months_used[r] or {})
        months[ptype[p]] = round(float(months.get(ptype[p], 0.0)) + grown, 2)
        months_used[r] = months
        at = dict(by_provider[r] or {})  # the same months at the placement's organiser
        at[provider[p]] = round(float(at.get(provider[p], 0.0)) + grown, 2)
        by_provider[r] = at

    # 4. the ended leave their placement (back in the queue) and free the seat
    ended = np.zeros(len(clients), dtype=bool)
    ended_rows = sorted(last_week)
    ended[ended_rows] = True
    history = ended_history(inst, ended_rows, current, start, last_week, early, pid_row)
    np.add.at(seats, pid_row[current[ended_rows]].to_numpy().astype(np.int64), 1)
    current[ended] = ""
    start[ended] = ""

    clients["current_placement"] = current
    clients[START_COLUMN] = start
    clients["months_used"] = pd.Series(months_used, index=clients.index, dtype=object)
    clients["months_by_provider"] = pd.Series(by_provider, index=clients.index, dtype=object)

    # 5. the queue waits another week (the ended for the weeks since their end)
    clients["benefit_days"] = clients["benefit_days"].to_numpy(dtype=np.int64) + np.where(
        waiting, BENEFIT_DAYS_PER_WEEK * weeks, BENEFIT_DAYS_PER_WEEK * after_end
    )
    clients["unemployed_months"] = clients["unemployed_months"].to_numpy(dtype=np.int64) + np.where(
        waiting, months_begun(inst.week, new_week), 0
    )
    if "weeks_since_activation" in clients.columns:
        wsa = clients["weeks_since_activation"].to_numpy(dtype=np.float64).copy()
        wsa[waiting] += weeks
        wsa[in_placement] = 0.0
        wsa[ended] = after_end[ended]
        clients["weeks_since_activation"] = wsa

    # 6. seats and budgets
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
            # the week's budget is a pace of the appropriation: it carries on, within what is left
            period = pd.to_numeric(pools["period_budget"], errors="coerce").to_numpy(np.float64)
            left = np.maximum(np.nan_to_num(period) - np.nan_to_num(carried_spent), 0.0)
            week_budget = inst.pools["budget"].to_numpy(dtype=np.float64)
            pools["budget"] = np.where(
                appropriated, np.round(np.minimum(week_budget, left), 2), pools["budget"]
            )

    # 7. decisions carried over
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
    out.outcomes = (
        pd.concat([inst.outcomes, history], ignore_index=True)
        if len(history)
        else (inst.outcomes.copy())
    )
    out.followups = inst.followups.copy()
    return out
