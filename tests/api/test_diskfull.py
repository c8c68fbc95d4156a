"""A full disk (a small tmpfs mounted for the test; skipped where mounting is not allowed):
write routes answer 507 with a message, /health says degraded (503), and the service writes
again once space is back. (A run whose worker hits the full disk is not covered here yet.)"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

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
