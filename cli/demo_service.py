"""The service part of `make demo`: a database holding the generated week, printed tokens for a
coordinator, two liaisons and an admin, then the running service.

On a terminal it serves until Ctrl-C; otherwise (CI) it starts the real server, checks that it
answers with the printed tokens, queues one short run, waits for it, and stops.
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


def run_service_demo(
    instance_dir: Path, db_path: Path, interactive: bool, host: str = "127.0.0.1", port: int = 8000
) -> int:
    """Store the week, print the tokens, serve (see module doc); exit code."""
    tokens = prepare(Path(instance_dir), Path(db_path))
    port = _free_port(port)
    url = f"http://{host}:{port}"
    coordinator = next(t for k, t in tokens.items() if k.startswith("coordinator"))
    print(f"\n=== The service: polku serve --db {db_path} --port {port}")
    for label, token in tokens.items():
        print(f"  {label:28} {token}")
    print(f"\n  curl -H 'Authorization: Bearer {coordinator}' {url}/instances")
    print(
        f"  curl -X POST -H 'Authorization: Bearer {coordinator}' -H 'Content-Type: "
        f"application/json' -d '{{\"time_limit\": 20}}' {url}/instances/1/runs"
    )
    print(f"  OpenAPI: {url}/docs", flush=True)
    if interactive:
        from api.app import serve

        print("  (Ctrl-C stops the service)", flush=True)
        try:
            serve(str(db_path), host, port)
        except KeyboardInterrupt:
            pass
        return 0
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "serve",
            "--db",
            str(db_path),
            "--host",
            host,
            "--port",
            str(port),
        ],
        env={**os.environ, "POLKU_SOLVER_THREADS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if _call(f"{url}/health", "")["status"] == "ok":
                    break
            except OSError:
                time.sleep(0.3)
        instances = _call(f"{url}/instances", coordinator)
        run = _call(
            f"{url}/instances/{instances[0]['id']}/runs", coordinator, "POST", {"time_limit": 5}
        )
        while run["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            run = _call(f"{url}/runs/{run['id']}", coordinator)
        summary = (
            _call(f"{url}/runs/{run['id']}/summary", coordinator) if run["status"] == "done" else {}
        )
        print(
            f"\n  service check: instance {instances[0]['name']}, run {run['id']} "
            f"{run['status']}, {summary.get('assigned', 0)} placed; stopping (not a terminal)"
        )
        return 0 if run["status"] == "done" else 1
    finally:
        proc.terminate()
        proc.wait(30)
