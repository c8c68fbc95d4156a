"""`polku serve [--host 127.0.0.1] [--port 8000] [--db polku.sqlite] [--processes 1]`: start
the API service.

The database path defaults to $POLKU_DB, else polku.sqlite; runs are solved in worker processes
started with the server (`--workers`, POLKU_WORKER_PROCESSES, default 1); requests are answered
by `--processes` server processes (POLKU_SERVER_PROCESSES; default 2 where there are two
cores or more, else 1).
"""

from __future__ import annotations

import argparse
import os

from api.settings import DEFAULT_DB


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--db",
        default=None,
        help=f"SQLite file or postgresql://… URL (default $POLKU_DB or {DEFAULT_DB})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="solver processes (default $POLKU_WORKER_PROCESSES or 1)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="server processes answering requests, each on its own core "
        "(default $POLKU_SERVER_PROCESSES, else 2 with two cores or more, else 1)",
    )


def default_processes() -> int:
    """Server processes when neither --processes nor POLKU_SERVER_PROCESSES says: 2 on a
    machine with at least two cores, else 1."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from api.app import serve

    db = args.db or os.environ.get("POLKU_DB") or DEFAULT_DB
    overrides: dict[str, object] = {}
    if args.workers is not None:
        if args.workers < 1:
            raise ValueError("--workers must be at least 1")
        overrides["worker_processes"] = args.workers
    processes = args.processes
    if processes is None:
        # two by default where there are two cores: measured (benchmarks/RESULTS.md, "API
        # service under load") every route's p95 at 50 users fell 1.4-1.6x against one process
        raw = os.environ.get("POLKU_SERVER_PROCESSES", str(default_processes()))
        if not raw.isdigit():
            raise ValueError(f"POLKU_SERVER_PROCESSES: expected a whole number, got {raw!r}")
        processes = int(raw)
    if processes < 1:
        raise ValueError("--processes must be at least 1")
    serve(db, args.host, args.port, processes, **overrides)
    return 0
