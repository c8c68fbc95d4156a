"""Health without a token (honest: a database that cannot be written or a disk nearly full is
`degraded` with 503), and who-am-I for a token."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request, Response

from api.deps import AnyUser, SettingsDep
from api.schemas import Health
from api.security import free_bytes
from api.store import Store

router = APIRouter(tags=["health"])
WRITE_CHECK_SECONDS = 1.0  # the database write and the free disk are probed this often


class HealthProbe:
    """The health figures, probed off the event loop: a background thread tries a real database
    write and reads the free disk every `interval` seconds, so /health only reads the latest
    figures and answers at once even while the database or the disk is slow. Without the
    thread (an app whose lifespan has not started) /health probes itself, at most that often."""

    def __init__(
        self,
        store: Store,
        db: str,
        interval: float = WRITE_CHECK_SECONDS,
        report_to: Path | None = None,
        workers: Callable[[], int] | None = None,
    ):
        self.store = store
        self.db = db
        self.interval = interval
        self.report_to = report_to  # with `polku serve --processes N`: where the servers read it
        self.count_workers = workers
        self._latest: tuple[float, str, int | None] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def probe(self) -> tuple[float, str, int | None]:
        """Try a database write and read the free disk now."""
        try:
            self.store.ping_write()
            database = "ok"
        except Exception as exc:  # reported, not raised: this is the health check
            database = f"error: {type(exc).__name__}: {exc}"
        self._latest = (time.monotonic(), database, free_bytes(self.db))
        if self.report_to is not None:
            self._report(self.report_to, database, self._latest[2])
        return self._latest

    def _report(self, path: Path, database: str, free: int | None) -> None:
        """Write the figures for the server processes (atomically: temp file + rename)."""
        workers = self.count_workers() if self.count_workers is not None else None
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(
            json.dumps({"at": time.time(), "database": database, "free": free, "workers": workers})
        )
        os.replace(tmp, path)

    def workers(self) -> int | None:
        """Solver processes alive, when this process does not supervise them itself."""
        return None

    def current(self) -> tuple[str, int | None]:
        """(database state, free bytes) as last probed; probed now when no thread keeps them
        fresh."""
        latest = self._latest
        running = self._thread is not None and self._thread.is_alive()
        if latest is None or (not running and time.monotonic() - latest[0] >= self.interval):
            latest = self.probe()
        return latest[1], latest[2]

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.probe()
            except Exception as exc:  # the probe must keep going
                self._latest = (time.monotonic(), f"error: {exc}", None)
            self._stop.wait(self.interval)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="polku-health", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None


class FollowedHealth:
    """The health figures in a server process of `polku serve --processes N`: read from the
    file the main process's `HealthProbe` rewrites every second (one probe and one supervisor
    for all server processes); a report older than `stale` seconds is itself an error."""

    def __init__(self, path: Path, stale: float = 5 * WRITE_CHECK_SECONDS):
        self.path = path
        self.stale = stale
        self._last: tuple[float, dict] = (0.0, {})

    def _read(self) -> dict:
        now = time.monotonic()
        if now - self._last[0] >= 0.2:  # /health under load: the file read at most 5× a second
            try:
                report = json.loads(self.path.read_text())
            except (OSError, ValueError) as exc:
                report = {"at": 0.0, "database": f"error: no health report ({exc})"}
            self._last = (now, report)
        return self._last[1]

    def current(self) -> tuple[str, int | None]:
        report = self._read()
        age = time.time() - float(report.get("at", 0.0))
        if age > self.stale:
            return (f"error: the main process's health probe last reported {age:.0f} s ago", None)
        return str(report.get("database", "error: no report")), report.get("free")

    def workers(self) -> int | None:
        return self._read().get("workers")

    def start(self) -> None:
        """Nothing to start: the main process probes."""

    def stop(self) -> None:
        """Nothing to stop."""


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request, response: Response, settings: SettingsDep) -> Health:
    """Is the service up: can it write its database, how much disk is free, how many solver
    processes are alive. 503 (status `degraded`) when a write fails or the disk is nearly full.
    Answered on the event loop from the figures a background thread probes every second."""
    probe: HealthProbe | FollowedHealth = request.app.state.health
    database, free = probe.current()
    disk_ok = free is None or free >= settings.min_free_bytes
    supervisor = getattr(request.app.state, "supervisor", None)
    workers = supervisor.alive() if supervisor is not None else probe.workers()
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
