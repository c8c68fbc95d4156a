"""`polku simulate`: a year of weekly allocations under one policy; figures to year.json."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from instances.arrivals import YearSettings, year_population
from instances.atomic import atomic_path
from instances.regions import UnknownRegionError, region_names
from matcher.pacing.policies import POLICIES
from matcher.pacing.report import figures
from matcher.pacing.simulate import simulate


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `polku simulate`."""
    parser.add_argument("--region", required=True, help=f"preset ({', '.join(region_names())})")
    parser.add_argument("--weeks", type=int, default=52, help="weeks to simulate (default 52)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; same seed, same year")
    parser.add_argument("--policy", required=True, choices=POLICIES, help="pacing policy")
    parser.add_argument("--clients", type=int, default=3000, help="queue in week 1 (default 3000)")
    parser.add_argument(
        "--arrivals", type=int, default=None, help="new clients a week (default clients/10)"
    )
    parser.add_argument(
        "--appropriation",
        type=float,
        default=YearSettings.appropriation,
        help="annual budget = generated week budget × this (default %(default)s)",
    )
    parser.add_argument(
        "--time-limit", type=float, default=5.0, help="seconds per weekly solve (default 5)"
    )
    parser.add_argument("--out", default=None, help="folder for year.json (default: print)")
    parser.add_argument("--quiet", action="store_true", help="no line per week")


def run(args: argparse.Namespace) -> int:
    """Simulate, print the year's line, write DIR/year.json atomically; exit 2 on bad input."""
    try:
        settings = YearSettings(
            weeks=args.weeks,
            queue=args.clients,
            arrivals_per_week=args.arrivals,
            appropriation=args.appropriation,
        )
        year = year_population(args.region, settings, seed=args.seed)
    except (UnknownRegionError, ValueError) as exc:
        print(f"polku simulate: error: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    result = simulate(year, args.policy, time_limit=args.time_limit, log=log)
    row = figures(year, result)
    print(
        f"{args.policy}: objective {row['objective']:,.0f}, placed {row['placed']}, "
        f"money left {row.get('money_left', 0):,.0f} € in {time.perf_counter() - start:.1f} s"
    )
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "year.json", suffix=".json") as tmp:
            Path(tmp).write_text(json.dumps(row, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"wrote {out / 'year.json'}")
    return 0
