"""Upload memory benchmark: peak server RSS above idle for zip bombs and a large legitimate week.

`polku serve` on loopback over a fresh database; each upload is sent once while /health is
polled every 50 ms, and the report gives per upload the HTTP status, the time, the server's peak
RSS above its idle RSS (the peak is reset before each upload through /proc/PID/clear_refs), the
peak of any child process it started, and /health's p50/max latency during the upload.

    python -m benchmarks.upload_memory [--legit-mb 256] [--clients 5000]

The uploads: the issue's bomb (a 1.5 GB file packed into 1.5 MB: over every cap), a bomb under
the total cap (200 MiB of zeros: over the ratio cap only), and a legitimate week — a generated
region whose clients.csv is repeated (fresh ids) until the files add up to `--legit-mb` MiB.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

from api.auth import create_token
from benchmarks.load import REGION, bomb_zip, free_port, start_server, stop_server
from instances.generate import generate_instance
from instances.write import instance_files


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (from /proc/*/stat parent ids)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parent[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def zeros_bomb(mib: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("instance.json", b"{}")
        with zf.open("clients.csv", "w", force_zip64=True) as member:
            for _ in range(mib):
                member.write(b"0" * 2**20)
    return buf.getvalue()


def legit_zip(target_mib: int, clients: int) -> tuple[bytes, int]:
    """A generated week whose clients.csv is repeated with fresh ids up to `target_mib` MiB of
    files in total; (the zip, the number of clients)."""
    inst = generate_instance(REGION, clients, seed=14, name=f"{REGION}-2026-W48")
    files = {k: v.encode() if isinstance(v, str) else v for k, v in instance_files(inst).items()}
    head, *rows = files["clients.csv"].decode().splitlines(keepends=True)
    others = sum(len(v) for k, v in files.items() if k != "clients.csv")
    block = "".join(rows)
    id_col = next(csv.reader([head])).index("id")
    assert id_col == 0, "the client id is the first column"
    out = io.StringIO()
    out.write(head)
    copies = 0
    while out.tell() + others < target_mib * 2**20 - len(block):
        prefix = f"r{copies}-"
        out.write(block if copies == 0 else "".join(prefix + r for r in rows))
        copies += 1
    files["clients.csv"] = out.getvalue().encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue(), copies * len(rows)


def measure(url: str, pid: int, token: str, name: str, data: bytes) -> dict:
    """Upload `data` once while polling /health; figures of that one upload."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak RSS (VmHWM)
    idle = rss_kib(pid)
    health: list[float] = []
    child_peak = [0]
    done = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=url, timeout=30) as c:
            while not done.is_set():
                t = time.perf_counter()
                try:
                    c.get("/health")
                except httpx.HTTPError:  # counted as the time it took to fail (30 s timeout)
                    pass
                health.append((time.perf_counter() - t) * 1000)
                for kid in descendants(pid):
                    try:
                        child_peak[0] = max(child_peak[0], rss_kib(kid, "VmHWM"))
                    except OSError:
                        pass
                done.wait(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=3600) as c:
        r = c.post(
            "/instances",
            files={"file": (f"{name}.zip", data)},
            headers={"Authorization": f"Bearer {token}"},
        )
    took = time.perf_counter() - started
    done.set()
    poller.join()
    return {
        "upload": name,
        "packed_mb": len(data) / 2**20,
        "status": r.status_code,
        "seconds": took,
        "server_idle_mib": idle / 1024,
        "server_peak_above_idle_mib": (rss_kib(pid, "VmHWM") - idle) / 1024,
        "child_peak_mib": child_peak[0] / 1024,
        "health_p50_ms": statistics.median(health) if health else float("nan"),
        "health_max_ms": max(health) if health else float("nan"),
        "detail": r.text[:160] if r.status_code >= 400 else "",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--legit-mb", type=int, default=256)
    ap.add_argument("--clients", type=int, default=5000)
    args = ap.parse_args(argv)
    uploads = [
        ("bomb-1.5GB", bomb_zip()),
        ("bomb-200MiB", zeros_bomb(200)),
    ]
    legit, n = legit_zip(args.legit_mb, args.clients)
    uploads.append((f"week-{args.legit_mb}MiB-{n}-clients", legit))
    with tempfile.TemporaryDirectory(prefix="polku-upmem-") as tmp_name:
        tmp = Path(tmp_name)
        db, port = tmp / "polku.sqlite", free_port()
        os.environ["POLKU_MAX_UPLOAD_MB"] = str(max(200, len(legit) // 2**20 + 1))
        proc = start_server(db, tmp / "server.log", port)
        try:
            token = create_token(str(db), "coordinator", region=REGION, name="Memory coordinator")
            url = f"http://127.0.0.1:{port}"
            print(
                f"{'upload':34} {'packed MB':>9} {'HTTP':>4} {'s':>6} {'idle MiB':>8} "
                f"{'+peak MiB':>9} {'child MiB':>9} {'health p50/max ms':>18}"
            )
            for name, data in uploads:
                m = measure(url, proc.pid, token, name, data)
                print(
                    f"{m['upload']:34} {m['packed_mb']:9.1f} {m['status']:4d} {m['seconds']:6.1f} "
                    f"{m['server_idle_mib']:8.0f} {m['server_peak_above_idle_mib']:9.0f} "
                    f"{m['child_peak_mib']:9.0f} "
                    f"{m['health_p50_ms']:8.1f} / {m['health_max_ms']:7.1f}"
                )
                if m["detail"]:
                    print(f"    {m['detail']}")
        finally:
            stop_server(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
