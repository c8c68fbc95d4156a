"""What the routers share: dependencies, visibility lookups (404 for what the caller may not
see), loading a stored instance or allocation through the per-process caches."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from api.auth import Principal, can_see_instance, current_user, get_store, require_role
from api.db import InstanceRow, RunRow, Store
from api.schemas import Progress, RunOut
from api.settings import Settings
from api.uploads import InstanceCache, load_stored
from models.instance import Instance

StoreDep = Annotated[Store, Depends(get_store)]
AnyUser = Annotated[Principal, Depends(current_user)]
Coordinator = Annotated[Principal, Depends(require_role("admin", "coordinator"))]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def visible_instance(store: Store, user: Principal, instance_id: int) -> InstanceRow:
    """The instance if it exists and the caller may see it; 404 otherwise (the same answer in
    both cases, so ids of other regions or providers stay unknown)."""
    row = store.get_instance(instance_id)
    if row is None or not can_see_instance(user, row):
        raise HTTPException(404, f"instance {instance_id} not found")
    return row


def visible_run(store: Store, user: Principal, run_id: int) -> tuple[RunRow, InstanceRow]:
    run = store.get_run(run_id)
    if run is None:
        raise HTTPException(404, f"run {run_id} not found")
    row = store.get_instance(run.instance_id)
    if row is None or not can_see_instance(user, row):
        raise HTTPException(404, f"run {run_id} not found")
    return run, row


def load_instance(request: Request, store: Store, row: InstanceRow) -> Instance:
    """The parsed stored instance (cached per process by id and content hash)."""
    cache: InstanceCache = request.app.state.instances
    key = (row.id, row.sha256)
    inst = cache.get(key)
    if inst is None:
        inst = load_stored(store.instance_data(row.id), row.name)
        cache.put(key, inst)
    return inst


class AllocationCache:
    """Parsed allocation.json by (run id, finished_at): a restarted run finishes anew."""

    def __init__(self, size: int = 8):
        self.size = size
        self._items: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: Store, run: RunRow) -> dict[str, Any]:
        key = (run.id, run.finished_at or "")
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        text = store.allocation(run.id)
        if text is None:
            raise HTTPException(409, f"run {run.id} has no allocation (it is {run.status})")
        data = json.loads(text)
        with self._lock:
            self._items[key] = data
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return data


def allocation_text(store: Store, run: RunRow) -> str:
    """The stored allocation.json of a done run; 409 while the run has none."""
    if run.status != "done":
        raise HTTPException(
            409, f"run {run.id} is {run.status}; the allocation exists once it is done"
        )
    text = store.allocation(run.id)
    if text is None:
        raise HTTPException(409, f"run {run.id} has no allocation")
    return text


def allocation_dict(request: Request, store: Store, run: RunRow) -> dict[str, Any]:
    if run.status != "done":
        raise HTTPException(
            409, f"run {run.id} is {run.status}; the allocation exists once it is done"
        )
    cache: AllocationCache = request.app.state.allocations
    return cache.get(store, run)


def run_out(store: Store, run: RunRow) -> RunOut:
    return RunOut(
        id=run.id,
        instance_id=run.instance_id,
        status=run.status,  # type: ignore[arg-type]
        request=run.request,
        progress=Progress(**{k: v for k, v in run.progress.items() if k in Progress.model_fields})
        if run.progress
        else None,
        queue_position=store.queue_position(run.id) if run.status == "queued" else None,
        error=run.error,
        cancel_requested=run.cancel_requested,
        created_at=run.created_at,
        created_by=run.created_by,
        started_at=run.started_at,
        finished_at=run.finished_at,
        attempts=run.attempts,
        published=run.published,
        published_at=run.published_at,
        published_by=run.published_by,
    )
