"""What liaisons use: the proposals for their providers, and their accept/reject decisions.

A liaison sees only proposals at placements of their providers, with only the fields of
`schemas.Proposal`; anything else (another provider's placement, a client not proposed to them)
is answered 404, the same as an id that does not exist.
"""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, HTTPException, Query, Request

from api.auth import Principal, visible_providers
from api.db import DecisionRow, InstanceRow, RunRow, Store
from api.decisions import KIND_OF, effective_records, pair_states
from api.routes.common import AnyUser, StoreDep, allocation_dict, load_instance, visible_run
from api.schemas import DecisionOut, DecisionRequest, Proposal, ProposalsOut
from models.instance import Instance

router = APIRouter(tags=["decisions"])
ERRORS = {
    404: {"description": "no such run, provider or proposal for this caller"},
    409: {"description": "the run is not done, or its week is published"},
}


def decision_out(d: DecisionRow) -> DecisionOut:
    return DecisionOut(
        id=d.id,
        run_id=d.run_id,
        client_id=d.client_id,
        placement_id=d.placement_id,
        provider_id=d.provider_id,
        decision=d.decision,
        effect=KIND_OF[d.decision],  # type: ignore[arg-type]
        reason=d.reason,
        by=d.by_name,
        at=d.at,
    )


def _providers(user: Principal, row: InstanceRow, provider_id: str | None) -> set[str]:
    """The providers this request is about: all the caller may see, or the one asked for (404
    when the caller may not see it)."""
    allowed = visible_providers(user, row)
    if provider_id is None:
        return allowed
    if provider_id not in allowed:
        raise HTTPException(404, f"provider {provider_id!r} not found")
    return {provider_id}


def _placements(inst: Instance) -> pd.DataFrame:
    return inst.placements.set_index(inst.placements["id"].astype(str), drop=False)


def build_proposals(
    inst: Instance, alloc: dict, providers: set[str], states: dict[tuple[str, str], str]
) -> list[Proposal]:
    """The run's assignments at `providers`' placements, as a liaison may see them."""
    placements = _placements(inst)
    clients = inst.clients.set_index(inst.clients["id"].astype(str), drop=False)
    out = []
    for a in alloc.get("assignments", []):
        pid, cid = str(a["placement_id"]), str(a["client_id"])
        if pid not in placements.index or cid not in clients.index:
            continue
        p = placements.loc[pid]
        if str(p["provider_id"]) not in providers:
            continue
        c = clients.loc[cid]
        features = set(p["features"] or ())
        out.append(
            Proposal(
                client_id=cid,
                municipality=str(c["municipality"]),
                languages=list(c["languages"] or ()),
                interests=list(c["interests"] or ()),
                accommodations=[n for n in (c["needs"] or ()) if n in features],
                travel_min=float(a.get("travel_min", 0.0)),
                placement_id=pid,
                placement_type=str(p["type"]),
                provider_id=str(p["provider_id"]),
                decision=states.get((cid, pid), "pending"),  # type: ignore[arg-type]
            )
        )
    return out


@router.get("/runs/{run_id}/proposals", response_model=ProposalsOut, responses=ERRORS)
def get_proposals(
    run_id: int,
    request: Request,
    user: AnyUser,
    store: StoreDep,
    provider_id: str | None = Query(None, max_length=200),
) -> ProposalsOut:
    """The proposals of a done run for the caller's providers (or the one asked for): client
    id, municipality, languages, interests, the accommodations the placement must give, travel
    minutes, the placement, and the decision taken so far — nothing else about the client."""
    run, row = visible_run(store, user, run_id)
    providers = _providers(user, row, provider_id)
    alloc = allocation_dict(request, store, run)
    inst = load_instance(request, store, row)
    states = pair_states(inst, store.decisions(row.id))
    return ProposalsOut(
        run_id=run.id,
        instance_id=row.id,
        week=row.week,
        providers=sorted(providers),
        proposals=build_proposals(inst, alloc, providers, states),
    )


def _check_decision(
    store: Store,
    request: Request,
    user: Principal,
    run: RunRow,
    row: InstanceRow,
    body: DecisionRequest,
) -> str:
    """Who may take this decision; returns the placement's provider. Liaisons answer their own
    proposals only (else 404); coordinators may pin or forbid any pair of the instance."""
    inst = load_instance(request, store, row)
    placements = _placements(inst)
    if body.placement_id not in placements.index:
        raise HTTPException(404, f"placement {body.placement_id!r} not found")
    provider = str(placements.loc[body.placement_id, "provider_id"])
    if provider not in visible_providers(user, row):
        raise HTTPException(404, f"placement {body.placement_id!r} not found")
    if run.status != "done":
        raise HTTPException(409, f"run {run.id} is {run.status}; decisions are taken on a done run")
    alloc = allocation_dict(request, store, run)
    proposed = any(
        a["client_id"] == body.client_id and a["placement_id"] == body.placement_id
        for a in alloc.get("assignments", [])
    )
    if user.role == "liaison" and not proposed:
        raise HTTPException(
            404, f"no proposal ({body.client_id}, {body.placement_id}) in run {run.id}"
        )
    clients = inst.clients.set_index(inst.clients["id"].astype(str), drop=False)
    if body.client_id not in clients.index:
        raise HTTPException(404, f"client {body.client_id!r} not found")
    if body.decision == "accept" and not proposed:
        current = str(clients.loc[body.client_id, "current_placement"] or "")
        if current and current != body.placement_id:
            raise HTTPException(
                409,
                f"client {body.client_id} stays in their current placement "
                f"{current} this week; a lock elsewhere cannot hold",
            )
        locks = [
            r
            for r in effective_records(inst, store.decisions(row.id))
            if r["decision"] == "lock"
            and r["placement_id"] == body.placement_id
            and r["client_id"] != body.client_id
        ]
        seats = int(placements.loc[body.placement_id, "seats"])
        if len(locks) >= seats:
            raise HTTPException(
                409, f"placement {body.placement_id} has {seats} free seat(s), all locked already"
            )
    return provider


@router.post(
    "/runs/{run_id}/decisions", response_model=DecisionOut, status_code=201, responses=ERRORS
)
def post_decision(
    run_id: int, body: DecisionRequest, request: Request, user: AnyUser, store: StoreDep
) -> DecisionOut:
    """Accept (→ lock) or reject (→ forbid) a proposal, with a reason (required to reject).
    Recorded with who and when; later runs of the same week keep it, and a rejected pair is
    never proposed again."""
    run, row = visible_run(store, user, run_id)
    provider = _check_decision(store, request, user, run, row, body)
    d = store.add_decision(
        run.id,
        body.client_id,
        body.placement_id,
        provider,
        body.decision,
        body.reason.strip(),
        user.name,
        user.token_id,
    )
    return decision_out(d)


@router.get("/runs/{run_id}/decisions", response_model=list[DecisionOut], responses=ERRORS)
def list_decisions(
    run_id: int,
    user: AnyUser,
    store: StoreDep,
    provider_id: str | None = Query(None, max_length=200),
) -> list[DecisionOut]:
    """The decision history of the run's week (every run of its instance), oldest first; a
    liaison sees the decisions on their providers' placements only."""
    run, row = visible_run(store, user, run_id)
    providers = _providers(user, row, provider_id)
    return [decision_out(d) for d in store.decisions(row.id) if d.provider_id in providers]
