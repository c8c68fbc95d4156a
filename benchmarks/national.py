"""National benchmark: one instance solved by the one-process engine and by the national path on
Ray with 1 and 2 workers; objective, bound, gap, wall time and the peak memory of the whole
process tree (driver, raylet, actors), sampled from /proc.

    python -m benchmarks.national --size XL --time-limit 300 --out benchmarks/national.csv
    python -m benchmarks.national --clients 200000 --placements 0 --only ray2 ...  # default density
"""

from __future__ import annotations

import argparse
import csv
import os
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.sizes import Size, ensure_instance, size_of

PAGE = os.sysconf("SC_PAGE_SIZE")
METHODS = ("one", "ray1", "ray2")


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every descendant (from /proc: no extra dependency)."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parent[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    total, todo, seen = 0, [root], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += rss.get(p, 0)
        todo.extend(c for c, q in parent.items() if q == p)
    return total


class PeakMemory:
    """The peak of `_tree_rss(this process)` sampled every `every` seconds while running."""

    def __init__(self, every: float = 1.0) -> None:
        self.every, self.peak, self._stop = every, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._stop.wait(self.every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_one(
    inst: Any,
    method: str,
    time_limit: float,
    split: str = "region",
    max_part_clients: int | None = None,
) -> dict[str, Any]:
    """Solve `inst` with `method` ("one", "ray1", "ray2") and return its figures."""
    from matcher.allocation.result import to_allocation
    from matcher.allocation.solve import SolveOptions, solve
    from matcher.check.allocation import check_allocation
    from matcher.national.master import NationalOptions, solve_national
    from matcher.national.result import national_allocation

    t0 = time.perf_counter()
    with PeakMemory() as mem:
        if method == "one":
            result = solve(inst, SolveOptions(time_limit=time_limit))
            wall = time.perf_counter() - t0
            alloc = to_allocation(inst, result, explain=False)
        else:
            options = NationalOptions(
                time_limit=time_limit,
                workers=int(method[-1]),
                split=split,
                max_part_clients=max_part_clients,
                explain=False,
            )
            national = solve_national(inst, options, use_ray=True)
            wall = time.perf_counter() - t0
            result = national.result
            alloc = national_allocation(inst, national)
    violations = len(check_allocation(inst, alloc))
    return {
        "method": method,
        "split": "" if method == "one" else split,
        "max_part_clients": "" if method == "one" else (max_part_clients or ""),
        "pairs": result.stats.get("pairs"),
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "wall_seconds": round(wall, 1),
        "startup_seconds": result.stats.get("startup_seconds", 0.0),
        "build_seconds": result.stats.get("build_seconds", result.stats.get("pairs_seconds")),
        "coupling_rows": result.stats.get("coupling_rows"),
        "price_rounds": result.stats.get("price_rounds"),
        "peak_gib": round(mem.peak / 2**30, 2),
        "violations": violations,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="XL", help="a size of benchmarks/sizes.py")
    parser.add_argument("--clients", type=int, help="override the size's clients")
    parser.add_argument("--placements", type=int, help="override placements (0 = default)")
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--only", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--split", choices=("region", "area"), default="region")
    parser.add_argument("--max-part-clients", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/.instances"))
    parser.add_argument("--out", type=Path, default=Path("benchmarks/national.csv"))
    args = parser.parse_args(argv)
    from instances.read import read_instance

    base = size_of(args.size)
    size = Size(
        base.key if args.clients is None and args.placements is None else "N",
        base.region,
        args.clients or base.clients,
        (args.placements or None) if args.placements is not None else base.placements,
        base.seed,
        args.time_limit,
        (),
    )
    inst = read_instance(ensure_instance(size, args.cache))
    rows = []
    for method in args.only:
        row = {
            "instance": size.folder_name,
            "time_limit": args.time_limit,
            **run_one(inst, method, args.time_limit, args.split, args.max_part_clients),
        }
        print(row, flush=True)
        rows.append(row)
        append_row(args.out, row)
    return 0


def append_row(path: Path, row: dict[str, Any]) -> None:
    """Add `row` to the CSV at `path`; columns new to the file widen its header (old rows get
    empty cells), written atomically."""
    from instances.atomic import atomic_path

    old: list[dict[str, Any]] = []
    fields = list(row)
    if path.exists():
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            old = list(reader)
            have = list(reader.fieldnames or [])
        fields = have + [f for f in row if f not in have]
    with atomic_path(path, suffix=".csv") as tmp, open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows([*old, row])


if __name__ == "__main__":
    raise SystemExit(main())
