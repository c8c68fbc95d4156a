"""What liaisons use: the proposals for their providers, and their accept/reject decisions.

A liaison sees only proposals at placements of their providers, with only the fields of
`schemas.Proposal`; anything else (another provider's placement, a client not proposed to them)
is answered 404, the same as an id that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from api.decisions import pair_states
from api.deps import AnyUser, RunId, StoreDep
from api.lookups import allocation_dict, load_instance, placements_by_id, providers_for, visible_run
from api.outputs import decision_out
from api.schemas import DecisionOut, DecisionRequest, Proposal, ProposalsOut, errors_with
from api.services.decisions import record_decision
from models.instance import Instance

router = APIRouter(tags=["decisions"])
ERRORS = errors_with(
    **{
        "404": "no such run, provider or proposal for this caller",
        "409": "the accepted pair breaks a rule (named in `errors`), the run is not done, or "
        "its week is published",
    }
)


def build_proposals(
    inst: Instance, alloc: dict, providers: set[str], states: dict[tuple[str, str], str]
) -> list[Proposal]:
    """The run's assignments at `providers`' placements, as a liaison may see them."""
    placements = placements_by_id(inst)
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
    run_id: RunId,
    request: Request,
    user: AnyUser,
    store: StoreDep,
    provider_id: str | None = Query(None, max_length=200),
) -> ProposalsOut:
    """The proposals of a done run for the caller's providers (or the one asked for): client
    id, municipality, languages, interests, the accommodations the placement must give, travel
    minutes, the placement, and the decision taken so far — nothing else about the client."""
    run, row = visible_run(store, user, run_id)
    providers = providers_for(user, row, provider_id)
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
    d = record_decision(store, inst, alloc, user, run, row, body)
    return decision_out(d)


@router.get("/runs/{run_id}/decisions", response_model=list[DecisionOut], responses=ERRORS)
def list_decisions(
    run_id: RunId,
    user: AnyUser,
    store: StoreDep,
    provider_id: str | None = Query(None, max_length=200),
) -> list[DecisionOut]:
    """The decision history of the run's week (every run of its instance), oldest first; a
    liaison sees the decisions on their providers' placements only."""
    run, row = visible_run(store, user, run_id)
    providers = providers_for(user, row, provider_id)
    return [decision_out(d) for d in store.decisions(row.id) if d.provider_id in providers]
