"""The year report: every policy over simulated years, against the hindsight bound.

`python -m benchmarks.year --regions pohjois-savo satakunta --seeds 1 2 3 --clients 3000
--time-limit 2` simulates each (region, seed) under every policy, appends one row per policy to
`benchmarks/year.csv` (and the full figures to `benchmarks/year/RUN.json`) as each year ends, then
`--render` writes `benchmarks/YEAR.md` and the PNG plots from what is there.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path
from typing import Any

from instances.arrivals import YearSettings, year_population
from instances.atomic import atomic_path
from matcher.pacing.policies import POLICIES
from matcher.pacing.report import figures
from matcher.pacing.simulate import simulate

HERE = Path(__file__).parent
CSV = HERE / "year.csv"
RUNS = HERE / "year"
FIELDS = (
    "region", "seed", "clients", "weeks", "time_limit", "policy", "objective",
    "pct_of_hindsight", "placed", "wait_mean", "wait_p90", "worst_municipality_mean",
    "worst_group_mean", "liability_saved", "money_left", "money_left_share",
    "week_of_90_percent_spent", "seconds",
)  # fmt: skip


def run_year(region: str, seed: int, clients: int, weeks: int, time_limit: float) -> list[dict]:
    """Every policy on one year; rows for the CSV (full figures saved beside)."""
    year = year_population(region, YearSettings(weeks=weeks, queue=clients), seed=seed)
    results = {p: figures(year, simulate(year, p, time_limit=time_limit)) for p in POLICIES}
    bound = results["hindsight"]["objective"]
    rows = []
    for policy, f in results.items():
        row: dict[str, Any] = {
            "region": region, "seed": seed, "clients": clients, "weeks": weeks,
            "time_limit": time_limit, "policy": policy, "objective": f["objective"],
            "pct_of_hindsight": round(100 * f["objective"] / bound, 2) if bound else "",
            "placed": f["placed"], "seconds": f["seconds"],
        }  # fmt: skip
        if "wait" in f:
            row.update(
                wait_mean=f["wait"]["mean"],
                wait_p90=f["wait"]["p90"],
                worst_municipality_mean=max(v["mean"] for v in f["wait_by_municipality"].values()),
                worst_group_mean=max(v["mean"] for v in f["wait_by_group"].values()),
                liability_saved=f["liability_saved"],
                money_left=f["money_left"],
                money_left_share=f["money_left_share"],
                week_of_90_percent_spent=f["week_of_90_percent_spent"],
            )
        rows.append(row)
    RUNS.mkdir(exist_ok=True)
    target = RUNS / f"{region}-{seed}-{clients}.json"
    with atomic_path(target, suffix=".json") as tmp:
        Path(tmp).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return rows


def append_rows(rows: list[dict], path: Path = CSV) -> None:
    """Add rows to year.csv, replacing earlier rows of the same (region, seed, clients)."""
    old = []
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            old = list(csv.DictReader(fh))
    keys = {(str(r["region"]), str(r["seed"]), str(r["clients"])) for r in rows}
    kept = [r for r in old if (r["region"], r["seed"], r["clients"]) not in keys]
    with (
        atomic_path(path, suffix=".csv") as tmp,
        open(tmp, "w", newline="", encoding="utf-8") as fh,
    ):
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for r in kept + rows:
            writer.writerow({k: r.get(k, "") for k in FIELDS})


def main(argv: list[str] | None = None) -> int:
    """Run the matrix given (each year's rows saved as it ends)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", nargs="+", default=["pohjois-savo", "satakunta"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--csv", type=Path, default=CSV, help="rows file (default year.csv)")
    args = parser.parse_args(argv)
    for region in args.regions:
        for seed in args.seeds:
            t0 = time.perf_counter()
            rows = run_year(region, seed, args.clients, args.weeks, args.time_limit)
            append_rows(rows, args.csv)
            print(f"{region} seed {seed}: {time.perf_counter() - t0:.0f} s", flush=True)
            for r in rows:
                print(f"  {r['policy']:9s} {r['pct_of_hindsight']}% placed {r['placed']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
