"""FastAPI dependency aliases the routers share: the store, the settings and the caller."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.auth import Principal, current_user, get_store, require_role
from api.settings import Settings
from api.store import Store

T = TypeVar("T")


async def quick(store: Store, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` for work that is a few store reads and a little CPU: run on the event loop
    when the store's reads take microseconds (SQLite: no thread-pool hop, ~0.2 ms saved per
    request), in the thread pool when a read may wait (PostgreSQL over the network)."""
    if store.reads_on_loop:
        return fn(*args)
    return await run_in_threadpool(fn, *args)


async def get_settings(request: Request) -> Settings:
    """The application's settings (dependency; async, as it never waits: no threadpool hop)."""
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
AnyUser = Annotated[Principal, Depends(current_user)]
Coordinator = Annotated[Principal, Depends(require_role("admin", "coordinator"))]

# Ids are bounded so that no value reaches SQLite's 64-bit integers (an id above is a 422 with
# the field named, not an OverflowError); 2^53 - 1 also keeps every id exact in JavaScript.
MAX_ID = 2**53 - 1
RunId = Annotated[int, Path(ge=1, le=MAX_ID, description="a run id")]
InstanceId = Annotated[int, Path(ge=1, le=MAX_ID, description="an instance id")]
ClientId = Annotated[str, Path(min_length=1, max_length=200, description="a client id")]


async def request_lang(
    request: Request,
    lang: Annotated[
        Literal["en", "fi"] | None,
        Query(description="language of reason and explanation texts (else Accept-Language, en)"),
    ] = None,
) -> str:
    """The language for reason texts: `?lang=`, else the first of Accept-Language we have, else en."""
    from matcher.messages import DEFAULT_LANG, from_accept_language

    return lang or from_accept_language(request.headers.get("accept-language")) or DEFAULT_LANG


Lang = Annotated[str, Depends(request_lang)]
