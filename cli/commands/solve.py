"""`polku solve INSTANCE --time-limit S [--workers W] [--seed K] --out allocation.json
[--pairs-out pairs.csv] [--mode weighted|lexicographic] [--ray [ADDRESS] [--ray-workers N]
[--split region|area] [--max-part-clients N]]`: solve, write, summarise."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cli.commands.common import add_lang_argument, read_instance_or_report, run_in_language
from cli.terminal import print_summary, progress_printer

if TYPE_CHECKING:
    from matcher.allocation.solve import SolveResult
    from matcher.progress import ProgressFn
    from models.allocation import Allocation
    from models.instance import Instance


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instance", help="instance folder or .zip")
    parser.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds in all (default 60)"
    )
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="CP-SAT random seed")
    parser.add_argument("--mode", choices=("weighted", "lexicographic"), default="weighted")
    parser.add_argument("--out", required=True, help="allocation.json to write")
    parser.add_argument("--pairs-out", help="also write the candidate pair table (pairs.csv)")
    parser.add_argument("--no-explain", action="store_true", help="skip reasons and alternatives")
    parser.add_argument("--quiet", action="store_true", help="no live progress")
    parser.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="national run split by region over Ray workers (a local Ray when no address)",
    )
    parser.add_argument(
        "--ray-workers", type=int, default=2, help="Ray workers (actors) for --ray (default 2)"
    )
    parser.add_argument(
        "--split", choices=("region", "area"), default="region", help="how --ray splits the queue"
    )
    parser.add_argument(
        "--max-part-clients",
        type=int,
        default=None,
        metavar="N",
        help="--ray: cut parts above N clients into spatial blocks (default: no limit)",
    )
    add_lang_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Solve and write allocation.json, reasons and explanations in `--lang`."""
    return run_in_language(args, _run)


def _run(args: argparse.Namespace) -> int:
    from instances.atomic import write_text_atomic
    from matcher.allocation.constraints import InfeasibleLockError
    from matcher.allocation.result import to_allocation
    from matcher.allocation.solve import SolveOptions, solve
    from matcher.pairs.table import write_pairs_csv

    t0 = time.perf_counter()
    inst = read_instance_or_report("solve", args.instance)
    if inst is None:
        return 2
    try:
        options = SolveOptions(
            time_limit=args.time_limit, workers=args.workers, seed=args.seed, mode=args.mode
        )
    except ValueError as exc:
        print(f"polku solve: {exc}", file=sys.stderr)
        return 2
    read_seconds = time.perf_counter() - t0
    on_progress = None if args.quiet else progress_printer()
    if args.ray is not None:
        if args.pairs_out or args.mode != "weighted":
            print(
                "polku solve: --ray writes no --pairs-out (the pairs stay in the workers) and "
                "serves --mode weighted only",
                file=sys.stderr,
            )
            return 2
        got = _solve_on_ray(inst, args, on_progress)
        if isinstance(got, int):
            return got
        alloc, result = got
    else:
        try:
            result = solve(inst, options, on_progress=on_progress)
        except InfeasibleLockError as exc:
            print(f"polku solve: {exc}", file=sys.stderr)
            return 2
        alloc = to_allocation(inst, result, explain=not args.no_explain)
    alloc.extra.setdefault("solver", {})["read_seconds"] = round(read_seconds, 3)
    write_text_atomic(
        Path(args.out), json.dumps(alloc.to_dict(), ensure_ascii=False, indent=1) + "\n"
    )
    if args.pairs_out:
        write_pairs_csv(inst, result.pairs, args.pairs_out)
    print_summary(alloc)
    print(f"wrote {args.out}" + (f" and {args.pairs_out}" if args.pairs_out else ""))
    return 0


def _solve_on_ray(
    inst: Instance, args: argparse.Namespace, on_progress: ProgressFn | None
) -> tuple[Allocation, SolveResult] | int:
    """The national path: (allocation, result), or an exit code after a clear message."""
    from matcher.allocation.constraints import InfeasibleLockError
    from matcher.national.executor import RayUnavailableError
    from matcher.national.master import NationalError, NationalOptions, solve_national
    from matcher.national.result import national_allocation

    try:
        options = NationalOptions(
            time_limit=args.time_limit,
            workers=args.ray_workers,
            split=args.split,
            max_part_clients=args.max_part_clients,
            seed=args.seed,
            explain=not args.no_explain,
        )
        national = solve_national(
            inst,
            options,
            ray_address=args.ray or None,
            use_ray=True,
            on_progress=on_progress,
        )
    except (ValueError, NationalError, InfeasibleLockError, RayUnavailableError) as exc:
        print(f"polku solve: {exc}", file=sys.stderr)
        return 2
    return national_allocation(inst, national), national.result
