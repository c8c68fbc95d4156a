"""`polku next-week INSTANCE ALLOCATION --out DIR [--weeks 1]`: next week's snapshot from a
published week (instances/next_week.py, the same step as the service's `POST /runs/{id}/next-week`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instance", help="the published week's instance folder or .zip")
    parser.add_argument("allocation", help="its published allocation.json")
    parser.add_argument("--out", required=True, help="folder (or .zip) for next week's instance")
    parser.add_argument("--weeks", type=int, default=1, help="how many weeks later (default 1)")


def run(args: argparse.Namespace) -> int:
    """Read the week and its allocation, carry them forward, write the new week; exit code."""
    from instances.next_week import NextWeekError, next_week
    from instances.read import read_instance
    from instances.write import write_instance
    from matcher.report.chain import ReportError, read_allocation

    try:
        inst = read_instance(args.instance)
        alloc = read_allocation(Path(args.allocation))
        new = next_week(inst, alloc, weeks=args.weeks)
    except (ReportError, NextWeekError, OSError, ValueError) as exc:
        print(f"polku next-week: {exc}", file=sys.stderr)
        return 2
    path = write_instance(new, args.out)
    queue = int((new.clients["current_placement"].astype(str) == "").sum())
    print(
        f"OK: {new.name} ({new.week}) — {queue} in the queue, "
        f"{int(new.placements['seats'].sum())} free seats → {path}"
    )
    return 0
