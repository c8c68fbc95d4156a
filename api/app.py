"""The FastAPI application: `create_app(settings)` wires the store, the routers, the error
handlers, the body limit and the solver worker processes; `serve` runs it with uvicorn, in one
process or (`processes` > 1) in several server processes sharing the port, with the solver
supervisor and the health probe once, in the main process.

The OpenAPI schema is at /openapi.json; the interactive page /docs loads its scripts from a
CDN, so it is off unless POLKU_DOCS=1.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from api.errors import BodyLimit, install_handlers
from api.lookups import AllocationCache, RunInstanceCache
from api.routes import (
    decisions,
    health,
    instances,
    lifecycle,
    pages,
    reports,
    runs,
    shortlists,
    views,
)
from api.routes.health import FollowedHealth, HealthProbe
from api.schemas import ERRORS
from api.security import DiskGuard, SecurityHeaders
from api.settings import Settings
from api.store import Store, open_store
from api.uploads import InstanceCache
from api.worker import Supervisor

log = logging.getLogger("polku.api")
DESCRIPTION = """The weekly allocation workflow of Polku for coordinators and employer liaisons.

Every route but `/health` needs `Authorization: Bearer <token>` (`polku token create`).
Coordinators work on the instances of their region; liaisons see the proposals of their
providers only — anything else is answered 404."""


def mark_interrupted(store: Store) -> None:
    """Runs left `running` by a server that stopped become `interrupted` (restartable); once, in
    the process that supervises the solver."""
    interrupted = store.interrupt_running()
    if interrupted:
        log.warning(
            "%d run(s) were running when the server stopped: marked interrupted", interrupted
        )


def create_app(settings: Settings | None = None, start_worker: bool = True) -> FastAPI:
    """The service over `settings.db`; with `start_worker`, solver processes start with the app
    (tests that solve runs in-process pass False and call `api.worker.run_one`)."""
    settings = settings or Settings.from_env()
    store = open_store(settings.db, settings.db_lock_timeout)
    store.migrate()
    follower = settings.health_file is not None  # one of `serve`'s server processes

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if follower:  # the main process supervises, probes and marked stale runs
            try:
                yield
            finally:
                store.close()
            return
        mark_interrupted(store)
        app.state.health.start()
        supervisor = None
        if start_worker:
            supervisor = Supervisor(store, settings.db, settings)
            supervisor.start()
        app.state.supervisor = supervisor
        try:
            yield
        finally:
            app.state.health.stop()
            if supervisor is not None:
                supervisor.stop()
            store.close()  # its connections (a later call opens new ones)

    app = FastAPI(
        title="Polku",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if settings.docs else None,
        redoc_url=None,
        responses=ERRORS,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.supervisor = None
    app.state.instances = InstanceCache(settings.cache_instances)
    app.state.allocations = AllocationCache()
    app.state.run_instances = RunInstanceCache()
    app.state.health = (
        FollowedHealth(Path(settings.health_file))
        if settings.health_file
        else HealthProbe(store, settings.db)
    )
    install_handlers(app)
    app.add_middleware(
        BodyLimit, upload_bytes=settings.max_upload_bytes, json_bytes=settings.max_json_bytes
    )
    app.add_middleware(DiskGuard, db=settings.db, min_free=settings.min_free_bytes)
    app.add_middleware(SecurityHeaders)  # outermost: every answer, even a 413 or 507
    for module in (
        health,
        instances,
        runs,
        decisions,
        lifecycle,
        shortlists,
        views,
        reports,
        pages,
    ):
        app.include_router(module.router)
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory api.app:app_from_env` (settings from POLKU_*)."""
    return create_app(Settings.from_env())


def serve(
    db_path: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    processes: int = 1,
    **overrides: object,
) -> None:
    """Run the service on host:port over the database at `db_path` until interrupted, in
    `processes` server processes (uvicorn's workers: each answers requests on its own core)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env(None, db=db_path, **overrides)
    if processes <= 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    store = open_store(settings.db, settings.db_lock_timeout)
    store.migrate()
    mark_interrupted(store)
    supervisor = Supervisor(store, settings.db, settings)
    with tempfile.TemporaryDirectory(prefix="polku-serve-") as tmp:
        report = Path(tmp) / "health.json"
        probe = HealthProbe(store, settings.db, report_to=report, workers=supervisor.alive)
        probe.probe()  # the first report exists before any server process answers /health
        probe.start()
        supervisor.start()
        # the server processes are spawned: they read their settings from the environment
        os.environ.update({"POLKU_DB": settings.db, "POLKU_HEALTH_FILE": str(report)})
        try:
            uvicorn.run(
                "api.app:app_from_env",
                factory=True,
                host=host,
                port=port,
                workers=processes,
                log_level="info",
            )
        finally:
            probe.stop()
            supervisor.stop()
            store.close()
