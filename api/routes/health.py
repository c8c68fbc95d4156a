"""Health without a token (honest: a database that cannot be written or a disk nearly full is
`degraded` with 503), and who-am-I for a token."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response

from api.deps import AnyUser, SettingsDep, StoreDep
from api.schemas import Health
from api.security import free_bytes
from api.store import Store

router = APIRouter(tags=["health"])
WRITE_CHECK_SECONDS = 1.0  # the database write is tried at most this often
_last_write: dict[str, tuple[float, str]] = {}


def database_state(store: Store, db: str) -> str:
    """'ok' when a real write to the database succeeds (tried at most once a second, so a
    monitor polling /health under load adds no write contention), else the error."""
    at, state = _last_write.get(db, (-1e9, ""))
    if time.monotonic() - at < WRITE_CHECK_SECONDS:
        return state
    try:
        store.ping_write()
        state = "ok"
    except Exception as exc:  # reported, not raised: this is the health check
        state = f"error: {type(exc).__name__}: {exc}"
    _last_write[db] = (time.monotonic(), state)
    return state


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(
    request: Request, response: Response, store: StoreDep, settings: SettingsDep
) -> Health:
    """Is the service up: can it write its database, how much disk is free, how many solver
    processes are alive. 503 (status `degraded`) when a write fails or the disk is nearly full.
    Answered on the event loop (not behind busy worker threads): it only costs a write a second."""
    database = database_state(store, settings.db)
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
