"""A folder of GAP files against best-known values: the engine, plain CP-SAT and HiGHS side by side.

`polku bench --gap-dir DIR --best-known CSV` reads every file of DIR in either GAP form
(`benchmarks.gap`), solves each problem with every method under the same time limit and worker
count, and prints one table row per (problem, method): cost, the method's own lower bound, the
gap to the best known value and to the bound. The CSV has a header `name,best_known` with one
row per problem name (a file's stem for single-problem files, `stem-k` for multi-problem ones).
`generate_gap` writes instances of Yagiura's types C, D and E by their published formulas, for
when the public files are not at hand.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.optimize import Bounds, LinearConstraint, milp

from benchmarks.gap import GapFormatError, GapProblem, read_gap, to_engine
from instances.atomic import write_text_atomic

METHODS = ("polku", "polku+cpsat", "cpsat", "highs")


@dataclass(frozen=True)
class GapRun:
    """One method's result on one problem: total cost (None if not every job was assigned), a
    valid lower bound on the optimum (None if the method proved none) and wall seconds."""

    problem: str
    method: str
    cost: int | None
    bound: float | None
    seconds: float


def generate_gap(kind: str, agents: int, jobs: int, seed: int = 0) -> GapProblem:
    """A GAP of Yagiura/Laguna type C, D or E (capacities b_i = 0.8·Σ_j a_ij / m for all three):
    C: a∈U[5,25], c∈U[10,50]; D: a∈U[1,100], c = 111 − a + U[−10,10];
    E: a = 1 − 10·ln U(0,1], c = 1000/a − 10·U[0,1] (a, c rounded to integers)."""
    rng = np.random.default_rng(seed)
    shape = (agents, jobs)
    kind = kind.upper()
    if kind == "C":
        a = rng.integers(5, 26, shape)
        c = rng.integers(10, 51, shape)
    elif kind == "D":
        a = rng.integers(1, 101, shape)
        c = 111 - a + rng.integers(-10, 11, shape)
    elif kind == "E":
        u = 1.0 - rng.random(shape)  # U(0, 1]
        a = np.rint(1 - 10 * np.log(u)).astype(np.int64)
        c = np.rint(1000 / a - 10 * rng.random(shape)).astype(np.int64)
    else:
        raise ValueError(f"GAP type must be C, D or E, got {kind!r}")
    cap = np.floor(0.8 * a.sum(axis=1) / agents).astype(np.int64)
    name = f"{kind.lower()}{agents}{jobs}"
    return GapProblem(name, c.astype(np.int64), a.astype(np.int64), cap, "single-problem")


def format_gap(problems: list[GapProblem], single: bool) -> str:
    """The text of a GAP file: one problem without the count (single) or the multi-problem form."""
    if single and len(problems) != 1:
        raise ValueError("the single-problem form holds exactly one problem")
    lines = [] if single else [str(len(problems))]
    for p in problems:
        lines.append(f"{p.agents} {p.jobs}")
        lines += [" ".join(map(str, row)) for row in p.cost]
        lines += [" ".join(map(str, row)) for row in p.resource]
        lines.append(" ".join(map(str, p.capacity)))
    return "\n".join(lines) + "\n"


def write_gap(problems: list[GapProblem], path: Path, single: bool) -> None:
    """Write a GAP file atomically (temp file + rename)."""
    write_text_atomic(path, format_gap(problems, single))


def _feasible_pairs(p: GapProblem) -> tuple[np.ndarray, np.ndarray]:
    """(agent, job) of every pair whose resource fits the agent's capacity on its own."""
    agent, job = np.nonzero(p.resource <= p.capacity[:, None])
    return agent, job


def run_cpsat(
    p: GapProblem,
    time_limit: float,
    workers: int = 2,
    hint: np.ndarray | None = None,
    method: str = "cpsat",
) -> GapRun:
    """Plain CP-SAT (default parameters, `workers` workers): x[a,j] booleans, each job exactly
    once, each agent within capacity, minimise total cost; `hint` (agent per job) as a hint."""
    t0 = time.perf_counter()
    agent, job = _feasible_pairs(p)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{k}") for k in range(len(agent))]
    by_job: list[list[int]] = [[] for _ in range(p.jobs)]
    by_agent: list[list[int]] = [[] for _ in range(p.agents)]
    for k, (a, j) in enumerate(zip(agent.tolist(), job.tolist(), strict=True)):
        by_job[j].append(k)
        by_agent[a].append(k)
    for ks in by_job:
        model.add_exactly_one(x[k] for k in ks)
    res = p.resource[agent, job].tolist()
    for a, ks in enumerate(by_agent):
        model.add(sum(res[k] * x[k] for k in ks) <= int(p.capacity[a]))
    cost = p.cost[agent, job].tolist()
    model.minimize(sum(cost[k] * x[k] for k in range(len(x))))
    if hint is not None:
        for k, (a, j) in enumerate(zip(agent.tolist(), job.tolist(), strict=True)):
            model.add_hint(x[k], bool(hint[j] == a))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit - (time.perf_counter() - t0), 0.1)
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return GapRun(
        p.name,
        method,
        int(round(solver.objective_value)) if found else None,
        math.ceil(solver.best_objective_bound - 1e-6)
        if found or status == cp_model.UNKNOWN
        else None,
        time.perf_counter() - t0,
    )


def run_highs(p: GapProblem, time_limit: float) -> GapRun:
    """HiGHS branch-and-cut (SciPy's milp) on the same model; its dual bound is valid."""
    t0 = time.perf_counter()
    agent, job = _feasible_pairs(p)
    k = np.arange(len(agent))
    rows = sp.vstack(
        [
            sp.csr_matrix((np.ones(len(k)), (job, k)), shape=(p.jobs, len(k))),
            sp.csr_matrix(
                (p.resource[agent, job].astype(float), (agent, k)), shape=(p.agents, len(k))
            ),
        ]
    ).tocsr()
    lo = np.concatenate([np.ones(p.jobs), np.full(p.agents, -np.inf)])
    hi = np.concatenate([np.ones(p.jobs), p.capacity.astype(float)])
    res = milp(
        p.cost[agent, job].astype(float),
        constraints=LinearConstraint(rows, lo, hi),
        integrality=np.ones(len(k)),
        bounds=Bounds(0, 1),
        options={"time_limit": max(time_limit - (time.perf_counter() - t0), 0.1), "disp": False},
    )
    cost = int(round(res.fun)) if res.x is not None else None
    bound = getattr(res, "mip_dual_bound", None)
    bound = math.ceil(bound - 1e-6) if bound is not None and math.isfinite(bound) else None
    return GapRun(p.name, "highs", cost, bound, time.perf_counter() - t0)


def run_polku(p: GapProblem, time_limit: float, workers: int = 2) -> GapRun:
    """The engine (`matcher.allocation.solve.solve`) on the GAP's pair table (`to_engine`)."""
    from matcher.allocation.solve import SolveOptions, solve

    t0 = time.perf_counter()
    model = to_engine(p)
    result = solve(
        model.instance, SolveOptions(time_limit=time_limit, workers=workers), pairs=model.pairs
    )
    cost, assigned = model.total_cost(result.chosen)
    bound = model.cost_lower_bound(result.bound)
    return GapRun(
        p.name, "polku", cost if assigned == p.jobs else None, bound, time.perf_counter() - t0
    )


def run_polku_cpsat(
    p: GapProblem, time_limit: float, workers: int = 2, share: float = 0.3
) -> GapRun:
    """The engine for `share` of the time, then plain CP-SAT hinted with the engine's assignment
    for the rest; the cost is the better of the two, the bound the higher."""
    from matcher.allocation.solve import SolveOptions, solve

    t0 = time.perf_counter()
    model = to_engine(p)
    result = solve(
        model.instance,
        SolveOptions(time_limit=share * time_limit, workers=workers),
        pairs=model.pairs,
    )
    cost, assigned = model.total_cost(result.chosen)
    bound = model.cost_lower_bound(result.bound)
    hint = np.full(p.jobs, -1, dtype=np.int64)
    idx = np.flatnonzero(result.chosen)
    hint[model.pairs.client[idx]] = model.pairs.placement[idx]
    rest = run_cpsat(p, time_limit - (time.perf_counter() - t0), workers, hint, "polku+cpsat")
    costs = [c for c in (cost if assigned == p.jobs else None, rest.cost) if c is not None]
    bounds = [b for b in (bound, rest.bound) if b is not None]
    return GapRun(
        p.name,
        "polku+cpsat",
        min(costs) if costs else None,
        max(bounds) if bounds else None,
        time.perf_counter() - t0,
    )


RUNNERS: dict[str, Callable[[GapProblem, float], GapRun]] = {
    "polku": run_polku,
    "polku+cpsat": run_polku_cpsat,
    "cpsat": run_cpsat,
    "highs": run_highs,
}


def read_best_known(path: Path) -> dict[str, float]:
    """`name,best_known` rows; GapFormatError names the file and row of a bad value."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or not {"name", "best_known"} <= set(reader.fieldnames):
                raise GapFormatError(
                    f"{path}: expected a header with the columns name,best_known, "
                    f"got {','.join(reader.fieldnames or [])!r}"
                )
            known = {}
            for line, row in enumerate(reader, start=2):
                try:
                    known[row["name"].strip()] = float(row["best_known"])
                except (TypeError, ValueError):
                    raise GapFormatError(
                        f"{path}: row {line}, field best_known: {row['best_known']!r} is not a number"
                    ) from None
            return known
    except FileNotFoundError:
        raise GapFormatError(f"{path}: no such file") from None


def gap_files(folder: Path) -> list[Path]:
    """The GAP files of a folder: every regular file except README*, *.csv, *.md and dotfiles."""
    if not folder.is_dir():
        raise GapFormatError(f"{folder}: not a folder")
    files = [
        f
        for f in sorted(folder.iterdir())
        if f.is_file()
        and not f.name.startswith(".")
        and not f.name.lower().startswith("readme")
        and f.suffix.lower() not in (".csv", ".md")
    ]
    if not files:
        raise GapFormatError(f"{folder}: no GAP files in the folder")
    return files


def pct(value: float | None, ref: float | None) -> str:
    """(value − ref)/ref in per cent, or — when either is missing."""
    if value is None or ref is None or ref == 0:
        return "—"
    return f"{100 * (value - ref) / ref:+.3f} %"


def run_suite(
    folder: Path,
    best_known: Path | None,
    time_limit: float,
    methods: tuple[str, ...] = METHODS,
    out: Callable[[str], None] = print,
) -> list[GapRun]:
    """Solve every problem of every file in `folder` with each method and print the table."""
    known = read_best_known(best_known) if best_known else {}
    problems = [(f, p) for f in gap_files(folder) for p in read_gap(f)]
    out(
        f"{'problem':<14} {'form':<14} {'m×n':>8} {'method':<6} {'cost':>8} {'bound':>8} "
        f"{'best known':>10} {'to known':>10} {'to bound':>10} {'s':>6}"
    )
    runs = []
    for _, p in problems:
        best = known.get(p.name)
        for method in methods:
            r = RUNNERS[method](p, time_limit)
            runs.append(r)
            to_bound = (
                "—"
                if r.cost is None or r.bound is None
                else f"{100 * (r.cost - r.bound) / r.cost:.3f} %"
            )
            out(
                f"{p.name:<14} {p.form:<14} {f'{p.agents}×{p.jobs}':>8} {method:<6} "
                f"{'—' if r.cost is None else r.cost:>8} {'—' if r.bound is None else int(r.bound):>8} "
                f"{'—' if best is None else f'{best:g}':>10} {pct(r.cost, best):>10} {to_bound:>10} "
                f"{r.seconds:>6.1f}"
            )
    return runs


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.gap_suite OUT`: write the generated 80×1600 files of types C, D, E
    (seed 0) into OUT, single-problem form, for `polku bench --gap-dir OUT`."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m benchmarks.gap_suite OUT", file=sys.stderr)
        return 2
    for kind in "CDE":
        p = generate_gap(kind, 80, 1600, seed=0)
        write_gap([p], Path(args[0]) / p.name, single=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
