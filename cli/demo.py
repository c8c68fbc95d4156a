"""`make demo`: a real weekly allocation on a generated region, shown command by command.

Generates a 3 000-client Pohjois-Savo week, declares its period (weeks 48–49: each pool's
appropriation is twice its week budget, so the week budget is the pace and week 49 has money of
its own), validates it, solves it (60 s at most), checks the
allocation independently, explains one placed and one unplaced client, builds employer
shortlists; then the service (cli/demo_service.py) with printed tokens runs a two-week chain
through the API — week 48 solved and published, one placement ended early and its outcome
recorded, week 49 built, solved and published — prints the period report of the two weeks
(`polku report --db`, its CSV, XLSX and Markdown files in OUT/report) and serves until Ctrl-C on
a terminal (a quick start-and-stop otherwise; `--no-serve` skips the service and the chain).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from cli.main import main as polku


def step(title: str, argv: list[str]) -> int:
    """Print the command as a user would type it, run it, stop the demo on failure."""
    print(f"\n=== {title}\n$ polku {shlex.join(argv)}", flush=True)
    code = polku(argv)
    if code not in (0,):
        print(f"demo: `polku {argv[0]}` exited {code}", file=sys.stderr)
        sys.exit(code)
    return code


def declare_period(instance_dir: Path, first: str, last: str) -> int:
    """Make the generated week the first of a period `first`…`last`: each pool's appropriation
    (`period_budget`) is its week budget × the period's weeks, nothing spent yet, so the week
    budget is an even pace (README "Period budgets"); the instance rewritten in place
    (atomically). The number of weeks."""
    from instances.read import read_instance
    from instances.write import write_instance
    from models.lifecycle import weeks_between

    inst = read_instance(instance_dir)
    weeks = weeks_between(first, last) + 1
    extra = ["period_budget", "period_spent", "period_end_week"]
    inst.pools["period_budget"] = (inst.pools["budget"].astype(float) * weeks).round(2)
    inst.pools["period_spent"] = 0.0
    inst.pools["period_end_week"] = last
    columns = list(inst.columns_in_file.get("funding.csv") or inst.pools.columns)
    inst.columns_in_file["funding.csv"] = columns + [c for c in extra if c not in columns]
    write_instance(inst, instance_dir)
    return weeks


def pick_clients(alloc_path: Path) -> tuple[str | None, str | None]:
    """One placed client (the first with a wish met, else the first) and one left out."""
    alloc = json.loads(alloc_path.read_text(encoding="utf-8"))
    placed = alloc.get("assignments", [])
    with_wish = [a for a in placed if a.get("score", {}).get("wish", 0) > 0]
    first = (with_wish or placed or [{}])[0].get("client_id")
    left = alloc.get("unassigned", [])
    return first, (left[0]["client_id"] if left else None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="demo-out", help="folder for the demo's files")
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--no-serve", action="store_true", help="skip starting the service")
    args = parser.parse_args(argv)
    out = Path(args.out)
    inst = out / "pohjois-savo-2026-W48"
    alloc = out / "allocation.json"
    step(
        "Generate a week for Pohjois-Savo",
        [
            "generate",
            "--region",
            "pohjois-savo",
            "--clients",
            str(args.clients),
            "--seed",
            "48",
            "--week",
            "2026-W48",
            "--out",
            str(inst),
        ],
    )
    weeks = declare_period(inst, "2026-W48", "2026-W49")
    print(
        f"\n=== The period: 2026-W48…2026-W49 ({weeks} weeks); each pool's appropriation "
        f"(funding.csv period_budget) is {weeks} × its week budget, the week budget its pace"
    )
    step("Validate it", ["validate", str(inst)])
    step(
        "Solve the weekly allocation",
        [
            "solve",
            str(inst),
            "--time-limit",
            str(args.time_limit),
            "--out",
            str(alloc),
            "--pairs-out",
            str(out / "pairs.csv"),
        ],
    )
    step("Check the allocation independently", ["check", str(inst), str(alloc)])
    placed, left = pick_clients(alloc)
    if placed:
        step(
            "Explain a placed client",
            ["explain", str(alloc), "--instance", str(inst), "--client", placed],
        )
    if left:
        step(
            "Explain a client left out",
            ["explain", str(alloc), "--instance", str(inst), "--client", left],
        )
    lists = out / "shortlists.json"
    step(
        "Shortlists for the employers: 3 candidates per free seat",
        [
            "shortlist",
            str(inst),
            "--per-seat",
            "3",
            "--time-limit",
            str(args.time_limit),
            "--out",
            str(lists),
        ],
    )
    step(
        "Check the shortlists independently (every combination of picks)",
        ["check", str(inst), str(lists)],
    )
    if not args.no_serve:
        try:
            from cli.demo_service import run_service_demo
        except ModuleNotFoundError:
            return 0
        return run_service_demo(
            inst,
            out / "polku.sqlite",
            interactive=sys.stdin.isatty(),
            report_dir=out / "report",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
