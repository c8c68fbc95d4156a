"""Instances: upload a week (zip or JSON), read it back, add new clients, start runs."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.auth import Principal, same_region
from api.decisions import merged_weights
from api.deps import Coordinator, InstanceId, SettingsDep, StoreDep, quick
from api.limits import bounded_json
from api.lookups import load_instance, visible_instance
from api.outputs import run_out
from api.parse_child import Prepared, goes_to_child, prepare_in_child
from api.problems import HttpError
from api.schemas import (
    ERRORS,
    ClientsAdded,
    InstanceCreated,
    InstanceOut,
    ProblemOut,
    RunOut,
    RunRequest,
)
from api.security import content_disposition
from api.settings import Settings
from api.store import InstanceRow, NewInstance, Store
from api.uploads import (
    UploadError,
    append_clients,
    clients_csv_from_json,
    counts_of,
    files_from_json,
    files_from_zip,
    instance_zip,
    load_stored,
    parse_files,
    problem_dicts,
    provider_ids,
    region_of,
    sha256,
)
from instances.problems import Problem
from instances.read.header import safe_name
from models.instance import Instance

router = APIRouter(tags=["instances"])


def _json_payload(body: bytes, settings: Settings) -> Any:
    """A JSON upload parsed within the depth and size bounds of `settings`."""
    return bounded_json(body, settings.max_json_depth, settings.max_json_containers)


def _spool(upload: UploadFile, tmp: Path) -> Path:
    """Copy an uploaded file to a real file (the zip reader wants a path)."""
    path = tmp / "upload"
    upload.file.seek(0)
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1024 * 1024)
    return path


def _looks_like_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _files_from_path(path: Path, settings: Settings) -> tuple[dict[str, bytes], bool]:
    """Instance files of a spooled upload (a zip, or a .json in the JSON shape); (files, is_json)."""
    with path.open("rb") as f:
        head = f.read(64)
    if head.startswith(b"PK"):
        return files_from_zip(path, settings.zip_limits()), False
    if _looks_like_json(head):
        return files_from_json(_json_payload(path.read_bytes(), settings)), True
    raise UploadError(
        [
            Problem(
                "upload",
                message="is neither a zip nor JSON",
                expected="a .zip of an instance folder, or the JSON shape",
            )
        ]
    )


def _check_region(user: Principal, inst: Instance | str) -> str:
    """The instance's region (or `inst` itself, a region); 403 when the coordinator's differs."""
    region = inst if isinstance(inst, str) else region_of(inst)
    if user.role == "coordinator" and not same_region(user.region, region):
        raise HttpError(
            403, "error.instance.other_region", region=repr(region), yours=repr(user.region)
        )
    return region


def _store_instance(
    store: Store, request: Request, inst: Instance, user: Principal, source: str = "upload"
) -> tuple[InstanceRow, Instance]:
    """Write the canonical zip, check it reads back, store it; (row, parsed stored instance)."""
    region = _check_region(user, inst)
    data = instance_zip(inst)
    stored = load_stored(data, inst.name)
    row = store.add_instance(
        NewInstance(
            name=inst.name,
            week=inst.week,
            region=region,
            source=source,
            created_by=user.name,
            data=data,
            sha256=sha256(data),
            providers=provider_ids(stored),
            counts=counts_of(stored),
        )
    )
    request.app.state.instances.put((row.id, row.sha256), stored)
    return row, stored


def _store_prepared(store: Store, prepared: Prepared, user: Principal) -> InstanceRow:
    """Store an upload a child process has made ready (api/parse_child.py)."""
    return store.add_instance(
        NewInstance(
            name=prepared.name,
            week=prepared.week,
            region=_check_region(user, prepared.region),
            source="upload",
            created_by=user.name,
            data=prepared.data,
            sha256=prepared.sha256,
            providers=prepared.providers,
            counts=prepared.counts,
        )
    )


@router.post(
    "/instances",
    status_code=201,
    response_model=InstanceCreated,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "application/json": {"schema": {"type": "object"}},
            }
        }
    },
)
async def create_instance(
    request: Request, user: Coordinator, store: StoreDep, settings: SettingsDep
) -> InstanceCreated:
    """Upload a week's instance: multipart field `file` (a zip of the FORMAT.md folder, or a
    .json), or a JSON body {"instance": {…}, "clients": […], "placements": […],
    "providers": […], "funding": […], "decisions": […]}. Problems → 422 with file, line,
    column and message for each."""
    ctype = request.headers.get("content-type", "")
    default_name = "instance"
    if ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HttpError(422, "error.upload.file_missing_instance")
        if upload.filename:
            default_name = safe_name(Path(upload.filename).stem)
        with tempfile.TemporaryDirectory(prefix="polku-upload-") as tmp:
            path = await run_in_threadpool(_spool, upload, Path(tmp))
            if await run_in_threadpool(
                goes_to_child, path, settings.parse_in_child_bytes, settings.max_unzipped_bytes
            ):
                prepared = await prepare_in_child(path, settings.zip_limits(), default_name)
                row = await run_in_threadpool(_store_prepared, store, prepared, user)
                return _created(row, prepared.warnings, False)
            files, is_json = await run_in_threadpool(_files_from_path, path, settings)
        request.state.json_upload = is_json
    elif ctype.startswith("application/json"):
        request.state.json_upload = True
        body = await request.body()
        files = await run_in_threadpool(lambda: files_from_json(_json_payload(body, settings)))
    else:
        raise HttpError(415, "error.upload.media_instance")
    inst, warnings = await run_in_threadpool(parse_files, files, default_name)
    row, _ = await run_in_threadpool(_store_instance, store, request, inst, user)
    return _created(row, warnings, bool(getattr(request.state, "json_upload", False)))


def _created(row: InstanceRow, warnings: list[Problem], is_json: bool) -> InstanceCreated:
    """The answer to an upload: the stored instance and the warnings its reading gave."""
    return InstanceCreated(
        id=row.id,
        name=row.name,
        week=row.week,
        region=row.region,
        counts=row.counts,
        warnings=[ProblemOut.model_validate(p) for p in problem_dicts(warnings, is_json)],
    )


def instance_out(store: Store, row: InstanceRow) -> InstanceOut:
    runs = store.list_runs(row.id)
    published = next((r.id for r in runs if r.published), None)
    return InstanceOut(
        id=row.id,
        name=row.name,
        week=row.week,
        region=row.region,
        source=row.source,
        parent_instance_id=row.parent_instance_id,
        parent_run_id=row.parent_run_id,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        sha256=row.sha256,
        size=row.size,
        counts=row.counts,
        runs=[r.id for r in runs],
        published_run=published,
    )


@router.get("/instances", response_model=list[InstanceOut], responses=ERRORS)
def list_instances(user: Coordinator, store: StoreDep) -> list[InstanceOut]:
    """The instances the caller may see (a coordinator: their region's)."""
    from api.auth import can_see_instance

    return [instance_out(store, r) for r in store.list_instances() if can_see_instance(user, r)]


def _instance_answer(store: Store, user: Principal, instance_id: int) -> InstanceOut:
    return instance_out(store, visible_instance(store, user, instance_id))


@router.get("/instances/{instance_id}", response_model=InstanceOut, responses=ERRORS)
async def get_instance(instance_id: InstanceId, user: Coordinator, store: StoreDep) -> InstanceOut:
    return await quick(store, _instance_answer, store, user, instance_id)


@router.get(
    "/instances/{instance_id}/download",
    responses={**ERRORS, 200: {"content": {"application/zip": {}}}},
)
def download_instance(instance_id: InstanceId, user: Coordinator, store: StoreDep) -> Response:
    """The stored instance as a FORMAT.md zip."""
    row = visible_instance(store, user, instance_id)
    return Response(
        store.instance_data(row.id),
        media_type="application/zip",
        headers={"Content-Disposition": content_disposition(f"{row.name}.zip")},
    )


@router.get("/instances/{instance_id}/runs", response_model=list[RunOut], responses=ERRORS)
def list_runs(instance_id: InstanceId, user: Coordinator, store: StoreDep) -> list[RunOut]:
    row = visible_instance(store, user, instance_id)
    return [run_out(store, r) for r in store.list_runs(row.id)]


@router.post(
    "/instances/{instance_id}/clients",
    status_code=201,
    response_model=ClientsAdded,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"clients": {"type": "array", "items": {"type": "object"}}},
                    }
                },
            }
        }
    },
)
async def add_clients(
    instance_id: InstanceId,
    request: Request,
    user: Coordinator,
    store: StoreDep,
    settings: SettingsDep,
) -> ClientsAdded:
    """Add the new queue to an instance that has no runs yet (e.g. the one next-week built):
    multipart `file` (a clients.csv) or JSON {"clients": [ … ]}; validated like an upload."""
    row = visible_instance(store, user, instance_id)
    if store.list_runs(row.id):
        raise HttpError(409, "error.instance.has_runs", id=row.id)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HttpError(422, "error.upload.file_missing_clients")
        data = await upload.read()
        if _looks_like_json(data[:64]):
            request.state.json_upload = True
            data = await run_in_threadpool(
                lambda: clients_csv_from_json(_json_payload(data, settings))
            )
    elif ctype.startswith("application/json"):
        request.state.json_upload = True
        body = await request.body()
        data = await run_in_threadpool(lambda: clients_csv_from_json(_json_payload(body, settings)))
    else:
        raise HttpError(415, "error.upload.media_clients")

    def work() -> ClientsAdded:
        inst = load_instance(request, store, row)
        merged = append_clients(inst, data)
        blob = instance_zip(merged)
        stored = load_stored(blob, merged.name)
        new_row = store.replace_instance_data(
            row.id, blob, sha256(blob), counts_of(stored), provider_ids(stored)
        )
        request.app.state.instances.put((new_row.id, new_row.sha256), stored)
        return ClientsAdded(
            id=row.id, added=len(merged.clients) - len(inst.clients), counts=new_row.counts
        )

    return await run_in_threadpool(work)


@router.post(
    "/instances/{instance_id}/runs", status_code=201, response_model=RunOut, responses=ERRORS
)
def create_run(
    instance_id: InstanceId,
    body: RunRequest,
    request: Request,
    user: Coordinator,
    store: StoreDep,
    settings: SettingsDep,
) -> RunOut:
    """Queue a run of the instance (solved by a worker process). Weights override the
    instance's; an unknown or bad weight is a 422 naming the key."""
    row = visible_instance(store, user, instance_id)
    if store.published_run_of(row.id) is not None:
        raise HttpError(409, "error.instance.published", id=row.id)
    time_limit = body.time_limit if body.time_limit is not None else settings.default_time_limit
    if time_limit > settings.max_time_limit:
        raise HttpError(
            422, "error.run.time_limit", value=time_limit, limit=settings.max_time_limit
        )
    inst = load_instance(request, store, row)
    weights = merged_weights(inst, body.weights, settings.max_weight)
    req: dict[str, object] = {
        "time_limit": time_limit,
        "weights": weights,
        "mode": body.mode,
        "seed": body.seed,
        "workers": body.workers or settings.solver_threads,
    }
    if body.kind == "shortlist":
        req.update(kind="shortlist", per_seat=body.per_seat, max_lists=body.max_lists)
    run = store.add_run(row.id, req, user.name, settings.max_queued_runs)
    return run_out(store, run)
