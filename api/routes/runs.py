"""Runs: status and progress, cancel and restart, the allocation (JSON or CSV), its summary, the
unassigned, one client's explanation, publishing, and building next week from a published run."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.auth import Principal
from api.decisions import decisions_frame, effective_records
from api.deps import (
    AnyUser,
    ClientId,
    Coordinator,
    Lang,
    RunId,
    SettingsDep,
    StoreDep,
    quick,
)
from api.lookups import (
    allocation_dict,
    allocation_text,
    load_instance,
    stored_view,
    visible_run,
)
from api.outputs import decision_out, run_out
from api.precompute import (
    SUMMARY,
    ClientAnswers,
    client_name,
    summary_of,
    unassigned_name,
    unassigned_of,
)
from api.problems import HttpError
from api.schemas import ERRORS, ClientOut, DecisionOut, NextWeekOut, NextWeekRequest, RunOut
from api.services.lifecycle import ends_frame, with_recorded
from api.store import InstanceRow, NewInstance, RunRow, Store
from api.uploads import counts_of, instance_zip, load_stored, provider_ids, sha256
from instances.next_week import NextWeekError, next_week
from models.allocation import Allocation
from models.csvsafe import neutralise_all

router = APIRouter(tags=["runs"])


def _run_answer(store: Store, user: Principal, run_id: int) -> RunOut:
    run, _ = visible_run(store, user, run_id)
    return run_out(store, run)


@router.get("/runs/{run_id}", response_model=RunOut, responses=ERRORS)
async def get_run(run_id: RunId, user: AnyUser, store: StoreDep) -> RunOut:
    """Status (queued|running|done|failed|cancelled|interrupted) and live progress: objective,
    bound, gap, elapsed seconds. Liaisons may poll the runs that concern their providers."""
    return await quick(store, _run_answer, store, user, run_id)


@router.post("/runs/{run_id}/cancel", response_model=RunOut, responses=ERRORS)
def cancel_run(run_id: RunId, user: Coordinator, store: StoreDep) -> RunOut:
    """Cancel a queued run at once; a running one is stopped by its worker's supervisor within a
    second or so (poll until the status is cancelled)."""
    visible_run(store, user, run_id)
    return run_out(store, store.request_cancel(run_id))


@router.post("/runs/{run_id}/restart", response_model=RunOut, responses=ERRORS)
def restart_run(run_id: RunId, user: Coordinator, store: StoreDep, settings: SettingsDep) -> RunOut:
    """Queue an interrupted, failed or cancelled run again (same id, same request); 429 when
    the caller has the most runs queued or running they may."""
    visible_run(store, user, run_id)
    return run_out(store, store.restart_run(run_id, user.name, settings.max_queued_runs))


CSV_COLUMNS = (
    "client_id",
    "placement_id",
    "provider_id",
    "type",
    "pool_id",
    "cost",
    "travel_min",
    "score",
)


def allocation_csv(alloc: dict[str, Any], placements: dict[str, tuple[str, str]]) -> str:
    """The assignments as CSV: one row per client placed, score total then each component; ids
    made safe for spreadsheets (models.csvsafe)."""
    components: list[str] = []
    for a in alloc.get("assignments", []):
        components += [k for k in a.get("score", {}) if k not in components]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(f"score_{c}" for c in components)])
    for a in alloc.get("assignments", []):
        score = a.get("score", {})
        provider, ptype = placements.get(a["placement_id"], ("", ""))
        writer.writerow(
            [
                *neutralise_all(
                    [a["client_id"], a["placement_id"], provider, ptype, a.get("pool_id") or ""]
                ),
                a.get("cost", ""),
                a.get("travel_min", ""),
                sum(score.values()),
                *(score.get(c, 0) for c in components),
            ]
        )
    return buf.getvalue()


@router.get(
    "/runs/{run_id}/allocation",
    responses={
        **ERRORS,
        200: {
            "content": {"application/json": {}, "text/csv": {}},
            "description": "allocation.json (FORMAT.md), or CSV with ?format=csv",
        },
    },
)
def get_allocation(
    run_id: RunId,
    request: Request,
    user: Coordinator,
    store: StoreDep,
    format: str = Query("json", pattern="^(json|csv)$"),
) -> Response:
    """allocation.json as FORMAT.md states it, or `?format=csv`: client_id, placement_id,
    provider_id, type, pool_id, cost, travel_min, score, score_<component>…"""
    run, row = visible_run(store, user, run_id)
    if format == "json":
        return Response(allocation_text(store, run), media_type="application/json")
    alloc = allocation_dict(request, store, run)
    inst = load_instance(request, store, row)
    frame = inst.placements
    placements = dict(
        zip(
            frame["id"].astype(str),
            zip(frame["provider_id"].astype(str), frame["type"].astype(str), strict=True),
            strict=True,
        )
    )
    return Response(
        allocation_csv(alloc, placements),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="allocation-run{run.id}.csv"'},
    )


def _stored(
    store: Store, user: Principal, run_id: int, name: str
) -> tuple[RunRow, InstanceRow, bytes | None]:
    """(run, its instance row, the stored view `name` or None) for a caller who may see it."""
    run, row = visible_run(store, user, run_id)
    return run, row, stored_view(store, run, name)


@router.get("/runs/{run_id}/summary", responses=ERRORS)
async def get_summary(
    run_id: RunId, request: Request, user: Coordinator, store: StoreDep
) -> Response:
    """The headline figures: status, objective, bound, gap, placed vs queue by type, municipality
    and group, pool use, fairness (precomputed when the run finished)."""
    run, row, stored = await quick(store, _stored, store, user, run_id, SUMMARY)
    if stored is not None:
        return Response(stored, media_type="application/json")
    return await run_in_threadpool(_summary_computed, request, store, run, row)


def _summary_computed(request: Request, store: Store, run: RunRow, row: InstanceRow) -> Response:
    alloc = allocation_dict(request, store, run)
    return JSONResponse(summary_of(load_instance(request, store, row), alloc, run.id))


@router.get("/runs/{run_id}/unassigned", responses=ERRORS)
async def get_unassigned(
    run_id: RunId, request: Request, user: Coordinator, store: StoreDep, lang: Lang
) -> Response:
    """The queue clients left out, each with the reasons, most specific first (as stored at solve
    time in English; recomputed from the data in another `lang`)."""
    run, row, stored = await quick(store, _stored, store, user, run_id, unassigned_name(lang))
    if stored is not None:
        return Response(stored, media_type="application/json")
    return await run_in_threadpool(_unassigned_computed, request, store, run, row, lang)


def _unassigned_computed(
    request: Request, store: Store, run: RunRow, row: InstanceRow, lang: str
) -> Response:
    alloc = allocation_dict(request, store, run)
    inst = request.app.state.run_instances.get(request, store, run, row) if lang != "en" else None
    left = unassigned_of(inst, alloc, lang) if inst is not None else alloc.get("unassigned", [])
    return JSONResponse({"run_id": run.id, "unassigned": left})


@router.get("/runs/{run_id}/clients/{client_id}", response_model=ClientOut, responses=ERRORS)
async def get_client(
    run_id: RunId,
    client_id: ClientId,
    request: Request,
    user: Coordinator,
    store: StoreDep,
    lang: Lang,
) -> Response | ClientOut:
    """One client in this run: the assignment (with score and alternatives) or the reasons left
    out, the decisions on their pairs, and the explanation computed from the data."""
    run, row, stored = await quick(
        store, _stored, store, user, run_id, client_name(lang, client_id)
    )
    decided = await quick(store, _client_decisions, store, user, row.id, client_id)
    if stored is not None:  # the stored answer with today's decisions spliced in
        plain = [d.model_dump(mode="json") for d in decided]
        head = json.dumps({"decisions": plain}, ensure_ascii=False).encode()
        return Response(head[:-1] + b"," + stored[1:], media_type="application/json")
    return await run_in_threadpool(
        _client_computed, request, store, run, row, client_id, lang, decided
    )


def _client_decisions(
    store: Store, user: Principal, instance_id: int, client_id: str
) -> list[DecisionOut]:
    return [decision_out(d, user) for d in store.decisions(instance_id) if d.client_id == client_id]


def _client_computed(
    request: Request,
    store: Store,
    run: RunRow,
    row: InstanceRow,
    client_id: str,
    lang: str,
    decided: list[DecisionOut],
) -> ClientOut:
    """The client's answer computed from the data (the run's views are not stored yet)."""
    from matcher.explain.views import explain_client

    alloc_raw = allocation_dict(request, store, run)
    base = load_instance(request, store, row)
    if client_id not in set(base.clients["id"].astype(str)):
        raise HttpError(404, "error.run.client_not_in", id=repr(client_id))
    inst = request.app.state.run_instances.get(request, store, run, row)
    explanation = explain_client(inst, Allocation.from_dict(alloc_raw), client_id, lang=lang)
    answer = ClientAnswers(base, alloc_raw).answer(run.id, client_id, explanation, lang)
    return ClientOut(**answer, decisions=decided)


@router.post("/runs/{run_id}/publish", response_model=RunOut, responses=ERRORS)
def publish_run(run_id: RunId, user: Coordinator, store: StoreDep) -> RunOut:
    """Publish a done run: from then on the instance's week is closed — no more runs, decisions
    or restarts (409). Refused while a proposal of the run has been rejected since it ran."""
    visible_run(store, user, run_id)
    return run_out(store, store.publish_run(run_id, user.name))


@router.post(
    "/runs/{run_id}/next-week",
    response_model=NextWeekOut,
    status_code=201,
    responses={
        **ERRORS,
        200: {"model": NextWeekOut, "description": "already built: the same instance"},
    },
)
def create_next_week(
    run_id: RunId,
    request: Request,
    response: Response,
    user: Coordinator,
    store: StoreDep,
    body: NextWeekRequest | None = None,
) -> NextWeekOut:
    """Build the next week's instance from a published run (placed clients hold their seats,
    months used grow, ended placements free their seats; see instances/next_week.py). Once per
    run: asking again answers 200 with the same id."""
    run, row = visible_run(store, user, run_id)
    if not run.published:
        raise HttpError(409, "error.run.not_published", id=run.id)
    weeks = body.weeks if body else 1
    base = load_instance(request, store, row)
    alloc = Allocation.from_dict(allocation_dict(request, store, run))
    carried = decisions_frame(effective_records(base, store.decisions(row.id)))
    ends = ends_frame(store.lifecycle("end", row.id))
    try:
        new = next_week(base, alloc, weeks=weeks, decisions=carried, ends=ends)
    except NextWeekError as exc:
        raise HttpError(422, "error.next_week", problem=str(exc)) from exc
    # the outcomes and follow-ups recorded in this week travel in the snapshot
    new.outcomes, new.followups = with_recorded(store, row, new.outcomes, base.followups)
    blob = instance_zip(new)
    stored = load_stored(blob, new.name)
    new_row, created = store.add_next_week(
        NewInstance(
            name=new.name,
            week=new.week,
            region=row.region,
            source="next-week",
            created_by=user.name,
            data=blob,
            sha256=sha256(blob),
            providers=provider_ids(stored),
            counts=counts_of(stored),
            parent_instance_id=row.id,
            parent_run_id=run.id,
        )
    )
    if created:
        request.app.state.instances.put((new_row.id, new_row.sha256), stored)
    else:
        response.status_code = 200
    return NextWeekOut(
        id=new_row.id, created=created, name=new_row.name, week=new_row.week, counts=new_row.counts
    )
