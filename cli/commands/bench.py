"""`polku bench [--sizes S,M,L,XL] [--out benchmarks] [--repeats 3]`: run the solver benchmarks and
write benchmarks/RESULTS.md and results.csv; `polku bench --gap FILE [--best-known V]
[--time-limit S]`: solve a generalized assignment file (either form) and report cost, bound and
gap; `polku bench --gap-dir DIR [--best-known CSV]`: every GAP file of a folder with the engine,
plain CP-SAT and HiGHS side by side, gaps to the CSV's best-known values.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

SIZE_METHODS = "polku,greedy,lp,flow,mip,cpsat-naive"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sizes", default="S,M,L,XL", help="comma-separated sizes (default S,M,L,XL)"
    )
    parser.add_argument("--out", default="benchmarks", help="folder for RESULTS.md and results.csv")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of the engine per size (default 3)"
    )
    parser.add_argument(
        "--methods",
        default=SIZE_METHODS,
        help="comma-separated methods (default: the engine and every baseline; with --gap-dir "
        "polku,cpsat,highs)",
    )
    parser.add_argument(
        "--cache", help="folder for the generated instances (default OUT/.instances)"
    )
    parser.add_argument("--gap", metavar="FILE", help="a GAP file (either form) to solve instead")
    parser.add_argument(
        "--gap-dir", metavar="DIR", help="a folder of GAP files: engine vs plain CP-SAT vs HiGHS"
    )
    parser.add_argument(
        "--best-known",
        metavar="V",
        help="with --gap: best-known total cost, one value or one per problem (comma-separated); "
        "with --gap-dir: a CSV with the columns name,best_known",
    )
    parser.add_argument(
        "--time-limit", type=float, default=60.0, help="seconds per GAP problem (default 60)"
    )


def run(args: argparse.Namespace) -> int:
    if args.gap_dir:
        return run_gap_dir(Path(args.gap_dir), args.best_known, args.time_limit, args.methods)
    if args.gap:
        return run_gap(Path(args.gap), args.best_known, args.time_limit)
    from benchmarks.run import ALL_METHODS, bench
    from benchmarks.sizes import size_of

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    try:
        for s in sizes:
            size_of(s)
    except ValueError as exc:
        print(f"polku bench: {exc}", file=sys.stderr)
        return 2
    if _unknown_methods(methods, ALL_METHODS, "method(s)"):
        return 2
    if args.repeats < 1:
        print("polku bench: --repeats must be at least 1", file=sys.stderr)
        return 2
    command = (
        "polku bench " + " ".join(shlex.quote(a) for a in sys.argv[2:])
        if len(sys.argv) > 2
        else "polku bench"
    )
    report = bench(
        sizes,
        Path(args.out),
        repeats=args.repeats,
        methods=methods,
        cache=Path(args.cache) if args.cache else None,
        command=command.strip(),
        log=lambda line: print(line, flush=True),
    )
    print(f"wrote {report} and {report.with_name('results.csv')}")
    return 0


def _unknown_methods(chosen: Sequence[str], known: Sequence[str], what: str) -> bool:
    """Print the methods of `chosen` not in `known` (and which are known); True if any."""
    unknown = [m for m in chosen if m not in known]
    if unknown:
        print(
            f"polku bench: unknown {what} {', '.join(unknown)}; known: {', '.join(known)}",
            file=sys.stderr,
        )
    return bool(unknown)


def run_gap_dir(folder: Path, best_known: str | None, time_limit: float, methods: str) -> int:
    """Every GAP file of `folder` with the engine, plain CP-SAT (2 workers) and HiGHS."""
    from benchmarks.gap import GapFormatError
    from benchmarks.gap_suite import METHODS, run_suite

    chosen = (
        METHODS
        if methods == SIZE_METHODS
        else tuple(m.strip() for m in methods.split(",") if m.strip())
    )
    if _unknown_methods(chosen, METHODS, "GAP method(s)"):
        return 2
    if not time_limit > 0:
        print("polku bench: --time-limit must be positive", file=sys.stderr)
        return 2
    try:
        runs = run_suite(
            folder,
            Path(best_known) if best_known else None,
            time_limit,
            chosen,
            out=lambda line: print(line, flush=True),
        )
    except GapFormatError as exc:
        print(f"polku bench: {exc}", file=sys.stderr)
        return 2
    return 1 if any(r.cost is None and r.method == "polku" for r in runs) else 0


def _best_known(text: str | None, count: int) -> list[float | None]:
    if not text:
        return [None] * count
    values = [float(v) for v in text.split(",") if v.strip()]
    if len(values) == 1 and count > 1:
        raise ValueError(
            f"--best-known gives 1 value but the file has {count} problems; give one per problem"
        )
    if len(values) != count:
        raise ValueError(f"--best-known gives {len(values)} values for {count} problem(s)")
    return list(values)


def run_gap(path: Path, best_known: str | None, time_limit: float) -> int:
    """Solve every problem of a GAP file with the engine and print cost, bound and gaps."""
    from benchmarks.gap import GapFormatError, read_gap, to_engine
    from matcher.allocation.solve import SolveOptions, solve

    try:
        problems = read_gap(path)
        known = _best_known(best_known, len(problems))
    except (GapFormatError, ValueError) as exc:
        print(f"polku bench: {exc}", file=sys.stderr)
        return 2
    if not time_limit > 0:
        print("polku bench: --time-limit must be positive", file=sys.stderr)
        return 2
    for form in sorted({p.form for p in problems}):
        print(f"{path}: read as the {form} form")
    head = f"{'problem':<12} {'agents×jobs':>11} {'cost':>8} {'bound':>8} {'best known':>10} {'gap to known':>12} {'gap to bound':>12} {'seconds':>8}  status"
    print(head)
    worst = 0
    for problem, best in zip(problems, known, strict=True):
        model = to_engine(problem)
        t0 = time.perf_counter()
        result = solve(model.instance, SolveOptions(time_limit=time_limit), pairs=model.pairs)
        seconds = time.perf_counter() - t0
        cost, assigned = model.total_cost(result.chosen)
        bound = model.cost_lower_bound(result.bound)
        if assigned < problem.jobs:
            status = f"INFEASIBLE? {problem.jobs - assigned} job(s) unassigned"
            worst = 1
            cost_text = "—"
        else:
            status = "OPTIMAL" if bound is not None and cost <= bound else result.status
            cost_text = str(cost)
        to_known = (
            "—"
            if best is None or assigned < problem.jobs
            else f"{100 * (cost - best) / best:.3f} %"
        )
        to_bound = (
            "—"
            if bound is None or assigned < problem.jobs
            else f"{100 * (cost - bound) / max(cost, 1):.3f} %"
        )
        print(
            f"{problem.name:<12} {f'{problem.agents}×{problem.jobs}':>11} {cost_text:>8} {bound if bound is not None else '—':>8} "
            f"{'—' if best is None else f'{best:g}':>10} {to_known:>12} {to_bound:>12} {seconds:>8.1f}  {status}",
            flush=True,
        )
    return worst
