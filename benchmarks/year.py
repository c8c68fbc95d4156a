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
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from instances.arrivals import YearSettings, year_population
from instances.atomic import atomic_path
from matcher.pacing.forecast import DualSettings
from matcher.pacing.hindsight import expected_year
from matcher.pacing.policies import POLICIES
from matcher.pacing.report import figures
from matcher.pacing.simulate import simulate

HERE = Path(__file__).parent
CSV = HERE / "year.csv"
RUNS = HERE / "year"
FIELDS = (
    "region", "seed", "clients", "weeks", "time_limit", "policy", "objective",
    "pct_of_hindsight", "pct_of_expected_hindsight", "pct_of_lp_bound", "lp_bound", "placed", "wait_mean", "wait_p90", "worst_municipality_mean",
    "worst_group_mean", "liability_saved", "money_left", "money_left_share",
    "week_of_90_percent_spent", "seconds",
)  # fmt: skip


def run_year(
    region: str,
    seed: int,
    clients: int,
    weeks: int,
    time_limit: float,
    hindsight_limit: float = 900.0,
    oracle: bool = False,
    policies: tuple[str, ...] = POLICIES,
    hindsight_mip: float = 60.0,
) -> list[dict]:
    """Every policy on one year; rows for the CSV (full figures saved beside). % of hindsight is
    against the integer hindsight (replayed), % of LP bound against the time-indexed LP's bound.
    `oracle` adds the diagnosis rows (not policies): `dual-oracle`, dual with this year's true
    future in its forecast; `hindsight-no-early-ends` / `hindsight-no-dropouts`, the hindsight
    planned as if every placement ran its full duration / nobody left the queue, replayed on
    the true year (seats freed early stay empty, seats planned for a client who left too);
    `hindsight-expected-mean` / `-full`, planned knowing the arrivals but for every client only
    last year's mean stay and mean completed share / the full duration (`expected_year`),
    replayed on the true year; the better of the two is the fair bar (% of hindsight-expected)."""
    year = year_population(region, YearSettings(weeks=weeks, queue=clients), seed=seed)
    sim = partial(simulate, hindsight_limit=hindsight_limit, hindsight_mip=hindsight_mip)
    results = {
        p: figures(year, sim(year, p, time_limit=time_limit))
        for p in dict.fromkeys((*policies, "hindsight"))
    }
    if oracle:
        seen = DualSettings(oracle=True)
        results["dual-oracle"] = figures(year, sim(year, "dual", time_limit, dual=seen))
        blurred = {
            "hindsight-no-early-ends": replace(year, completes=np.ones_like(year.completes)),
            "hindsight-no-dropouts": replace(year, leave=np.full_like(year.leave, year.weeks)),
            "hindsight-expected-mean": expected_year(year),
            "hindsight-expected-full": expected_year(year, full_length=True),
        }
        for name, known in blurred.items():
            got = sim(year, "hindsight", plan_year=known)
            results[name] = figures(year, got)
    return year_rows(region, seed, clients, weeks, time_limit, results)


def year_rows(
    region: str, seed: int, clients: int, weeks: int, time_limit: float, results: dict[str, dict]
) -> list[dict]:
    """The CSV rows of one year's results (merged into its RUNS json, which is saved)."""
    RUNS.mkdir(exist_ok=True)
    target = RUNS / f"{region}-{seed}-{clients}.json"
    kept = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    results = {**kept, **results}
    with atomic_path(target, suffix=".json") as tmp:
        Path(tmp).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    bound = results["hindsight"]["objective"]
    fair = max((results[k]["objective"] for k in results if "expected" in k), default=None)
    lp_bound = results["hindsight"]["lp_bound"]
    rows = []
    for policy, f in results.items():
        row: dict[str, Any] = {
            "region": region, "seed": seed, "clients": clients, "weeks": weeks,
            "time_limit": time_limit, "policy": policy, "objective": f["objective"],
            "pct_of_hindsight": round(100 * f["objective"] / bound, 2) if bound else "",
            "pct_of_expected_hindsight": round(100 * f["objective"] / fair, 2) if fair else "",
            "pct_of_lp_bound": round(100 * f["objective"] / lp_bound, 2) if lp_bound else "",
            "lp_bound": lp_bound if policy == "hindsight" else "",
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
    return rows


def run_replanned(
    region: str,
    seed: int,
    clients: int,
    weeks: int,
    time_limit: float,
    every: int,
    hindsight_limit: float,
    hindsight_mip: float,
) -> list[dict]:
    """Add the `hindsight-expected-replanned` row (the fair bar re-planned every `every` weeks,
    `matcher.pacing.replan`, on last year's mean stay and full durations: seats freed early
    are seen at the next re-plan) to a year already run: its rows again, with the new one."""
    year = year_population(region, YearSettings(weeks=weeks, queue=clients), seed=seed)
    got = simulate(
        year,
        "hindsight",
        hindsight_limit=hindsight_limit,
        hindsight_mip=hindsight_mip,
        plan_year=expected_year(year, full_length=True),
        replan_every=every,
    )
    new = {"hindsight-expected-replanned": figures(year, got)}
    return year_rows(region, seed, clients, weeks, time_limit, new)


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


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def plot_spending(runs: dict[str, dict], title: str, target: Path) -> None:
    """Cumulative share of the appropriation spent by week, one line per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    for policy, f in runs.items():
        if "spent_by_week" not in f or policy not in POLICIES:  # diagnosis rows left out
            continue
        total = f["money_left"] + f["spent_by_week"][-1]
        ax.plot(
            range(1, len(f["spent_by_week"]) + 1),
            [100 * v / total for v in f["spent_by_week"]],
            label=policy,
        )
    ax.set_xlabel("week")
    ax.set_ylabel("% of the appropriation committed")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(target, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def plot_pools(runs: dict[str, dict], policies: tuple[str, ...], target: Path) -> None:
    """Spending curve of each pool (€ committed by week), one panel per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(policies), figsize=(4 * len(policies), 3.4), dpi=100)
    for ax, policy in zip(axes, policies, strict=True):
        for curve in runs[policy]["spent_by_week_pool"].values():
            if curve and curve[-1] > 0:
                ax.plot(range(1, len(curve) + 1), [v / 1000 for v in curve], lw=0.9)
        ax.set_title(policy)
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("k€ committed per pool")
    fig.tight_layout()
    with atomic_path(target, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def wait_table(runs: list[dict[str, dict]], key: str) -> list[str]:
    """Markdown: per group or municipality (`key` is wait_by_group or wait_by_municipality) and
    policy the mean / p90 waiting weeks, the median over the year runs that have it."""
    import numpy as np

    policies = [p for p in POLICIES if any(key in r.get(p, {}) for r in runs)]
    names = sorted({n for r in runs for p in policies for n in r[p].get(key, {})})
    lines = ["| | " + " | ".join(policies) + " |", "|" + "---|" * (len(policies) + 1)]
    for n in names:
        cells = []
        for p in policies:
            got = [r[p][key][n] for r in runs if n in r[p].get(key, {})]
            mean = float(np.median([g["mean"] for g in got])) if got else float("nan")
            p90 = float(np.median([g["p90"] for g in got])) if got else float("nan")
            cells.append(f"{mean:.1f} / {p90:.0f}")
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return lines


def render(csv_paths: list[Path], out: Path = HERE / "YEAR.md") -> None:
    """Copy the rows into year.csv, draw the plots of each year run and write the table."""
    rows = [r for p in csv_paths for r in _read(p)]
    with atomic_path(CSV, suffix=".csv") as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| region | seed | clients | policy | % of hindsight | % of hindsight-expected | "
             "% of LP bound | placed | wait mean / p90 (weeks) | worst municipality mean | worst "
             "group mean | liability saved € | money left | 90 % spent by week | s |",
             "|" + "---|" * 15]  # fmt: skip
    for r in rows:
        lines.append(
            f"| {r['region']} | {r['seed']} | {r['clients']} | {r['policy']} | "
            f"{r['pct_of_hindsight']} | {r.get('pct_of_expected_hindsight', '')} | "
            f"{r['pct_of_lp_bound']} | {r['placed']} | "
            f"{r['wait_mean']} / {r['wait_p90']} | "
            f"{r['worst_municipality_mean']} | {r['worst_group_mean']} | {r['liability_saved']} | "
            f"{r['money_left']} ({r['money_left_share']}) | {r['week_of_90_percent_spent']} | "
            f"{r['seconds']} |"
        )
    plots = []
    every: list[dict[str, dict]] = []
    for path in sorted(RUNS.glob("*.json")):
        runs = json.loads(path.read_text(encoding="utf-8"))
        every.append(runs)
        png = HERE / f"year-{path.stem}.png"
        plot_spending(runs, path.stem, png)
        pools_png = HERE / f"year-{path.stem}-pools.png"
        plot_pools(runs, ("myopic", "even", "dual", "hindsight"), pools_png)
        plots += [png.name, pools_png.name]
    text = out.read_text(encoding="utf-8") if out.exists() else "# A year of weekly allocations\n"
    head = text.split("<!-- table -->")[0].rstrip()
    waits = [
        "",
        "Waiting weeks mean / p90 by client group (median over the year runs):",
        "",
        *wait_table(every, "wait_by_group"),
        "",
        "Waiting weeks mean / p90 by municipality (median over the year runs):",
        "",
        *wait_table(every, "wait_by_municipality"),
    ]
    body = "\n".join(lines + waits) + "\n\n" + "\n".join(f"![{p}]({p})" for p in plots) + "\n"
    with atomic_path(out, suffix=".md") as tmp:
        Path(tmp).write_text(f"{head}\n\n<!-- table -->\n{body}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the matrix given (each year's rows saved as it ends)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", nargs="+", default=["pohjois-savo", "satakunta"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument(
        "--hindsight-limit", type=float, default=900.0, help="s for the hindsight LP's rounds"
    )
    parser.add_argument(
        "--hindsight-mip", type=float, default=60.0, help="s for the MIP over the LP's columns"
    )
    parser.add_argument("--oracle", action="store_true", help="add the diagnosis rows")
    parser.add_argument(
        "--replan-every", type=int, help="only add the re-planned fair bar to years already run"
    )
    parser.add_argument(
        "--policies", nargs="+", choices=POLICIES, default=list(POLICIES), help="hindsight always"
    )
    parser.add_argument("--csv", type=Path, default=CSV, help="rows file (default year.csv)")
    parser.add_argument("--render", nargs="*", type=Path, help="CSV files to report, no runs")
    args = parser.parse_args(argv)
    if args.render is not None:
        render(args.render or [CSV])
        return 0
    for region in args.regions:
        for seed in args.seeds:
            t0 = time.perf_counter()
            if args.replan_every:
                rows = run_replanned(
                    region, seed, args.clients, args.weeks, args.time_limit,
                    args.replan_every, args.hindsight_limit, args.hindsight_mip,
                )  # fmt: skip
                append_rows(rows, args.csv)
                print(f"{region} seed {seed} re-planned: {time.perf_counter() - t0:.0f} s")
                continue
            rows = run_year(
                region,
                seed,
                args.clients,
                args.weeks,
                args.time_limit,
                args.hindsight_limit,
                args.oracle,
                tuple(args.policies),
                args.hindsight_mip,
            )
            append_rows(rows, args.csv)
            print(f"{region} seed {seed}: {time.perf_counter() - t0:.0f} s", flush=True)
            for r in rows:
                print(
                    f"  {r['policy']:9s} {r['pct_of_hindsight']}% (LP bound "
                    f"{r['pct_of_lp_bound']}%) placed {r['placed']}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
