"""End to end: the real server (`polku serve`, uvicorn, worker processes) on 127.0.0.1, the whole
weekly workflow through HTTP with a coordinator and two liaisons, a crash and restart midway
(nothing lost, the running run interrupted and restartable), publish, next week.

Solves a generated 300-client Pohjois-Savo week with time limits of a few seconds.
"""

from __future__ import annotations

import csv
import io
import signal
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.auth import create_token
from instances.generate import generate_instance
from instances.write import write_instance
from tests.api.server import Server, pairs_of
from tests.api.support import PROPOSAL_FIELDS, SENSITIVE

REGION = "pohjois-savo"


@pytest.fixture
def server(tmp_path: Path, db_url: str) -> Iterator[Server]:
    srv = Server(db_url, tmp_path / "server.log")
    yield srv
    srv.stop()


def wait_for(client: httpx.Client, run_id: int, statuses: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} never reached {statuses}: {run}")


def start_run(client: httpx.Client, instance_id: int, seconds: float) -> int:
    r = client.post(f"/instances/{instance_id}/runs", json={"time_limit": seconds, "seed": 1})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_whole_week_through_http(server: Server, tmp_path: Path) -> None:
    t0 = time.monotonic()
    laps: list[tuple[str, float]] = []

    def lap(name: str) -> None:
        laps.append((name, time.monotonic() - t0 - sum(t for _, t in laps)))

    inst = generate_instance(REGION, 300, seed=3)
    zip_path = write_instance(inst, tmp_path / f"{inst.name}.zip")
    # (`polku token create` itself is tested in tests/api/test_store.py; same function)
    coordinator = create_token(server.db, "coordinator", region=REGION, name="Kaisa")
    lap("generate + token")
    server.start()
    lap("server start")
    coord = httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {coordinator}"}
    )

    # 1. upload the week (and see a broken one refused with its problems)
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("instance.json", '{"format_version": 1, "name": "x", "week": "2026-W48"}')
        zf.writestr("clients.csv", "id,municipality\nc1,Kuopio\n")
    r = coord.post("/instances", files={"file": ("x.zip", broken.getvalue(), "application/zip")})
    assert r.status_code == 422 and r.json()["problems"][0]["file"]
    r = coord.post(
        "/instances", files={"file": (zip_path.name, zip_path.read_bytes(), "application/zip")}
    )
    assert r.status_code == 201, r.text
    week = r.json()["id"]
    queue = r.json()["counts"]["queue"]

    # 2. run, poll with live progress
    first = start_run(coord, week, 2)
    running = wait_for(coord, first, {"running", "done"})
    done = wait_for(coord, first, {"done", "failed"})
    assert done["status"] == "done", done
    assert done["progress"]["objective"] > 0 and done["progress"]["elapsed"] > 0
    assert running["status"] in ("running", "done")
    lap("upload + first run")

    # 3. allocation, CSV, summary, explanations
    alloc1 = coord.get(f"/runs/{first}/allocation").json()
    assert len(alloc1["assignments"]) + len(alloc1["unassigned"]) == queue
    rows = list(
        csv.DictReader(
            io.StringIO(coord.get(f"/runs/{first}/allocation", params={"format": "csv"}).text)
        )
    )
    assert len(rows) == len(alloc1["assignments"])
    summary = coord.get(f"/runs/{first}/summary").json()
    assert summary["assigned"] == len(alloc1["assignments"])
    placed_client = alloc1["assignments"][0]["client_id"]
    left_client = alloc1["unassigned"][0]["client_id"]
    assert coord.get(f"/runs/{first}/clients/{placed_client}").json()["state"] == "assigned"
    left = coord.get(f"/runs/{first}/clients/{left_client}").json()
    assert left["state"] == "unassigned" and left["reasons"]

    # 4. two liaisons, each with the proposals of their own provider
    provider_of = dict(zip(inst.placements["id"], inst.placements["provider_id"], strict=True))
    by_provider: dict[str, list[tuple[str, str]]] = {}
    for c, p in sorted(pairs_of(alloc1)):
        by_provider.setdefault(provider_of[p], []).append((c, p))
    prov_a, prov_b = sorted(by_provider, key=lambda v: (-len(by_provider[v]), v))[:2]
    liaisons = {}
    for who, prov in (("A", prov_a), ("B", prov_b)):
        token = create_token(
            server.db, "liaison", region=REGION, providers=[prov], name=f"Liaison {who}"
        )
        liaisons[who] = httpx.Client(
            base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
    view_a = liaisons["A"].get(f"/runs/{first}/proposals").json()["proposals"]
    assert {(p["client_id"], p["placement_id"]) for p in view_a} == set(by_provider[prov_a])
    assert all(set(p) == PROPOSAL_FIELDS and not set(p) & SENSITIVE for p in view_a)
    assert (
        liaisons["A"].get(f"/runs/{first}/proposals", params={"provider_id": prov_b}).status_code
        == 404
    )
    assert liaisons["A"].get(f"/runs/{first}/allocation").status_code == 403
    rejected = by_provider[prov_a][0]
    accepted = by_provider[prov_b][0]
    r = liaisons["A"].post(
        f"/runs/{first}/decisions",
        json={
            "client_id": rejected[0],
            "placement_id": rejected[1],
            "decision": "reject",
            "reason": "the team is full this month",
        },
    )
    assert r.status_code == 201, r.text
    r = liaisons["B"].post(
        f"/runs/{first}/decisions",
        json={
            "client_id": accepted[0],
            "placement_id": accepted[1],
            "decision": "accept",
            "reason": "interview went well",
        },
    )
    assert r.status_code == 201, r.text
    r = liaisons["B"].post(
        f"/runs/{first}/decisions",
        json={"client_id": rejected[0], "placement_id": rejected[1], "decision": "accept"},
    )
    assert r.status_code == 404  # not B's provider
    assert coord.post(f"/instances/{week}/runs", json={"time_limit": "x"}).status_code == 422
    assert (
        coord.post(
            f"/instances/{week}/runs", content=b"{", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )

    lap("read results + liaisons")

    # cancel a long run while it solves (a week large enough not to be proved optimal at once:
    # the 300-client week is, in well under a second, so its run may end before the cancel)
    big = write_instance(generate_instance(REGION, 3000, seed=5), tmp_path / "big.zip")
    r = coord.post("/instances", files={"file": (big.name, big.read_bytes(), "application/zip")})
    assert r.status_code == 201, r.text
    big_week = r.json()["id"]
    long_run = start_run(coord, big_week, 60)
    wait_for(coord, long_run, {"running"})
    assert coord.post(f"/runs/{long_run}/cancel").status_code == 200
    cancelled = wait_for(coord, long_run, {"cancelled", "done", "failed"}, timeout=15)
    assert cancelled["status"] == "cancelled"

    lap("cancel")

    # 5. re-run: the decisions hold
    second = start_run(coord, week, 2)
    assert wait_for(coord, second, {"done", "failed"})["status"] == "done"
    alloc2 = coord.get(f"/runs/{second}/allocation").json()
    assert rejected not in pairs_of(alloc2)
    assert accepted in pairs_of(alloc2)

    lap("re-run")

    # crash midway (SIGKILL while a run solves), start again: nothing lost
    history = coord.get(f"/runs/{second}/decisions").json()
    third = start_run(coord, big_week, 4)
    wait_for(coord, third, {"running"})
    server.stop(signal.SIGKILL)
    server.start()
    lap("crash + restart")
    assert coord.get(f"/runs/{third}").json()["status"] == "interrupted"
    assert coord.get(f"/runs/{first}/allocation").json() == alloc1
    assert coord.get(f"/runs/{second}/allocation").json() == alloc2
    assert coord.get(f"/runs/{second}/decisions").json() == history
    assert coord.get(f"/instances/{week}").json()["runs"] == [first, second]
    assert coord.get(f"/instances/{big_week}").json()["runs"] == [long_run, third]
    assert coord.post(f"/runs/{third}/restart").json()["status"] == "queued"
    restarted = wait_for(coord, third, {"done", "failed"})
    assert restarted["status"] == "done" and restarted["attempts"] == 2

    lap("restarted run")

    # publish: the week is closed from then on
    assert coord.post(f"/runs/{second}/publish").status_code == 200
    assert (
        liaisons["A"]
        .post(
            f"/runs/{second}/decisions",
            json={"client_id": accepted[0], "placement_id": accepted[1], "decision": "accept"},
        )
        .status_code
        == 404
    )
    assert (
        liaisons["B"]
        .post(
            f"/runs/{second}/decisions",
            json={"client_id": accepted[0], "placement_id": accepted[1], "decision": "accept"},
        )
        .status_code
        == 409
    )
    assert coord.post(f"/instances/{week}/runs", json={"time_limit": 1}).status_code == 409

    # 6. next week: placed clients hold their seats; the coordinator adds the new queue
    r = coord.post(f"/runs/{second}/next-week")
    assert r.status_code == 201, r.text
    nxt = r.json()
    assert nxt["week"] == "2026-W49" and nxt["id"] != week
    new_zip = zipfile.ZipFile(io.BytesIO(coord.get(f"/instances/{nxt['id']}/download").content))
    holders = {
        row["id"]: row["current_placement"]
        for row in csv.DictReader(io.StringIO(new_zip.read("clients.csv").decode()))
    }
    for c, p in pairs_of(alloc2):
        assert holders[c] == p
    assert nxt["counts"]["queue"] < queue
    newcomer = dict(next(csv.DictReader(io.StringIO(new_zip.read("clients.csv").decode()))))
    newcomer.update(id="new-1", current_placement="", placement_start_week="")
    r = coord.post(f"/instances/{nxt['id']}/clients", json={"clients": [newcomer]})
    assert r.status_code == 201, r.text
    assert r.json()["counts"]["queue"] == nxt["counts"]["queue"] + 1
    for client in (coord, *liaisons.values()):
        client.close()
    server.stop()
    lap("publish + next week + stop")
    print(
        f"end-to-end workflow took {time.monotonic() - t0:.1f} s: "
        + ", ".join(f"{name} {t:.1f} s" for name, t in laps)
    )
