"""The real server for the end-to-end and browser tests (no tests here): `polku serve` in a
subprocess on a free loopback port over one database file, and reading pairs off an allocation."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.factories import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`polku serve` in a subprocess on a free port over one database file."""

    def __init__(self, db: Path | str, log: Path, processes: int = 1):
        self.db = db
        self.log = log
        self.processes = processes
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, "POLKU_SOLVER_THREADS": "1", "POLKU_DB": str(self.db)}
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "serve",
                "--port",
                str(self.port),
                "--processes",
                str(self.processes),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                raise AssertionError("server exited:\n" + self.log.read_text()[-3000:])
            try:
                # ready to answer; the solver process may still be importing (runs queue)
                if httpx.get(f"{self.url}/health", timeout=2).json()["status"] == "ok":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()  # never left running behind a failed start
        raise AssertionError("server did not start:\n" + self.log.read_text()[-3000:])

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None


def pairs_of(alloc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(a["client_id"], a["placement_id"]) for a in alloc["assignments"]}
