"""`polku validate PATH`: read an instance folder or .zip and list every problem, or summarise it.

Exit 0 when the instance can be solved (warnings may still be printed), 2 when it cannot.
"""

from __future__ import annotations

import argparse
import sys

from models.instance import Instance


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="instance folder or .zip")


def summary(inst: Instance) -> str:
    """One line a coordinator reads at a glance: name, clients (queue), seats, providers…"""
    clients = len(inst.clients)
    queue = int((inst.clients["current_placement"] == "").sum()) if clients else 0
    seats = int(inst.placements["seats"].sum()) if len(inst.placements) else 0
    parts = [
        f"{clients} clients ({queue} in queue)",
        f"{len(inst.placements)} placements ({seats} free seats)",
        f"{len(inst.providers)} providers",
        f"{len(inst.pools)} pools",
        f"{len(inst.decisions)} decisions",
    ]
    return f"OK: {inst.name} — " + ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    from instances.problems import InstanceError
    from instances.read import read_instance_with_warnings

    try:
        inst, warnings = read_instance_with_warnings(args.path)
    except InstanceError as exc:
        for problem in exc.problems:
            print(problem)
        print(
            f"{args.path}: not a valid instance ({exc.total} problem{'s' if exc.total != 1 else ''})",
            file=sys.stderr,
        )
        return 2
    for warning in warnings:
        print(f"warning: {warning}")
    print(summary(inst))
    return 0
