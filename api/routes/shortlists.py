"""Employer shortlists (issue 8): a shortlist run's lists, and the picks and declines on them.

Coordinators read the whole shortlists.json; a liaison (or a coordinator asking for one provider)
reads the lists of their providers with only `schemas.ShortlistCandidate`'s fields. A pick is a
lock (`accept` in the decision history) after `matcher.shortlists.picks.check_pick` finds no broken
rule, with every decision in force now applied; a decline is a forbid (`reject`) with its reason.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.decisions import pair_states
from api.deps import AnyUser, RunId, StoreDep
from api.errors import request_language
from api.lookups import load_instance, placements_by_id, providers_for, visible_run
from api.outputs import decision_out
from api.problems import HttpError
from api.schemas import (
    PickRequest,
    PicksOut,
    ShortlistCandidate,
    ShortlistOut,
    ShortlistsOut,
    errors_with,
)
from api.services.picks import decline, own_list, pick
from api.store import RunRow, Store
from matcher.messages import language
from models.instance import Instance
from models.shortlists import Shortlists

router = APIRouter(tags=["shortlists"])
ERRORS = errors_with(
    **{
        "404": "no such run, list or candidate for this caller",
        "409": "the pick breaks a rule (named in `errors`), or the run is not done, or its "
        "week is published",
    }
)


def stored_shortlists(store: Store, run: RunRow) -> Shortlists:
    """The run's shortlists; 404 when it is not a done shortlist run."""
    text = store.shortlists(run.id) if run.status == "done" else None
    if text is None:
        raise HttpError(404, "error.shortlists.none", id=run.id)
    return Shortlists.from_dict(json.loads(text))


def liaison_lists(
    inst: Instance, lists: Shortlists, providers: set[str], states: dict[tuple[str, str], str]
) -> list[ShortlistOut]:
    """The lists at `providers`' placements with only the fields a liaison may see."""
    placements = placements_by_id(inst)
    clients = inst.clients.set_index(inst.clients["id"].astype(str), drop=False)
    out = []
    for s in lists.lists:
        if s.provider_id not in providers or s.placement_id not in placements.index:
            continue
        p = placements.loc[s.placement_id]
        features = set(p["features"] or ())
        cands = []
        for e in s.candidates:
            if e.client_id not in clients.index:
                continue
            c = clients.loc[e.client_id]
            cands.append(
                ShortlistCandidate(
                    client_id=e.client_id,
                    rank=e.rank,
                    municipality=str(c["municipality"]),
                    languages=list(c["languages"] or ()),
                    interests=list(c["interests"] or ()),
                    accommodations=[n for n in (c["needs"] or ()) if n in features],
                    travel_min=float(e.travel_min),
                    decision=states.get((e.client_id, s.placement_id), "pending"),  # type: ignore[arg-type]
                )
            )
        out.append(
            ShortlistOut(
                placement_id=s.placement_id,
                placement_type=str(p["type"]),
                provider_id=s.provider_id,
                seats=s.seats,
                locked=list(s.locked),
                candidates=cands,
            )
        )
    return out


@router.get(
    "/runs/{run_id}/shortlists",
    responses={
        **ERRORS,
        200: {"description": "shortlists.json (coordinator), or the caller's lists"},
    },
)
def get_shortlists(
    run_id: RunId,
    request: Request,
    user: AnyUser,
    store: StoreDep,
    provider_id: str | None = Query(None, max_length=200),
) -> Any:
    """A coordinator gets the whole shortlists.json; a liaison (or `?provider_id=`) the lists of
    their providers: placement, seats, locked, and per candidate client id, rank, municipality,
    languages, interests, accommodations, travel minutes and the decision so far. 404 when the
    run has no shortlists the caller may see."""
    run, row = visible_run(store, user, run_id)
    providers = providers_for(user, row, provider_id)
    lists = stored_shortlists(store, run)
    if user.role != "liaison" and provider_id is None:
        return JSONResponse(lists.to_dict())
    inst = load_instance(request, store, row)
    states = pair_states(inst, store.decisions(row.id))
    mine = liaison_lists(inst, lists, providers, states)
    if not mine:
        raise HttpError(404, "error.shortlists.none_for_you", id=run.id)
    return ShortlistsOut(
        run_id=run.id,
        instance_id=row.id,
        week=row.week,
        providers=sorted(providers),
        per_seat=lists.per_seat,
        max_lists=lists.max_lists,
        lists=mine,
    )


@router.post("/runs/{run_id}/picks", response_model=PicksOut, status_code=201, responses=ERRORS)
def post_picks(
    run_id: RunId, body: PickRequest, request: Request, user: AnyUser, store: StoreDep
) -> PicksOut:
    """Pick candidates from a list (each a lock, on `switch_to` if given — a change of form
    within the provider, re-checked for feasibility, seats, budgets and caps), or decline one
    (a forbid with the reason; `by_client` says who declined). All picks of a request stand or
    none does; the others on the list are not locked and are free for the next run."""
    run, row = visible_run(store, user, run_id)
    lists = stored_shortlists(store, run)
    own = own_list(lists, user, row, run, body.placement_id)
    if body.decline:
        outcome = decline(store, user, run, own, body)
    else:
        base = load_instance(request, store, row)
        with language(request_language(request)):  # the rules' texts in a refused pick
            outcome = pick(store, base, user, run, row, lists, own, body)
    return PicksOut(
        run_id=run.id,
        placement_id=body.placement_id,
        decisions=[decision_out(d, user) for d in outcome.decisions],
        released=outcome.released,
    )
