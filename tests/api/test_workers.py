"""Several workers on one PostgreSQL database (issue 18): claims from concurrent processes never
overlap, and runs queued through 2 service processes (each with its own solver worker) are
each solved exactly once."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import create_token
from api.store import NewInstance, open_store
from instances.generate import generate_instance
from instances.write import write_instance
from tests.api.server import Server

ON_POSTGRES = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def _claim_all(db: str, name: str, start: Any, out: Any) -> None:
    """A worker that only claims: every run it gets, until the queue is empty (starting when
    the other process is ready too, so the claims interleave)."""
    with open_store(db) as store:
        store.ping()  # connected before the start line
        start.wait(60)
        got = []
        while (run := store.claim_next_run(name, 0)) is not None:
            got.append(run.id)
            time.sleep(0.001)  # a worker does something between claims: the other gets its turn
        out.put(got)


@ON_POSTGRES
def test_two_processes_claiming_at_once_never_take_the_same_run(db_url, open_db):
    store = open_db()
    store.migrate()
    inst = store.add_instance(
        NewInstance("w", "2026-W48", "savo", "upload", "t", b"zip", "x", ("v1",))
    )
    queued = {store.add_run(inst.id, {"time_limit": 1}, "t").id for _ in range(200)}
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(2)
    procs = [ctx.Process(target=_claim_all, args=(db_url, f"w{i}", start, out)) for i in range(2)]
    for p in procs:
        p.start()
    got = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    claimed = got[0] + got[1]
    assert sorted(claimed) == sorted(queued)  # every run once, none twice
    assert all(r.attempts == 1 and r.status == "running" for r in store.list_runs())


@ON_POSTGRES
def test_a_starting_service_interrupts_only_runs_whose_worker_is_gone(open_db):
    worker, starting = open_db(), open_db()  # two processes' stores
    worker.migrate()
    inst = worker.add_instance(
        NewInstance("w", "2026-W48", "savo", "upload", "t", b"zip", "x", ("v1",))
    )
    live, dead = (worker.add_run(inst.id, {}, "t").id for _ in range(2))
    assert worker.claim_next_run("live", 1).id == live
    assert starting.claim_next_run("dead", 2).id == dead
    starting.close()  # that worker's process dies: its connections close, its lock goes
    assert open_db().interrupt_running() == 1
    assert (worker.get_run(live).status, worker.get_run(dead).status) == ("running", "interrupted")
    assert worker.finish_run(live, "live", "done", "{}", None)  # the live one ends normally
    assert open_db().interrupt_running() == 0


@ON_POSTGRES
def test_two_servers_with_a_worker_each_solve_every_run_exactly_once(
    db_url, open_db, tmp_path: Path
):
    open_db().migrate()
    region = "pohjois-savo"
    token = create_token(db_url, "coordinator", region=region, name="Kaisa")
    # a week not proved optimal at once, so each run holds its worker for its time limit
    week = write_instance(generate_instance(region, 3000, seed=5), tmp_path / "week.zip")
    servers = [Server(db_url, tmp_path / f"server{i}.log") for i in range(2)]
    clients = [
        httpx.Client(base_url=s.url, timeout=30, headers={"Authorization": f"Bearer {token}"})
        for s in servers
    ]
    try:
        for s in servers:
            s.start()
        deadline = time.monotonic() + 60  # and both solver processes forked (engine preloaded)
        while not all("started worker process" in s.log.read_text() for s in servers):
            assert time.monotonic() < deadline, "a worker process did not start"
            time.sleep(0.2)
        zipped = {"file": (week.name, week.read_bytes(), "application/zip")}
        r = clients[0].post("/instances", files=zipped)
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        runs = []
        for k in range(5):  # the per-user cap (max_queued_runs) is 5, across both servers
            r = clients[k % 2].post(f"/instances/{iid}/runs", json={"time_limit": 2, "workers": 1})
            assert r.status_code == 201, r.text
            runs.append(r.json()["id"])
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            statuses = [clients[1].get(f"/runs/{rid}").json()["status"] for rid in runs]
            if all(s in ("done", "failed", "cancelled", "interrupted") for s in statuses):
                break
            time.sleep(0.5)
        rows = open_db().list_runs(iid)
        assert [r.status for r in rows] == ["done"] * 5, [(r.status, r.error) for r in rows]
        assert all(r.attempts == 1 for r in rows)  # claimed once each: never solved twice
        assert len({r.worker_pid for r in rows}) == 2, "both servers' workers solved runs"
    finally:
        for c in clients:
            c.close()
        for s in servers:
            s.stop()
