"""Load benchmark of the API service: p50/p95/p99 per route at N users with a solve running.

`polku serve` on loopback over a fresh database with a generated week, one solve running, and N
concurrent users (coordinators and liaisons
reading runs, proposals, summaries and explanations, posting decisions) for a bounded time and
request count; prints p50/p95/p99 per route as a Markdown table (README form), the CPU seconds
the load client, the server processes and the solver used meanwhile (they share the cores) and
the load average, then the server's peak memory for a zip bomb.

    python -m benchmarks.load [--users 50] [--seconds 30] [--max-requests 20000] [--clients 3000]
                              [--processes N]

Loopback only; the server and its solver are stopped at the end whatever happens.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import httpx

from api.auth import create_token
from benchmarks.http1 import Http1Client
from instances.generate import generate_instance
from instances.write import write_instance

ROOT = Path(__file__).resolve().parents[1]
REGION = "pohjois-savo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of process `pid` in MiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process `pid` has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (server processes, the fork server, solvers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            try:
                todo += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return out


def solver_pids(db: Path) -> set[int]:
    """The processes solving a run now (their pids are in the runs table)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT worker_pid FROM runs WHERE status = 'running'").fetchall()
    return {int(r[0]) for r in rows if r[0]}


def server_processes(server: int) -> int:
    """How many processes answer requests: uvicorn's spawned workers, or the server itself."""
    spawned = 0
    for pid in descendants(server):
        try:
            spawned += b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            pass
    return spawned or 1


def cpu_split(server: int, db: Path) -> tuple[float, float]:
    """(CPU seconds of the server's processes, of the solver processes) used so far."""
    solvers = solver_pids(db)
    pids = descendants(server)
    return (
        sum(cpu_seconds(p) for p in pids if p not in solvers),
        sum(cpu_seconds(p) for p in pids if p in solvers),
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def start_server(
    db: Path, log: Path, port: int, processes: int | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "POLKU_DB": str(db), "POLKU_SOLVER_THREADS": "1"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    more = ["--processes", str(processes)] if processes is not None else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--port", str(port), *more],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited:\n" + log.read_text()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def precomputed(log: Path) -> str:
    """The server log's lines saying a run's answers are stored."""
    return "".join(
        line for line in log.read_text().splitlines(True) if "answers precomputed" in line
    )


def prepare(url: str, db: Path, tmp: Path, clients: int, log: Path) -> dict:
    """Upload a generated week, solve it once (the run the users read), start a long solve."""
    inst = generate_instance(REGION, clients, seed=14, name=f"{REGION}-2026-W48")
    path = write_instance(inst, tmp / "week.zip")
    coord = create_token(str(db), "coordinator", region=REGION, name="Load coordinator")
    head = {"Authorization": f"Bearer {coord}"}
    with httpx.Client(base_url=url, headers=head, timeout=120) as c:
        r = c.post("/instances", files={"file": ("week.zip", path.read_bytes())})
        r.raise_for_status()
        iid = r.json()["id"]
        run = c.post(f"/instances/{iid}/runs", json={"time_limit": 10}).json()["id"]
        while c.get(f"/runs/{run}").json()["status"] not in ("done", "failed"):
            time.sleep(0.5)
        alloc = c.get(f"/runs/{run}/allocation").json()
        solving = c.post(f"/instances/{iid}/runs", json={"time_limit": 120}).json()["id"]
    # the worker precomputes the first run's answers (api/precompute.py) while the long solve
    # starts: measure once they are stored (the server log says so), at most 10 minutes
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and f"run {run}: " not in precomputed(log):
        time.sleep(1.0)
    by_provider: dict[str, list[dict]] = defaultdict(list)
    placements = {
        str(p): str(v)
        for p, v in zip(inst.placements["id"], inst.placements["provider_id"], strict=True)
    }
    for a in alloc["assignments"]:
        by_provider[placements[a["placement_id"]]].append(a)
    providers = sorted(by_provider, key=lambda v: -len(by_provider[v]))[:10]
    liaisons = [
        create_token(str(db), "liaison", region=REGION, providers=[v], name=f"Liaison {v}")
        for v in providers
    ]
    return {
        "coord": coord,
        "liaisons": liaisons,
        "providers": providers,
        "instance": iid,
        "run": run,
        "solving": solving,
        "clients": [a["client_id"] for a in alloc["assignments"]]
        + [u["client_id"] for u in alloc["unassigned"]],
        "by_provider": by_provider,
    }


async def user(
    k: int, url: str, ctx: dict, stop_at: float, budget: list[int], times: dict, errors: dict
) -> None:
    """One simulated user on its own keep-alive connection, never pausing: coordinators (every
    3rd) read runs, summaries and explanations; liaisons read their proposals and decisions
    and now and then reject one. Every status code is checked (5xx, 401, 403: an error)."""
    rng = random.Random(k)
    coordinator = k % 3 == 0
    token = ctx["coord"] if coordinator else ctx["liaisons"][k % len(ctx["liaisons"])]
    provider = None if coordinator else ctx["providers"][k % len(ctx["providers"])]
    run, iid = ctx["run"], ctx["instance"]
    c = Http1Client(url, {"Authorization": f"Bearer {token}"}, timeout=60)
    try:
        while time.monotonic() < stop_at and budget[0] > 0:
            budget[0] -= 1
            if coordinator:
                route, path = rng.choice(
                    [
                        ("GET /health", "/health"),
                        ("GET /runs/{id}", f"/runs/{ctx['solving']}"),
                        ("GET /runs", "/runs"),
                        ("GET /runs/{id}/summary", f"/runs/{run}/summary"),
                        ("GET /instances/{id}", f"/instances/{iid}"),
                        (
                            "GET /runs/{id}/clients/{cid}",
                            f"/runs/{run}/clients/{rng.choice(ctx['clients'])}",
                        ),
                    ]
                )
                method, body = "GET", None
            elif rng.random() < 0.05 and ctx["by_provider"][provider]:
                a = rng.choice(ctx["by_provider"][provider])
                route, path, method = "POST /runs/{id}/decisions", f"/runs/{run}/decisions", "POST"
                body = {
                    "client_id": a["client_id"],
                    "placement_id": a["placement_id"],
                    "decision": "reject",
                    "reason": "load test",
                }
            else:
                route, path = rng.choice(
                    [
                        ("GET /health", "/health"),
                        ("GET /runs/{id}/proposals", f"/runs/{run}/proposals"),
                        ("GET /runs/{id}/decisions", f"/runs/{run}/decisions"),
                        ("GET /runs/{id}", f"/runs/{run}"),
                    ]
                )
                method, body = "GET", None
            started = time.perf_counter()
            try:
                status = await c.request(method, path, body)
                ok = status < 500 and status not in (401, 403)
            except (TimeoutError, OSError):  # ConnectionError is an OSError
                ok = False
            times[route].append((time.perf_counter() - started) * 1000)
            if not ok:
                errors[route] += 1
    finally:
        await c.close()


async def load(
    url: str, ctx: dict, users: int, seconds: float, max_requests: int
) -> tuple[dict, dict]:
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    stop_at = time.monotonic() + seconds
    budget = [max_requests]
    await asyncio.gather(*(user(k, url, ctx, stop_at, budget, times, errors) for k in range(users)))
    return times, errors


def report(
    users: int, times: dict, errors: dict, wall: float, cpu: dict[str, float], load: tuple
) -> str:
    """The figures as README shows them: a headline, the CPU split, a Markdown table."""
    total = sum(len(v) for v in times.values())
    lines = [
        f"{users} users, {total} requests in {wall:.1f} s ({total / wall:.0f} req/s), a solve "
        f"running; load average {load[0]:.1f} before, {load[1]:.1f} after",
        f"CPU seconds meanwhile: load client {cpu['client']:.1f}, server "
        f"{cpu['server']:.1f} ({cpu['processes']:.0f} process(es)), solver {cpu['solver']:.1f}",
        "",
        "| route | requests | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for route in sorted(times):
        v = times[route]
        lines.append(
            f"| `{route}` | {len(v)} | {statistics.median(v):.1f} | {percentile(v, 95):.1f} | "
            f"{percentile(v, 99):.1f} | {errors[route]} |"
        )
    return "\n".join(lines)


def bomb_zip() -> bytes:
    """1.5 GB of zeros as clients.csv packed into ~1.5 MB (the issue's bomb)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("instance.json", b"{}")
        with zf.open("clients.csv", "w", force_zip64=True) as member:
            block = b"0" * (16 * 2**20)
            for _ in range(96):
                member.write(block)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--max-requests", type=int, default=20_000)
    ap.add_argument("--clients", type=int, default=3000)
    ap.add_argument(
        "--processes",
        type=int,
        default=None,
        help="server processes (polku serve --processes; default: the server's own default)",
    )
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="polku-load-") as tmp_name:
        tmp = Path(tmp_name)
        db, port = tmp / "polku.sqlite", free_port()
        url = f"http://127.0.0.1:{port}"
        proc = start_server(db, tmp / "server.log", port, args.processes)
        try:
            ctx = prepare(url, db, tmp, args.clients, tmp / "server.log")
            load_before = os.getloadavg()[0]
            server0, solver0 = cpu_split(proc.pid, db)
            client0, t0 = time.process_time(), time.monotonic()
            times, errors = asyncio.run(load(url, ctx, args.users, args.seconds, args.max_requests))
            wall = time.monotonic() - t0
            server1, solver1 = cpu_split(proc.pid, db)
            cpu = {
                "client": time.process_time() - client0,
                "server": server1 - server0,
                "solver": solver1 - solver0,
                "processes": server_processes(proc.pid),
            }
            print(report(args.users, times, errors, wall, cpu, (load_before, os.getloadavg()[0])))
            with httpx.Client(base_url=url, timeout=120) as c:
                c.post(
                    f"/runs/{ctx['solving']}/cancel",
                    headers={"Authorization": f"Bearer {ctx['coord']}"},
                )
                idle, _ = peak_rss_mb(proc.pid)
                bomb = bomb_zip()
                before_peak = peak_rss_mb(proc.pid)[1]
                started = time.perf_counter()
                r = c.post(
                    "/instances",
                    files={"file": ("bomb.zip", bomb)},
                    headers={"Authorization": f"Bearer {ctx['coord']}"},
                )
                took = time.perf_counter() - started
                health = c.get("/health").elapsed.total_seconds() * 1000
                now, peak = peak_rss_mb(proc.pid)
            print(
                f"zip bomb ({len(bomb) / 2**20:.1f} MB → 1.5 GB): HTTP {r.status_code} in "
                f"{took * 1000:.0f} ms; server RSS idle {idle:.0f} MiB, peak before "
                f"{before_peak:.0f} MiB, peak after {peak:.0f} MiB (+{peak - idle:.0f} MiB); "
                f"/health then {health:.0f} ms"
            )
        finally:
            stop_server(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
