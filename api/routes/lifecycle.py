"""The placement lifecycle: end a placement early, record its outcome and follow-ups, list the
week's ended placements, and the outcome report of the region (README "Placement lifecycle
and outcomes"). Liaisons act on their providers' placements, coordinators on the region's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError

from api.auth import can_see_instance, visible_providers
from api.deps import MAX_ID, AnyUser, Coordinator, RunId, StoreDep
from api.errors import request_language
from api.lifecycle_schemas import (
    EndedOut,
    EndOut,
    EndRequest,
    FollowupRequest,
    HoldingOut,
    OutcomeRequest,
    OutcomesOut,
    OutcomeSummaryOut,
)
from api.lookups import allocation_dict, load_instance, visible_instance, visible_run
from api.outputs import end_out, ended_out
from api.problems import HttpError
from api.schemas import errors_with
from api.services.lifecycle import (
    FieldProblem,
    check_end,
    check_followup,
    check_outcome,
    ended_view,
    find_ended,
    holding,
    provider_of,
    text_authors,
)
from api.store import Conflict
from models.outcomes import outcome_summary

router = APIRouter(tags=["lifecycle"])
ERRORS = errors_with(
    **{
        "404": "no such run, placement, client or ended placement for this caller",
        "409": "the client does not hold the placement, it is ended already, the run is not "
        "done, or the week already has its next week",
        "422": "a field the rules refuse (named in `errors`)",
    }
)
PlacementId = Path(min_length=1, max_length=200, description="a placement id")


def _field(exc: FieldProblem, request: Request) -> RequestValidationError:
    """The refused field as a validation error, its text in the request's language."""
    text = exc.text(request_language(request))
    return RequestValidationError(
        [{"loc": ("body", exc.field), "msg": text, "type": "value_error"}]
    )


def _allocation_or_none(request: Request, store: Any, run: Any) -> dict[str, Any]:
    """The run's allocation.json, or nothing for a run without one (a shortlist run, a run
    not done): then only the week's current holders hold placements."""
    if run.status != "done" or store.allocation(run.id) is None:
        return {}
    return allocation_dict(request, store, run)


@router.post(
    "/runs/{run_id}/placements/{placement_id}/end",
    response_model=list[EndOut],
    status_code=201,
    responses=ERRORS,
)
def end_placement(
    run_id: RunId,
    body: EndRequest,
    request: Request,
    user: AnyUser,
    store: StoreDep,
    placement_id: str = PlacementId,
) -> list[EndOut]:
    """End a placement early for the given clients (reason and last week attended): next week
    frees the seat and returns them to the queue with the months actually used."""
    run, row = visible_run(store, user, run_id)
    inst = load_instance(request, store, row)
    provider = provider_of(inst, user, row, placement_id)
    if run.status != "done":
        raise Conflict("error.lifecycle.run_not_done", id=run.id, status=run.status)
    alloc = _allocation_or_none(request, store, run)
    ended = {str(r["client_id"]) for r in store.lifecycle("end", row.id)}
    try:
        check_end(inst, alloc, run, placement_id, list(body.client_ids), body.end_week, ended)
    except FieldProblem as exc:
        raise _field(exc, request) from exc
    ends = [
        {
            "client_id": cid,
            "placement_id": placement_id,
            "provider_id": provider,
            "end_week": body.end_week,
            "reason": body.reason.strip(),
        }
        for cid in dict.fromkeys(body.client_ids)
    ]
    return [end_out(r) for r in store.add_lifecycle("end", run.id, ends, user.name, user.token_id)]


@router.get("/runs/{run_id}/outcomes", response_model=OutcomesOut, responses=ERRORS)
def list_outcomes(run_id: RunId, request: Request, user: AnyUser, store: StoreDep) -> OutcomesOut:
    """The week's ended placements (earlier weeks' history and this week's early ends) with
    their outcomes and follow-ups; a liaison sees their providers' only, and of the free texts
    (end reason, outcome note) only those their own token wrote."""
    run, row = visible_run(store, user, run_id)
    inst = load_instance(request, store, row)
    ended, followups = ended_view(store, inst, row)
    mine = visible_providers(user, row)
    rows = [r for r in ended.to_dict("records") if str(r["provider_id"]) in mine]
    fups = followups.to_dict("records")
    alloc = _allocation_or_none(request, store, run)
    ends = {str(r["client_id"]) for r in store.lifecycle("end", row.id)}
    authors = text_authors(store, row)
    return OutcomesOut(
        holding=[HoldingOut(**h) for h in holding(inst, alloc, run, ends, mine)],
        run_id=run.id,
        instance_id=row.id,
        week=row.week,
        categories=list(inst.rules.outcome_categories),
        followup_months=list(inst.rules.followup_months),
        ended=[ended_out(r, fups, user, authors) for r in rows],
    )


@router.post(
    "/runs/{run_id}/placements/{placement_id}/outcome",
    response_model=EndedOut,
    status_code=201,
    responses=ERRORS,
)
def record_outcome(
    run_id: RunId,
    body: OutcomeRequest,
    request: Request,
    user: AnyUser,
    store: StoreDep,
    placement_id: str = PlacementId,
) -> EndedOut:
    """Record what became of the client when the placement ended (a category of the rules'
    `outcome_categories`) with an optional note; the latest record counts."""
    run, row = visible_run(store, user, run_id)
    inst = load_instance(request, store, row)
    provider = provider_of(inst, user, row, placement_id)
    try:
        check_outcome(inst, body.outcome)
    except FieldProblem as exc:
        raise _field(exc, request) from exc
    ended, _ = ended_view(store, inst, row)
    target = find_ended(ended, body.client_id, placement_id, body.end_week)
    values = {
        "client_id": body.client_id,
        "placement_id": placement_id,
        "provider_id": provider,
        "end_week": target["end_week"],
        "outcome": body.outcome,
        "note": body.note.strip(),
    }
    store.add_lifecycle("outcome", run.id, [values], user.name, user.token_id)
    ended, followups = ended_view(store, inst, row)
    rec = find_ended(ended, body.client_id, placement_id, target["end_week"])
    return ended_out(rec, followups.to_dict("records"), user, text_authors(store, row))


@router.post(
    "/runs/{run_id}/placements/{placement_id}/followup",
    response_model=EndedOut,
    status_code=201,
    responses=ERRORS,
)
def record_followup(
    run_id: RunId,
    body: FollowupRequest,
    request: Request,
    user: AnyUser,
    store: StoreDep,
    placement_id: str = PlacementId,
) -> EndedOut:
    """Record a follow-up of an ended placement: still employed yes/no/unknown, on a date, some
    months (`followup.months`) after the end; the latest answer per month counts."""
    run, row = visible_run(store, user, run_id)
    inst = load_instance(request, store, row)
    provider = provider_of(inst, user, row, placement_id)
    ended, _ = ended_view(store, inst, row)
    target = find_ended(ended, body.client_id, placement_id, body.end_week)
    try:
        check_followup(
            inst, str(target["end_week"]), body.months_after, body.still_employed, body.date
        )
    except FieldProblem as exc:
        raise _field(exc, request) from exc
    values = {
        "client_id": body.client_id,
        "placement_id": placement_id,
        "provider_id": provider,
        "end_week": target["end_week"],
        "months_after": body.months_after,
        "still_employed": body.still_employed,
        "followup_date": body.date,
    }
    store.add_lifecycle("followup", run.id, [values], user.name, user.token_id)
    ended, followups = ended_view(store, inst, row)
    rec = find_ended(ended, body.client_id, placement_id, str(target["end_week"]))
    return ended_out(rec, followups.to_dict("records"), user, text_authors(store, row))


@router.get("/outcomes/summary", response_model=OutcomeSummaryOut, responses=ERRORS)
def get_outcome_summary(
    request: Request,
    user: Coordinator,
    store: StoreDep,
    instance_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> OutcomeSummaryOut:
    """The outcome report of the region's latest week (or `instance_id`'s): ended placements,
    outcomes recorded and the share of each category overall and per provider, placement type,
    municipality and group, and the follow-ups' share still employed."""
    if instance_id is not None:
        row = visible_instance(store, user, instance_id)
    else:
        rows = [r for r in store.list_instances() if can_see_instance(user, r)]
        if not rows:
            raise HttpError(404, "error.instance.none_in_region")
        row = max(rows, key=lambda r: (r.week, r.id))
    inst = load_instance(request, store, row)
    ended, followups = ended_view(store, inst, row)
    summary = outcome_summary(ended, inst.rules.outcome_categories, followups)
    return OutcomeSummaryOut(instance_id=row.id, week=row.week, summary=summary)
