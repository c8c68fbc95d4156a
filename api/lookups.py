"""Lookups the routers share: visibility (404 for what the caller may not see), the stored
instance and allocation through the per-process caches, placements and providers by id."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

import pandas as pd
from fastapi import Request

from api.auth import Principal, can_see_instance, visible_providers
from api.problems import HttpError
from api.store import InstanceRow, RunRow, Store
from api.uploads import InstanceCache, load_stored
from models.instance import Instance


def visible_instance(store: Store, user: Principal, instance_id: int) -> InstanceRow:
    """The instance if it exists and the caller may see it; 404 otherwise (the same answer in
    both cases, so ids of other regions or providers stay unknown)."""
    row = store.get_instance(instance_id)
    if row is None or not can_see_instance(user, row):
        raise HttpError(404, "error.instance.not_found", id=instance_id)
    return row


def visible_run(store: Store, user: Principal, run_id: int) -> tuple[RunRow, InstanceRow]:
    run = store.get_run(run_id)
    if run is None:
        raise HttpError(404, "error.run.not_found", id=run_id)
    row = store.get_instance(run.instance_id)
    if row is None or not can_see_instance(user, row):
        raise HttpError(404, "error.run.not_found", id=run_id)
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


def instance_cached(request: Request, row: InstanceRow) -> bool:
    """Whether `load_instance` would answer from this process's cache (no parse to wait for)."""
    cache: InstanceCache = request.app.state.instances
    return cache.get((row.id, row.sha256)) is not None


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
            raise HttpError(409, "error.run.no_allocation_status", id=run.id, status=run.status)
        data = json.loads(text)
        with self._lock:
            self._items[key] = data
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return data


class RunInstanceCache:
    """The instance a done run solved (stored instance + its decisions + its weights) by run,
    so explanations of one run reuse one Instance and the pair table cached on it instead of
    rebuilding both per request."""

    def __init__(self, size: int = 4):
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Instance] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, request: Request, store: Store, run: RunRow, row: InstanceRow) -> Instance:
        from api.decisions import run_instance

        key = (run.id, run.finished_at or "", run.decisions_upto, row.sha256)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        base = load_instance(request, store, row)
        history = store.decisions(row.id, upto=run.decisions_upto)
        inst = run_instance(base, run.request["weights"], history)
        with self._lock:
            self._items[key] = inst
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return inst


def allocation_text(store: Store, run: RunRow) -> str:
    """The stored allocation.json of a done run; 409 while the run has none."""
    if run.status != "done":
        raise HttpError(409, "error.run.not_done_allocation", id=run.id, status=run.status)
    text = store.allocation(run.id)
    if text is None:
        raise HttpError(409, "error.run.no_allocation", id=run.id)
    return text


def allocation_dict(request: Request, store: Store, run: RunRow) -> dict[str, Any]:
    if run.status != "done":
        raise HttpError(409, "error.run.not_done_allocation", id=run.id, status=run.status)
    cache: AllocationCache = request.app.state.allocations
    return cache.get(store, run)


def providers_for(user: Principal, row: InstanceRow, provider_id: str | None) -> set[str]:
    """The providers this request is about: all the caller may see, or the one asked for (404
    when the caller may not see it)."""
    allowed = visible_providers(user, row)
    if provider_id is None:
        return allowed
    if provider_id not in allowed:
        raise HttpError(404, "error.provider.not_found", id=repr(provider_id))
    return {provider_id}


def placements_by_id(inst: Instance) -> pd.DataFrame:
    """The placements indexed by their id (as text)."""
    return inst.placements.set_index(inst.placements["id"].astype(str), drop=False)


def clients_by_id(inst: Instance) -> pd.DataFrame:
    """The clients indexed by their id (as text)."""
    return inst.clients.set_index(inst.clients["id"].astype(str), drop=False)


def stored_view(store: Store, run: RunRow, name: str) -> bytes | None:
    """A done run's precomputed answer `name` as JSON bytes (api/precompute.py), or None when
    it is not stored (yet): the route then computes it."""
    from api.precompute import unpack

    if run.status != "done" or not run.finished_at:
        return None
    data = store.run_view(run.id, name, run.finished_at)
    return None if data is None else unpack(data)
