"""A full disk (a small tmpfs mounted for the test; skipped where mounting is not allowed):
write routes answer 507 with a message, /health says degraded (503), and the service writes
again once space is back; a run whose worker hits the full disk is failed with a message and
restarts once space is back; below the free-space limit every write route of the schema is 507."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import threading
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient

from api import uploads as api_uploads
from tests.api.support import make_api, week_records


@pytest.fixture
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill_up(folder: Path) -> Path:
    """Fill the filesystem of `folder` to the last byte."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (65536, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * size)
    return filler


def test_full_disk_is_507_with_a_message_and_health_degraded(small_disk):
    api = make_api(small_disk, min_free_bytes=0)  # the real ENOSPC, not the guard
    api.upload_week()
    # answers as a real client sees them (the 507 comes from the last-resort handler)
    api.client = TestClient(api.client.app, raise_server_exceptions=False)
    filler = fill_up(small_disk)
    with pytest.raises(OSError) as exc:
        (small_disk / "probe").write_bytes(b"x" * 4096)
    assert exc.value.errno == errno.ENOSPC
    rec = week_records()
    rec["instance"]["name"] = "savo-2026-W49"
    r = api.post("/instances", json=rec)
    assert r.status_code == 507 and "disk is full" in r.json()["detail"], r.text
    health = api.client.get("/health")
    assert health.status_code == 503 and health.json()["status"] == "degraded"
    filler.unlink()
    fresh = make_api(small_disk, min_free_bytes=0)  # new connections once space is back
    assert fresh.post("/instances", json=rec).status_code == 201


def test_a_run_that_hits_a_full_disk_fails_and_restarts_once_space_is_back(small_disk):
    api = make_api(small_disk, min_free_bytes=0, failure_retry_seconds=60)
    iid = api.upload_week()
    r = api.post(f"/instances/{iid}/runs", json={"time_limit": 5})
    assert r.status_code == 201, r.text
    run = r.json()["id"]
    real_load = api_uploads.load_stored
    timers = []

    def load_then_fill(*args, **kw):
        """The disk fills up once the worker has claimed the run; space comes back 3 s later
        (a failure that cannot be written at once is retried meanwhile)."""
        filler = fill_up(small_disk)
        timers.append(threading.Timer(3.0, lambda: filler.unlink(missing_ok=True)))
        timers[-1].start()
        return real_load(*args, **kw)

    with mock.patch("api.uploads.load_stored", side_effect=load_then_fill):
        api.solve_queued()
    timers[0].join()
    failed = api.get(f"/runs/{run}").json()
    assert failed["status"] == "failed" and "disk is full" in failed["error"], failed
    restarted = api.post(f"/runs/{run}/restart")
    assert restarted.status_code == 200 and restarted.json()["status"] == "queued", restarted.text
    api.solve_queued()
    assert api.get(f"/runs/{run}").json()["status"] == "done"
    assert api.get(f"/runs/{run}/summary").json()["assigned"] == 3


def write_routes(api) -> list[tuple[str, str]]:
    """Every write route of the served schema: (method, path template)."""
    schema = api.client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, ops in schema["paths"].items()
        for method in ops
        if method.upper() in ("POST", "PUT", "PATCH", "DELETE")
    ]


def test_every_write_route_is_507_below_the_free_space_limit(small_disk):
    ready = make_api(small_disk, min_free_bytes=0)
    iid = ready.upload_week()
    run = ready.solved_run(iid)
    # the same database with a limit above the whole 8 MiB disk: nothing may be written
    full = make_api(small_disk, min_free_bytes=64 * 2**20)
    full.headers = ready.headers
    routes = write_routes(full)
    assert len(routes) >= 9
    for method, path in routes:
        url = path.replace("{instance_id}", str(iid)).replace("{run_id}", str(run))
        r = full.client.request(method, url, headers=full.as_("coord"), json={})
        assert r.status_code == 507, (method, path, r.status_code, r.text)
        assert "disk is full" in r.json()["detail"] and "MiB free" in r.json()["detail"]
    assert full.get(f"/runs/{run}").status_code == 200  # reads still work
