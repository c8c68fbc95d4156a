"""The service part of `make demo`: a database holding the generated week, printed tokens for a
coordinator, two liaisons and an admin, then the running service.

It starts the real server, and with the printed coordinator token solves the week (a short run),
publishes it, ends one placement early and records its outcome, builds, solves and publishes
week 49, and prints the period report of the two weeks (`polku report --db`, its files written);
then on a terminal it serves until Ctrl-C, otherwise (CI) it stops.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from api.auth import create_token
from api.store import NewInstance, open_store
from api.uploads import counts_of, instance_zip, load_stored, provider_ids, region_of, sha256


def _free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def prepare(instance_dir: Path, db_path: Path) -> dict[str, str]:
    """A fresh database with the week stored and one token per demo role: {label: token}."""
    from instances.read import read_instance

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    store = open_store(str(db_path))
    store.migrate()
    inst = read_instance(instance_dir)
    data = instance_zip(inst)
    stored = load_stored(data, inst.name)
    region = region_of(stored)
    store.add_instance(
        NewInstance(
            name=inst.name,
            week=inst.week,
            region=region,
            source="upload",
            created_by="demo",
            data=data,
            sha256=sha256(data),
            providers=provider_ids(stored),
            counts=counts_of(stored),
        )
    )
    busiest = stored.placements["provider_id"].value_counts().index[:2].tolist()
    tokens = {
        f"coordinator ({region})": create_token(
            store, "coordinator", region=region, name="Demo coordinator"
        ),
        f"liaison ({busiest[0]})": create_token(
            store, "liaison", region=region, providers=[busiest[0]], name=f"Liaison {busiest[0]}"
        ),
        f"liaison ({busiest[-1]})": create_token(
            store, "liaison", region=region, providers=[busiest[-1]], name=f"Liaison {busiest[-1]}"
        ),
        "admin": create_token(store, "admin", name="Demo admin"),
    }
    store.close()
    return tokens


def _call(url: str, token: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _solved(url: str, token: str, instance_id: int, deadline: float) -> dict:
    """Queue a 5-second run of the instance on the service and wait for it."""
    run = _call(f"{url}/instances/{instance_id}/runs", token, "POST", {"time_limit": 5})
    while run["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        run = _call(f"{url}/runs/{run['id']}", token)
    return run


def service_chain(url: str, token: str, run: dict, deadline: float) -> str | None:
    """Week 48's run published, one placement ended early and its outcome recorded by the
    coordinator, week 49 built, solved and published on the service; the last week or None."""
    _call(f"{url}/runs/{run['id']}/publish", token, "POST")
    print(f"  published run {run['id']} (week 48)")
    holding = _call(f"{url}/runs/{run['id']}/outcomes", token)["holding"]
    if holding:
        held = holding[0]
        where = f"{url}/runs/{run['id']}/placements/{held['placement_id']}"
        end = {"client_ids": [held["client_id"]], "reason": "motivaatio hiipui"}
        _call(f"{where}/end", token, "POST", {**end, "end_week": "2026-W48"})
        outcome = {"client_id": held["client_id"], "outcome": "training"}
        _call(f"{where}/outcome", token, "POST", outcome)
        print(
            f"  {held['client_id']} ended {held['placement_id']} early (motivation faded); "
            "outcome recorded: training"
        )
    new = _call(f"{url}/runs/{run['id']}/next-week", token, "POST")
    second = _solved(url, token, new["id"], deadline)
    if second["status"] != "done":
        return None
    _call(f"{url}/runs/{second['id']}/publish", token, "POST")
    print(f"  week 49 ({new['name']}) solved and published: run {second['id']}")
    return str(new["week"])


def run_service_demo(
    instance_dir: Path,
    db_path: Path,
    interactive: bool,
    host: str = "127.0.0.1",
    port: int = 8000,
    report_dir: Path | None = None,
) -> int:
    """Store the week, print the tokens, run the two-week chain on the service and print its
    period report (`polku report --db`), then serve (see module doc); exit code."""
    from cli.main import main as polku

    tokens = prepare(Path(instance_dir), Path(db_path))
    port = _free_port(port)
    url = f"http://{host}:{port}"
    coordinator = next(t for k, t in tokens.items() if k.startswith("coordinator"))
    region = next(k for k in tokens if k.startswith("coordinator"))[len("coordinator (") : -1]
    print(f"\n=== The service: polku serve --db {db_path} --port {port}")
    for label, token in tokens.items():
        print(f"  {label:28} {token}")
    print(f"\n  curl -H 'Authorization: Bearer {coordinator}' {url}/instances")
    print(f"  pages: {url}/ (paste a token); the period report at {url}/report", flush=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--db", str(db_path), "--host", host]
        + ["--port", str(port)],
        env={**os.environ, "POLKU_SOLVER_THREADS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300  # a loaded shared machine is slow to start
        while time.monotonic() < deadline:
            try:
                if _call(f"{url}/health", "")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.3)
        instances = _call(f"{url}/instances", coordinator)
        run = _solved(url, coordinator, instances[0]["id"], deadline)
        if run["status"] != "done":
            print(f"demo: the service's run {run['id']} is {run['status']}", file=sys.stderr)
            return 1
        summary = _call(f"{url}/runs/{run['id']}/summary", coordinator)
        print(
            f"\n=== Week 48 on the service, then week 49 from it\n  instance "
            f"{instances[0]['name']}, run {run['id']} done, {summary.get('assigned', 0)} placed"
        )
        last = service_chain(url, coordinator, run, deadline)
        if last is None:
            print("demo: week 49 did not finish on the service", file=sys.stderr)
            return 1
        argv = ["report", "--db", str(db_path), "--region", region, "--from", "2026-W48"]
        argv += ["--to", last, "--lang", "fi", "--out", str(report_dir or db_path.parent)]
        print(f"\n=== The period report of the service's two weeks\n$ polku {' '.join(argv)}")
        if polku(argv) != 0:
            return 1
        if interactive:
            print(f"\n  serving on {url} (Ctrl-C stops the service)", flush=True)
            try:
                proc.wait()
            except KeyboardInterrupt:
                pass
        else:
            print("\n  service check done; stopping (not a terminal)")
        return 0
    finally:
        proc.terminate()
        proc.wait(30)
