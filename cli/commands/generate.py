"""`polku generate`: write a synthetic regional instance (folder or .zip), print one line."""

from __future__ import annotations

import argparse
import sys
import time

from instances.generate import DEFAULT_WEEK, generate_instance, summary
from instances.regions import UnknownRegionError, region_names
from instances.write import write_instance


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `polku generate`."""
    parser.add_argument(
        "--region",
        required=True,
        help=f"preset ({', '.join(region_names())}); case and diacritics ignored",
    )
    parser.add_argument(
        "--clients", type=int, default=1000, help="clients in the queue (default 1000)"
    )
    parser.add_argument(
        "--placements", type=int, default=None, help="placements (default ≈ clients/12, ≥ 15)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed (default 0); same seed, same files"
    )
    parser.add_argument("--out", required=True, help="output folder, or a .zip file")
    parser.add_argument(
        "--zip", action="store_true", help="write a .zip (adds .zip to --out if missing)"
    )
    parser.add_argument("--week", default=DEFAULT_WEEK, help=f"ISO week (default {DEFAULT_WEEK})")
    parser.add_argument("--name", default=None, help="instance name (default <region>-<week>)")


def run(args: argparse.Namespace) -> int:
    """Generate, write atomically, print one line; exit 2 on an unknown region or bad sizes."""
    start = time.perf_counter()
    try:
        inst = generate_instance(
            args.region,
            args.clients,
            args.placements,
            seed=args.seed,
            name=args.name,
            week=args.week,
        )
    except (UnknownRegionError, ValueError) as exc:
        print(f"polku generate: error: {exc}", file=sys.stderr)
        return 2
    out = str(args.out)
    if args.zip and not out.lower().endswith(".zip"):
        out += ".zip"
    path = write_instance(inst, out)
    print(f"wrote {path}: {summary(inst)} in {time.perf_counter() - start:.1f} s")
    return 0
