"""`polku serve --processes 2`: two server processes on one port, one solver supervisor and one
health probe in the main process; what one process writes the other reads at once (a decision,
a revoked token), and /health stays honest when the main process's probe stops reporting."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.auth import create_token
from api.routes.health import FollowedHealth
from api.store import open_store
from instances.generate import generate_instance
from instances.write import write_instance
from tests.api.server import Server

REGION = "pohjois-savo"


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.fixture
def server(tmp_path: Path, db_url: str) -> Iterator[Server]:
    srv = Server(db_url, tmp_path / "server.log", processes=2)
    yield srv
    srv.stop()


def test_two_server_processes_share_one_solver_and_see_each_others_writes(
    server: Server, tmp_path: Path
) -> None:
    inst = generate_instance(REGION, 120, seed=5)
    path = write_instance(inst, tmp_path / f"{inst.name}.zip")
    coord = create_token(server.db, "coordinator", region=REGION, name="Kaisa")
    server.start()
    assert server.proc is not None
    spawned = [p for p in children(server.proc.pid) if "spawn_main" in cmdline(p)]
    assert len(spawned) == 2  # the two server processes; the solver hangs off the fork server
    c = httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {coord}"})
    r = c.post("/instances", files={"file": (path.name, path.read_bytes(), "application/zip")})
    assert r.status_code == 201, r.text
    iid = r.json()["id"]
    run = c.post(f"/instances/{iid}/runs", json={"time_limit": 3, "seed": 1}).json()["id"]
    deadline = time.monotonic() + 90
    while c.get(f"/runs/{run}").json()["status"] != "done":
        assert time.monotonic() < deadline, c.get(f"/runs/{run}").json()
        time.sleep(0.2)
    with open_store(str(server.db)) as store:
        attempts = store.get_run(run).attempts
    assert attempts == 1  # claimed once although two processes serve
    deadline = time.monotonic() + 15  # the main process reports every second
    while (health := c.get("/health").json())["workers"] != 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert health["status"] == "ok" and health["workers"] == 1, health

    a = c.get(f"/runs/{run}/allocation").json()["assignments"][0]
    body = {"client_id": a["client_id"], "placement_id": a["placement_id"]}
    r = c.post(f"/runs/{run}/decisions", json={**body, "decision": "reject", "reason": "full"})
    assert r.status_code == 201, r.text
    for _ in range(12):  # whichever process answers, the decision is there
        listed = c.get(f"/runs/{run}/decisions").json()
        assert [d["id"] for d in listed] == [r.json()["id"]]

    with open_store(str(server.db)) as store:
        (token,) = [t for t in store.list_tokens() if t.name == "Kaisa"]
        assert store.revoke_token(token.id)
    for _ in range(12):  # refused by every process on the next request
        assert c.get(f"/runs/{run}").status_code == 401


def test_a_server_process_reports_degraded_when_the_main_probe_goes_quiet(tmp_path: Path) -> None:
    report = tmp_path / "health.json"
    followed = FollowedHealth(report, stale=5.0)
    assert followed.current()[0].startswith("error: the main process's health probe")
    report.write_text(json.dumps({"at": time.time(), "database": "ok", "free": 10, "workers": 1}))
    followed._last = (0.0, {})
    assert followed.current() == ("ok", 10) and followed.workers() == 1
    report.write_text(json.dumps({"at": time.time() - 60, "database": "ok", "free": 10}))
    followed._last = (0.0, {})
    state, free = followed.current()
    assert state.startswith("error: the main process's health probe last reported 60 s ago")
