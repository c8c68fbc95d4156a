"""Health without a token (honest: a database that cannot be written or a disk nearly full is
`degraded` with 503), and who-am-I for a token."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.deps import AnyUser, SettingsDep, StoreDep
from api.schemas import Health
from api.security import free_bytes

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(request: Request, response: Response, store: StoreDep, settings: SettingsDep) -> Health:
    """Is the service up: can it write its database, how much disk is free, how many solver
    processes are alive. 503 (status `degraded`) when a write fails or the disk is nearly full."""
    try:
        store.ping_write()
        database = "ok"
    except Exception as exc:  # reported, not raised: this is the health check
        database = f"error: {type(exc).__name__}: {exc}"
    free = free_bytes(settings.db)
    disk_ok = free is None or free >= settings.min_free_bytes
    supervisor = getattr(request.app.state, "supervisor", None)
    workers = supervisor.alive() if supervisor is not None else None
    ok = database == "ok" and disk_ok
    if not ok:
        response.status_code = 503
    return Health(
        status="ok" if ok else "degraded",
        database=database,
        workers=workers,
        free_disk_mb=None if free is None else free // 2**20,
    )


@router.get("/me")
def me(user: AnyUser) -> dict[str, object]:
    """The caller's token: name, role, region and providers."""
    return {
        "name": user.name,
        "role": user.role,
        "region": user.region,
        "providers": sorted(user.providers),
    }
