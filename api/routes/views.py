"""JSON the web pages need that no other route gives: the coordinates for the coordinator's map,
and the runs a caller may look at (a liaison has no other way to find the run to answer).

The map is coordinator-only (home coordinates are personal data); the run list shows a liaison
only the runs of weeks that hold one of their providers, and nothing about clients.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.auth import Principal, can_see_instance
from api.deps import MAX_ID, AnyUser, Coordinator, InstanceId, StoreDep, quick
from api.lookups import allocation_dict, load_instance, visible_instance, visible_run
from api.problems import HttpError
from api.schemas import ERRORS
from api.store import Store

router = APIRouter(tags=["pages"])


class ClientPoints(BaseModel):
    """Clients column by column (one entry per client, same order in every list)."""

    id: list[str]
    lat: list[float]
    lon: list[float]
    municipality: list[str]
    queue: list[bool]
    placement: list[str | None] | None = None


class PlacementPoints(BaseModel):
    """Placements column by column (one entry per placement)."""

    id: list[str]
    type: list[str]
    provider_id: list[str]
    municipality: list[str]
    lat: list[float]
    lon: list[float]
    seats: list[int]


class MapOut(BaseModel):
    """What the coordinator's map draws."""

    instance_id: int
    run_id: int | None
    clients: ClientPoints
    placements: PlacementPoints


class RunListItem(BaseModel):
    """One run in the caller's list: enough to pick it, nothing about clients."""

    id: int
    instance_id: int
    instance: str
    week: str
    status: str
    published: bool
    created_at: str
    finished_at: str | None


def _floats(values: Any) -> list[float]:
    return [round(float(v), 5) for v in np.asarray(values, dtype=float)]


@router.get("/instances/{instance_id}/map", response_model=MapOut, responses=ERRORS)
def get_map(
    instance_id: InstanceId,
    request: Request,
    user: Coordinator,
    store: StoreDep,
    run_id: int | None = Query(
        None,
        ge=1,
        le=MAX_ID,
        description="mark each client's placement in this run (a done run of the instance)",
    ),
) -> MapOut:
    """Coordinates for the coordinator's map, column by column: every client (home, municipality,
    in the queue or already placed) and every placement (type, provider, seats); with `run_id`,
    the placement each client got in that run (null when none)."""
    row = visible_instance(store, user, instance_id)
    inst = load_instance(request, store, row)
    c, p = inst.clients, inst.placements
    ids = c["id"].astype(str).tolist()
    current = c["current_placement"].fillna("").astype(str) if "current_placement" in c else None
    clients = ClientPoints(
        id=ids,
        lat=_floats(c["lat"]),
        lon=_floats(c["lon"]),
        municipality=c["municipality"].astype(str).tolist(),
        queue=[not v for v in current] if current is not None else [True] * len(ids),
    )
    if run_id is not None:
        run, run_row = visible_run(store, user, run_id)
        if run_row.id != row.id:
            raise HttpError(404, "error.run.not_of_instance", run=run_id, instance=instance_id)
        got = {
            str(a["client_id"]): str(a["placement_id"])
            for a in allocation_dict(request, store, run).get("assignments", [])
        }
        clients.placement = [got.get(i) for i in ids]
    placements = PlacementPoints(
        id=p["id"].astype(str).tolist(),
        type=p["type"].astype(str).tolist(),
        provider_id=p["provider_id"].astype(str).tolist(),
        municipality=p["municipality"].astype(str).tolist(),
        lat=_floats(p["lat"]),
        lon=_floats(p["lon"]),
        seats=[int(s) for s in p["seats"]],
    )
    return MapOut(instance_id=row.id, run_id=run_id, clients=clients, placements=placements)


@router.get("/runs", response_model=list[RunListItem], responses=ERRORS)
async def list_visible_runs(
    user: AnyUser,
    store: StoreDep,
    status: str | None = Query(
        None, pattern="^(queued|running|done|failed|cancelled|interrupted)$"
    ),
) -> list[RunListItem]:
    """The runs the caller may see, newest first (a liaison: runs of weeks holding one of their
    providers), optionally only those with `status`."""
    return await quick(store, _visible_runs, store, user, status)


def _visible_runs(store: Store, user: Principal, status: str | None) -> list[RunListItem]:
    instances = {r.id: r for r in store.list_instances() if can_see_instance(user, r)}
    out = [
        RunListItem(
            id=run.id,
            instance_id=run.instance_id,
            instance=instances[run.instance_id].name,
            week=instances[run.instance_id].week,
            status=run.status,
            published=run.published,
            created_at=run.created_at,
            finished_at=run.finished_at,
        )
        for run in store.list_runs()
        if run.instance_id in instances and (status is None or run.status == status)
    ]
    return sorted(out, key=lambda r: -r.id)
