"""What liaisons use: the proposals for their providers, and their accept/reject decisions.

A liaison sees only proposals at placements of their providers, with only the fields of
`schemas.Proposal`; anything else (another provider's placement, a client not proposed to them)
is answered 404, the same as an id that does not exist.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter

from api.auth import Principal
from api.decisions import pair_states
from api.deps import AnyUser, RunId, StoreDep, quick
from api.errors import request_language
from api.lookups import (
    allocation_dict,
    instance_cached,
    load_instance,
    providers_for,
    stored_view,
    visible_run,
)
from api.outputs import decision_out
from api.precompute import ALL_PROPOSALS, proposals_by_provider, proposals_name
from api.schemas import DecisionOut, DecisionRequest, ProposalsOut, errors_with
from api.services.decisions import record_decision
from api.store import InstanceRow, RunRow, Store
from matcher.messages import language

_DECISION_LIST: TypeAdapter[list[DecisionOut]] = TypeAdapter(list[DecisionOut])

router = APIRouter(tags=["decisions"])
MANY_PROVIDERS = 8  # above this, a request's proposals are read from the run's one whole view
ERRORS = errors_with(
    **{
        "404": "no such run, provider or proposal for this caller",
        "409": "the accepted pair breaks a rule (named in `errors`), the run is not done, or "
        "its week is published",
    }
)


def stored_proposals(store: Store, run: RunRow, providers: list[str]) -> list[dict] | None:
    """The precomputed proposal rows of `providers` (one view each, or the whole run's view
    filtered when there are many), or None when the run's proposals are not stored."""
    if len(providers) > MANY_PROVIDERS:
        data = stored_view(store, run, ALL_PROPOSALS)
        wanted = set(providers)
        return None if data is None else [r for r in json.loads(data) if r["provider_id"] in wanted]
    rows: list[dict] = []
    for provider in providers:
        data = stored_view(store, run, proposals_name(provider))
        if data is None:
            return None
        rows += json.loads(data)
    return rows


@router.get("/runs/{run_id}/proposals", response_model=ProposalsOut, responses=ERRORS)
async def get_proposals(
    run_id: RunId,
    request: Request,
    user: AnyUser,
    store: StoreDep,
    provider_id: str | None = Query(None, max_length=200),
) -> Response:
    """The proposals of a done run for the caller's providers (or the one asked for): client
    id, municipality, languages, interests, the accommodations the placement must give, travel
    minutes, the placement, and the decision taken so far — nothing else about the client."""
    run, row = await quick(store, visible_run, store, user, run_id)
    providers = sorted(providers_for(user, row, provider_id))
    if instance_cached(request, row):  # stored rows and a parsed instance: a millisecond
        rows = await quick(store, stored_proposals, store, run, providers)
        if rows is not None:
            return await quick(store, _proposals_json, request, store, run, row, providers, rows)
    return await run_in_threadpool(_proposals_json, request, store, run, row, providers, None)


def _proposals_json(
    request: Request,
    store: Store,
    run: RunRow,
    row: InstanceRow,
    providers: list[str],
    rows: list[dict] | None,
) -> Response:
    """The proposals answer from `rows` (the stored ones; read or computed here when None)."""
    inst = load_instance(request, store, row)
    if rows is None:
        rows = stored_proposals(store, run, providers)
    if rows is None:  # not precomputed (yet): the same rows from the allocation
        by_provider = proposals_by_provider(inst, allocation_dict(request, store, run))
        rows = [r for v in providers for r in by_provider.get(v, [])]
    states = pair_states(inst, store.decisions(row.id))
    rows.sort(key=lambda r: r["at"])
    for r in rows:
        del r["at"]
        r["decision"] = states.get((r["client_id"], r["placement_id"]), "pending")
    out = {
        "run_id": run.id,
        "instance_id": row.id,
        "week": row.week,
        "providers": providers,
        "proposals": rows,
    }
    return Response(json.dumps(out, ensure_ascii=False).encode(), media_type="application/json")


@router.post(
    "/runs/{run_id}/decisions", response_model=DecisionOut, status_code=201, responses=ERRORS
)
def post_decision(
    run_id: RunId, body: DecisionRequest, request: Request, user: AnyUser, store: StoreDep
) -> DecisionOut:
    """Accept (→ lock) or reject (→ forbid) a proposal, with a reason (required to reject).
    Recorded with who and when; later runs of the same week keep it, and a rejected pair is
    never proposed again."""
    run, row = visible_run(store, user, run_id)
    inst = load_instance(request, store, row)
    alloc = allocation_dict(request, store, run) if run.status == "done" else {}
    with language(request_language(request)):  # a refused accept's lines in the caller's
        d = record_decision(store, inst, alloc, user, run, row, body)
    return decision_out(d, user)


@router.get("/runs/{run_id}/decisions", response_model=list[DecisionOut], responses=ERRORS)
async def list_decisions(
    run_id: RunId,
    user: AnyUser,
    store: StoreDep,
    provider_id: str | None = Query(None, max_length=200),
) -> Response:
    """The decision history of the run's week (every run of its instance), oldest first; a
    liaison sees the decisions on their providers' placements only. Serialised once by
    pydantic's core (the response_model stays for the schema): FastAPI's re-validation of a
    long history made this the slowest read under load."""
    data = await quick(store, _decisions_json, store, user, run_id, provider_id)
    return Response(data, media_type="application/json")


def _decisions_json(store: Store, user: Principal, run_id: int, provider_id: str | None) -> bytes:
    run, row = visible_run(store, user, run_id)
    providers = providers_for(user, row, provider_id)
    items = [decision_out(d, user) for d in store.decisions(row.id) if d.provider_id in providers]
    return _DECISION_LIST.dump_json(items)
