"""FastAPI dependency aliases the routers share: the store, the settings and the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import Principal, current_user, get_store, require_role
from api.settings import Settings
from api.store import Store


def get_settings(request: Request) -> Settings:
    """The application's settings (dependency)."""
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AnyUser = Annotated[Principal, Depends(current_user)]
Coordinator = Annotated[Principal, Depends(require_role("admin", "coordinator"))]
