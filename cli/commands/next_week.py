"""`polku next-week INSTANCE ALLOC --out DIR [--ends ends.csv] [--weeks N]`: next week's
snapshot from files, as `POST /runs/{id}/next-week` builds it (instances/next_week.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instance", help="the published week: instance folder or .zip")
    parser.add_argument("allocation", help="its published allocation.json")
    parser.add_argument("--out", required=True, help="folder (or .zip) for next week's snapshot")
    parser.add_argument("--weeks", type=int, default=1, help="weeks to advance (default 1)")
    parser.add_argument(
        "--ends",
        help="early ends: a CSV with client_id, placement_id, end_week (last week attended), "
        "reason and optional by, at",
    )


def run(args: argparse.Namespace) -> int:
    from cli.commands.check import InputError, load_instance, load_json
    from instances.ends import EndsError, read_ends
    from instances.next_week import NextWeekError, next_week
    from instances.write import write_instance
    from models.allocation import Allocation, AllocationError

    try:
        inst = load_instance(Path(args.instance))
        alloc = Allocation.from_dict(load_json(Path(args.allocation)))
        ends = read_ends(args.ends) if args.ends else None
        new = next_week(inst, alloc, weeks=args.weeks, ends=ends)
    except (InputError, EndsError, NextWeekError, AllocationError) as exc:
        print(f"polku next-week: {exc}", file=sys.stderr)
        return 2
    write_instance(new, args.out)
    ended = new.outcomes.iloc[len(inst.outcomes) :]
    early = int((ended["ended"] == "early").sum()) if len(ended) else 0
    queue = int((new.clients["current_placement"] == "").sum())
    print(
        f"OK: {new.name} → {args.out}: {queue} in the queue, {len(ended)} placements ended "
        f"({early} early), {len(new.outcomes)} in the outcome history"
    )
    return 0
