"""Liveness without a token, and who-am-I for a token."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import AnyUser, StoreDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(request: Request, store: StoreDep) -> Health:
    """Is the service up, can it read its database, how many solver processes are alive."""
    try:
        store.ping()
        database = "ok"
    except Exception as exc:  # reported, not raised: this is the health check
        database = f"error: {exc}"
    supervisor = getattr(request.app.state, "supervisor", None)
    workers = supervisor.alive() if supervisor is not None else None
    return Health(
        status="ok" if database == "ok" else "degraded", database=database, workers=workers
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
