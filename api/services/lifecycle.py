"""Ending placements early, recording outcomes and follow-ups: who may, what must hold, and the
week's view of its ended placements (README "Placement lifecycle and outcomes").

Who holds a placement in a run's week: the clients whose `current_placement` it is, and — once
the run is published — those the run assigned there. A liaison acts on their providers'
placements only, a coordinator on any of the region's (anything else is 404, as if it did not
exist). Raises the store's NotFound (404) and Conflict (409), and FieldProblem (422 naming the
field) for values the instance's rules refuse.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from api.auth import Principal, visible_providers
from api.lookups import placements_by_id
from api.problems import FieldProblem
from api.store import Conflict, InstanceRow, NotFound, RunRow, Store
from instances.next_week import ended_history
from models.instance import Instance
from models.lifecycle import earliest_end, is_week, start_weeks, week_monday, weeks_between
from models.outcomes import STILL_EMPLOYED, add_followups, apply_outcomes, frame


def provider_of(inst: Instance, user: Principal, row: InstanceRow, placement_id: str) -> str:
    """The placement's provider when the caller may act on it; 404 otherwise."""
    placements = placements_by_id(inst)
    if placement_id not in placements.index:
        raise NotFound("error.placement.not_found", id=repr(placement_id))
    provider = str(placements.loc[placement_id, "provider_id"])
    if provider not in visible_providers(user, row):
        raise NotFound("error.placement.not_found", id=repr(placement_id))
    return provider


def holders(inst: Instance, alloc: dict[str, Any], run: RunRow) -> dict[str, str]:
    """client id → the placement they hold in the run's week (see module doc)."""
    ids = inst.clients["id"].astype(str).tolist()
    current = inst.clients["current_placement"].fillna("").astype(str).tolist()
    held = {c: p for c, p in zip(ids, current, strict=True) if p}
    if run.published:
        for a in alloc.get("assignments", []):
            held[str(a["client_id"])] = str(a["placement_id"])
    return held


def holding(
    inst: Instance, alloc: dict[str, Any], run: RunRow, ended: set[str], providers: set[str]
) -> list[dict[str, str]]:
    """Who holds a placement of `providers` this week and is not ended: client, placement,
    provider, type and the week the placement began (or begins)."""
    placements = placements_by_id(inst)
    began = held_since(inst, alloc, run)
    out = []
    for cid, pid in holders(inst, alloc, run).items():
        if cid in ended or pid not in placements.index:
            continue
        provider = str(placements.loc[pid, "provider_id"])
        if provider not in providers:
            continue
        out.append(
            {
                "client_id": cid,
                "placement_id": pid,
                "provider_id": provider,
                "type": str(placements.loc[pid, "type"]),
                "start_week": began.get(cid, ""),
            }
        )
    return sorted(out, key=lambda h: (h["placement_id"], h["client_id"]))


def held_since(inst: Instance, alloc: dict[str, Any], run: RunRow) -> dict[str, str]:
    """client id → the ISO week the placement they hold began (or begins): from an earlier
    week its `placement_start_week` when the export says it, assigned by this published run
    the seat's start; clients whose start is unknown are left out."""
    seat_start = dict(
        zip(
            inst.placements["id"].astype(str),
            start_weeks(inst.placements, inst.week),
            strict=True,
        )
    )
    ids = inst.clients["id"].astype(str).tolist()
    current = dict(zip(ids, inst.clients["current_placement"].fillna("").astype(str), strict=True))
    col = inst.clients.get("placement_start_week", pd.Series([""] * len(ids)))
    given = dict(zip(ids, col.fillna("").astype(str), strict=True))
    out = {}
    for cid, pid in holders(inst, alloc, run).items():
        start = given[cid] if current[cid] == pid else str(seat_start.get(pid, ""))
        if is_week(start):
            out[cid] = start
    return out


def check_end(
    inst: Instance,
    alloc: dict[str, Any],
    run: RunRow,
    placement_id: str,
    client_ids: list[str],
    end_week: str,
    ended: set[str],
) -> None:
    """Every client holds the placement and is not ended already; the end week is a week from
    the one before the placement's start (it never started) up to the run's week."""
    if not is_week(end_week):
        raise FieldProblem("end_week", "error.end.week_format", value=repr(end_week))
    if weeks_between(end_week, inst.week) < 0:
        raise FieldProblem("end_week", "error.end.after_week", end=end_week, week=inst.week)
    held = holders(inst, alloc, run)
    began = held_since(inst, alloc, run)
    known = set(inst.clients["id"].astype(str))
    for cid in client_ids:
        if cid not in known:
            raise NotFound("error.client.not_found", id=repr(cid))
        if held.get(cid) != placement_id:
            key = "error.end.not_holding" if run.published else "error.end.not_holding_unpublished"
            raise Conflict(key, client=cid, placement=placement_id, run=run.id)
        if cid in ended:
            raise Conflict("error.end.already", client=cid, placement=placement_id)
        if cid in began and weeks_between(earliest_end(began[cid], inst.week), end_week) < 0:
            raise FieldProblem(
                "end_week",
                "error.end.before_start",
                end=end_week,
                client=cid,
                began=began[cid],
                earliest=earliest_end(began[cid], inst.week),
            )


def ends_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The latest recorded end per client as next_week's `ends` (END_COLUMNS)."""
    latest: dict[str, dict[str, Any]] = {}
    for rec in records:
        latest[str(rec["client_id"])] = rec
    return pd.DataFrame(
        [
            {
                "client_id": r["client_id"],
                "placement_id": r["placement_id"],
                "end_week": r["end_week"],
                "reason": r["reason"],
                "by": r["by_name"],
                "at": r["at"],
            }
            for r in latest.values()
        ],
        columns=["client_id", "placement_id", "end_week", "reason", "by", "at"],
    )


def this_weeks_ends(inst: Instance, records: list[dict[str, Any]]) -> pd.DataFrame:
    """outcomes.csv rows for the early ends recorded in this week (not yet in the snapshot)."""
    ends = ends_frame(records)
    if not len(ends):
        return frame("outcomes.csv")
    clients = inst.clients
    pid_row = pd.Series(np.arange(len(inst.placements)), index=inst.placements["id"].astype(str))
    current = clients["current_placement"].fillna("").astype(str).to_numpy(dtype=object)
    start_col = clients.get("placement_start_week", pd.Series([""] * len(clients)))
    start = start_col.fillna("").astype(str).to_numpy(dtype=object).copy()
    seat_start = start_weeks(inst.placements, inst.week)
    row_of = {c: r for r, c in enumerate(clients["id"].astype(str))}
    rows, last_week, early = [], {}, {}
    for rec in ends.to_dict("records"):
        r = row_of.get(str(rec["client_id"]))
        if r is None or str(rec["placement_id"]) not in pid_row.index:
            continue
        if current[r] != rec["placement_id"]:  # assigned by this week's run: starts at the seat
            current[r] = rec["placement_id"]
            start[r] = seat_start[int(pid_row[rec["placement_id"]])]
        rows.append(r)
        last_week[r] = str(rec["end_week"])
        early[r] = {k: str(rec[k] or "") for k in ("reason", "by", "at")}
    return ended_history(inst, sorted(rows), current, start, last_week, early, pid_row)


def ended_view(store: Store, inst: Instance, row: InstanceRow) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The week's ended placements (the carried history plus this week's early ends) with the
    outcomes recorded in this week written in, and the follow-ups with this week's added."""
    ended = pd.concat(
        [inst.outcomes, this_weeks_ends(inst, store.lifecycle("end", row.id))],
        ignore_index=True,
    )
    return with_recorded(store, row, ended, inst.followups)


def with_recorded(
    store: Store, row: InstanceRow, ended: pd.DataFrame, followups: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`ended` and `followups` with the outcomes and follow-ups recorded in `row`'s week."""
    outcomes = [_record(r) for r in store.lifecycle("outcome", row.id)]
    answers = [
        {
            **_record(r),
            "months_after": r["months_after"],
            "still_employed": r["still_employed"],
            "date": r["followup_date"],
        }
        for r in store.lifecycle("followup", row.id)
    ]
    return apply_outcomes(ended, outcomes), add_followups(followups, answers)


def text_authors(store: Store, row: InstanceRow) -> dict[tuple[str, str, str, str], int | None]:
    """(field, client, placement, end week) → the token that wrote the `end_reason` or outcome
    `note` of that ended placement in `row`'s week (the latest record counts, as in
    ended_view); texts carried from earlier weeks have no entry (api.auth.may_read_text)."""
    out: dict[tuple[str, str, str, str], int | None] = {}
    for field, kind in (("end_reason", "end"), ("note", "outcome")):
        for r in store.lifecycle(kind, row.id):
            key = (str(r["client_id"]), str(r["placement_id"]), str(r["end_week"]))
            out[(field, *key)] = r["by_token"]
    return out


def _record(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "client_id": r["client_id"],
        "placement_id": r["placement_id"],
        "end_week": r["end_week"],
        "outcome": r.get("outcome", ""),
        "note": r.get("note", ""),
        "by": r["by_name"],
        "at": r["at"],
    }


def find_ended(
    ended: pd.DataFrame, client_id: str, placement_id: str, end_week: str | None
) -> dict[str, Any]:
    """The ended placement a record is about (the latest of the client there without
    `end_week`); 404 when there is none."""
    rows = ended[
        (ended["client_id"].astype(str) == client_id)
        & (ended["placement_id"].astype(str) == placement_id)
    ]
    if end_week:
        rows = rows[rows["end_week"].astype(str) == end_week]
    if not len(rows):
        where = {"client": repr(client_id), "placement": repr(placement_id)}
        if end_week:
            raise NotFound("error.ended.none_week", end=end_week, **where)
        raise NotFound("error.ended.none", **where)
    return dict(rows.iloc[-1])


def check_outcome(inst: Instance, outcome: str) -> None:
    """The outcome is one of the rules' categories (422 naming `outcome`)."""
    if outcome not in inst.rules.outcome_categories:
        raise FieldProblem(
            "outcome",
            "error.outcome.category",
            value=repr(outcome),
            choices=", ".join(inst.rules.outcome_categories),
        )


def check_followup(
    inst: Instance, end_week: str, months_after: int, answer: str, when: str
) -> None:
    """Months of the rules, an answer yes/no/unknown, a date not before the end (422)."""
    if months_after not in inst.rules.followup_months:
        raise FieldProblem(
            "months_after",
            "error.followup.month",
            value=months_after,
            choices=", ".join(map(str, inst.rules.followup_months)),
        )
    if answer not in STILL_EMPLOYED:
        raise FieldProblem("still_employed", "error.followup.answer", value=repr(answer))
    try:
        day = date.fromisoformat(when)
    except ValueError:
        raise FieldProblem("date", "error.followup.date_format", value=repr(when)) from None
    if day < week_monday(end_week):
        raise FieldProblem("date", "error.followup.date_before", date=when, end=end_week)
