"""One benchmark run in its own process: read the instance folder, build, run one method, and
write a JSON record (times, objective trace, bound, peak memory).

`python -m benchmarks.worker INSTANCE --method M --time-limit T --out result.json`

The clock starts before the folder is read, so "polku" is timed end to end (its solve gets
T − reading time). Baselines get T for their own search after the shared pair table and rows
are built (those seconds are reported apart). Peak memory is this process's maximum RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

METHODS = ("polku", "greedy", "lp", "flow", "mip", "cpsat-naive")


def peak_rss_gib() -> float:
    """Maximum resident set size of this process so far, GiB (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def run(instance: Path, method: str, time_limit: float, mip_solver: str = "scip") -> dict[str, Any]:
    """Run `method` on the instance folder within `time_limit` seconds; the record to write."""
    t0 = time.perf_counter()
    from instances.read import read_instance

    inst = read_instance(instance)
    read_s = time.perf_counter() - t0
    record: dict[str, Any] = {
        "method": method,
        "instance": str(instance),
        "time_limit": time_limit,
        "read_seconds": read_s,
    }
    if method == "polku":
        record.update(_polku(inst, time_limit - read_s, t0))
    else:
        record.update(_baseline(inst, method, time_limit, t0, mip_solver))
    record["wall_seconds"] = time.perf_counter() - t0
    record["peak_rss_gib"] = peak_rss_gib()
    return record


def _polku(inst: Any, time_limit: float, t0: float) -> dict[str, Any]:
    from matcher.allocation.solve import SolveOptions, solve

    offset = time.perf_counter() - t0
    result = solve(inst, SolveOptions(time_limit=max(1.0, time_limit)))
    trace = [(p.elapsed + offset, p.objective) for p in result.history if p.objective is not None]
    stats = result.stats
    build = (
        float(stats.get("rows_seconds", 0.0))
        + float(stats.get("net_seconds", 0.0))
        + float(stats.get("model_build_seconds", 0.0))
    )
    first = stats.get("first_feasible_seconds")
    return {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "lp_bound": stats.get("lp_bound"),
        "pairs": len(result.pairs),
        "pairs_seconds": stats.get("pairs_seconds"),
        "build_seconds": build,
        "first_feasible_seconds": None if first is None else float(first) + offset,
        "trace": trace,
        "stats": {
            k: v for k, v in stats.items() if isinstance(v, (int, float, str, bool)) or v is None
        },
    }


def _baseline(
    inst: Any, method: str, time_limit: float, t0: float, mip_solver: str
) -> dict[str, Any]:
    import numpy as np

    from benchmarks import baselines as bl
    from matcher.allocation.constraints import build_rows
    from matcher.pairs.candidates import build_pairs

    t1 = time.perf_counter()
    pairs = build_pairs(inst)
    pairs_s = time.perf_counter() - t1
    rows = build_rows(inst, pairs)
    rows_s = time.perf_counter() - t1 - pairs_s
    score = pairs.score
    if method == "greedy":
        res = bl.greedy_by_priority(rows, score, pairs.components["priority"])
    elif method == "lp":
        res = bl.lp_bound(
            rows, score, time_limit=time_limit, solver="glop" if len(pairs) <= 200_000 else "pdlp"
        )
    elif method == "flow":
        res = bl.flow_without_budgets(rows, score)
    elif method == "mip":
        res = bl.mip_ortools(rows, score, time_limit=time_limit, solver=mip_solver)
    elif method == "cpsat-naive":
        res = bl.naive_cpsat(rows, np.asarray(score), time_limit=time_limit)
    else:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    offset = t1 - t0 + pairs_s + rows_s
    first = res.history[0][0] + offset if res.history else None
    return {
        "status": res.status,
        "objective": res.objective,
        "bound": res.bound,
        "pairs": len(pairs),
        "pairs_seconds": pairs_s,
        "build_seconds": rows_s + res.build_seconds,
        "first_feasible_seconds": first,
        "trace": [(t + offset, v) for t, v in res.history],
        "stats": {**res.stats, "method_seconds": res.seconds, "solver": res.method},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("instance", type=Path)
    parser.add_argument("--method", required=True, choices=METHODS)
    parser.add_argument("--time-limit", type=float, required=True)
    parser.add_argument("--mip-solver", default="scip", choices=("scip", "highs"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    record = run(args.instance, args.method, args.time_limit, args.mip_solver)
    args.out.write_text(json.dumps(record, default=float) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
