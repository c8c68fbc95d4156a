"""Run the benchmark matrix and write the report: benchmarks/results.csv and benchmarks/RESULTS.md.

Every (size, method, repeat) runs in its own process (`benchmarks.worker`) so that peak memory
is that run's alone; a watchdog stops a run whose memory passes a cap (the machine is shared)
and records why. Results of (size, method) not run this time are kept from the previous
results.csv, so sizes and methods can be run one at a time and the report always covers
everything measured. Gaps are computed in one place from the same run: against the best valid
upper bound any method of that size proved (the LP bound from column generation, a MIP or
CP-SAT bound, the flow relaxation), and against the LP bound (the issue's targets).
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.sizes import Size, ensure_instance, size_of

ALL_METHODS = ("polku", "greedy", "lp", "flow", "mip", "cpsat-naive")
REPEATED = ("polku",)  # methods run `repeats` times (the targets are medians); baselines once
BOUND_ONLY = ("lp", "flow")  # methods that give a bound, not an allocation
MEMORY_CAP_GIB = 12.0  # a run above this is stopped (24 GiB machine, shared)
CSV_FIELDS = (
    "size",
    "method",
    "repeat",
    "status",
    "pairs",
    "time_limit",
    "read_seconds",
    "pairs_seconds",
    "build_seconds",
    "first_feasible_seconds",
    "objective",
    "bound",
    "lp_bound",
    "wall_seconds",
    "peak_rss_gib",
    "trace",
    "note",
)

# the numeric figures of a run whose median over repeats the report shows
MEDIAN_FIELDS = tuple(
    f
    for f in CSV_FIELDS[CSV_FIELDS.index("pairs") : CSV_FIELDS.index("trace")]
    if f not in ("time_limit", "lp_bound")
)


def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS and library versions of this machine."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    import numpy
    import ortools
    import scipy

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "ortools": str(getattr(ortools, "__version__", "?")),
        "scipy": scipy.__version__,
        "numpy": numpy.__version__,
    }


def _rss_gib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return 0.0


def run_one(
    folder: Path,
    size: Size,
    method: str,
    repeat: int,
    *,
    memory_cap: float,
    time_limit: float | None = None,
) -> dict[str, Any]:
    """One worker process for (size, method); returns its record (with a note when stopped)."""
    limit = time_limit if time_limit is not None else size.time_limit
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "record.json"
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.worker",
            str(folder),
            "--method",
            method,
            "--time-limit",
            str(limit),
            "--out",
            str(out),
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall_cap = 2 * limit + 300
        t0 = time.perf_counter()
        note = ""
        peak = 0.0
        while proc.poll() is None:
            rss = _rss_gib(proc.pid)
            peak = max(peak, rss)
            if rss > memory_cap:
                proc.kill()
                note = f"stopped: memory above {memory_cap:g} GiB"
            elif time.perf_counter() - t0 > wall_cap:
                proc.kill()
                note = f"stopped: still running after {wall_cap:.0f} s"
            time.sleep(0.5)
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if out.exists():
            record = json.loads(out.read_text(encoding="utf-8"))
        else:
            last = err.strip().splitlines()[-1] if err.strip() else f"exit code {proc.returncode}"
            record = {
                "status": "FAILED",
                "note": note or last[:200],
                "peak_rss_gib": peak,
                "wall_seconds": time.perf_counter() - t0,
            }
    record.update(size=size.key, method=method, repeat=repeat, time_limit=limit)
    record["note"] = record.get("note") or note
    return record


def run_matrix(
    sizes: list[Size],
    methods: list[str],
    repeats: int,
    cache: Path,
    *,
    memory_cap: float = MEMORY_CAP_GIB,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """Every (size, method, repeat) in turn, one process at a time."""
    records = []
    for size in sizes:
        log(f"[{size.key}] instance {size.folder_name}")
        folder = ensure_instance(size, cache)
        for method in methods:
            for rep in range(repeats if method in REPEATED else 1):
                t0 = time.perf_counter()
                rec = run_one(folder, size, method, rep, memory_cap=memory_cap)
                records.append(rec)
                log(
                    f"[{size.key}] {rec['method']} #{rep + 1}: {rec.get('status')} objective {rec.get('objective')} "
                    f"bound {rec.get('bound')} in {time.perf_counter() - t0:.0f} s, peak {rec.get('peak_rss_gib', 0):.2f} GiB "
                    f"{rec.get('note') or ''}"
                )
    return records


# ------------------------------------------------------------------------------------------
# results.csv
# ------------------------------------------------------------------------------------------
def write_csv(records: list[dict[str, Any]], path: Path) -> None:
    """One row per run; the objective trace as JSON [[seconds, objective], …]."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for rec in records:
            row = dict(rec)
            row["trace"] = json.dumps([[round(t, 3), v] for t, v in rec.get("trace") or []])
            w.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in CSV_FIELDS})
    tmp.replace(path)


def read_csv(path: Path) -> list[dict[str, Any]]:
    """The records of a results.csv (numbers parsed, trace decoded); [] when missing."""
    if not path.exists():
        return []
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rec: dict[str, Any] = {}
            for k, v in row.items():
                if k == "trace":
                    rec[k] = [tuple(p) for p in json.loads(v)] if v else []
                elif k in ("size", "method", "status", "note"):
                    rec[k] = v
                else:
                    rec[k] = float(v) if v not in ("", "None") else None
            out.append(rec)
    return out


# ------------------------------------------------------------------------------------------
# the report
# ------------------------------------------------------------------------------------------
def objective_at(rec: dict[str, Any], seconds: float) -> float | None:
    """The best objective the run had found `seconds` after it started."""
    values = [v for t, v in rec.get("trace") or [] if v is not None and t <= seconds + 1e-9]
    return max(values) if values else None


def gap(objective: float | None, bound: float | None) -> float | None:
    """(bound − objective)/|bound|; 1.0 (100 %) when there is no allocation."""
    if bound is None or not math.isfinite(bound) or bound == 0:
        return None
    if objective is None:
        return 1.0
    return max(0.0, (bound - objective) / abs(bound))


def best_bound(records: list[dict[str, Any]]) -> float | None:
    """The tightest valid upper bound among the runs of one size."""
    bounds = [
        r["bound"] for r in records if r.get("bound") is not None and math.isfinite(r["bound"])
    ]
    return min(bounds) if bounds else None


def lp_bound_of(records: list[dict[str, Any]]) -> float | None:
    """The LP relaxation's bound: the engine's column-generation optimum, else the LP baseline."""
    lps = [
        r["lp_bound"]
        for r in records
        if r.get("method") == "polku" and r.get("lp_bound") is not None
    ]
    if lps:
        return min(lps)
    lps = [r["bound"] for r in records if r.get("method") == "lp" and r.get("bound") is not None]
    return min(lps) if lps else None


def _pct(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{100 * x:.{digits}f} %"


def _num(x: float | None, fmt: str = "{:,.0f}") -> str:
    return "—" if x is None else fmt.format(x).replace(",", " ")


def _median(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if found else None


def _median_found(values: list[float | None]) -> float | None:
    """Median with "nothing found yet" ranked lowest: None when the median run had found nothing,
    so an objective shown at a checkpoint agrees with its gap."""
    ranked = sorted(values, key=lambda v: -math.inf if v is None else v)
    n = len(ranked)
    if not n:
        return None
    middle = ranked[(n - 1) // 2 : n // 2 + 1]
    found = [v for v in middle if v is not None]
    return statistics.fmean(found) if len(found) == len(middle) else None


def summarise(records: list[dict[str, Any]], size: Size) -> dict[str, Any]:
    """Per method: medians of the figures the report shows, with gaps to both bounds."""
    bb, lpb = best_bound(records), lp_bound_of(records)
    methods: dict[str, Any] = {}
    for method in dict.fromkeys(r["method"] for r in records):
        runs = [r for r in records if r["method"] == method]
        entry: dict[str, Any] = {
            "runs": len(runs),
            "status": ", ".join(sorted({str(r.get("status")) for r in runs})),
        }
        for key in MEDIAN_FIELDS:
            entry[key] = _median([r.get(key) for r in runs])
        allocates = method not in BOUND_ONLY
        entry["gap_best"] = (
            _median([gap(r.get("objective"), bb) for r in runs]) if bb and allocates else None
        )
        entry["gap_lp"] = (
            _median([gap(r.get("objective"), lpb) for r in runs]) if lpb and allocates else None
        )
        entry["gap_own"] = (
            _median([gap(r.get("objective"), r.get("bound")) for r in runs]) if allocates else None
        )
        entry["gap_lp_all"] = (
            [gap(r.get("objective"), lpb) for r in runs] if lpb and allocates else []
        )
        entry["at"] = {
            t: (
                _median_found([objective_at(r, t) for r in runs]),
                _median([gap(objective_at(r, t), lpb) for r in runs])
                if lpb and allocates
                else None,
            )
            for t in size.checkpoints
        }
        entry["build_share"] = _median(
            [
                ((r.get("pairs_seconds") or 0) + (r.get("build_seconds") or 0)) / r["wall_seconds"]
                for r in runs
                if r.get("wall_seconds")
            ]
        )
        entry["notes"] = sorted({r.get("note") for r in runs if r.get("note")})
        methods[method] = entry
    return {"best_bound": bb, "lp_bound": lpb, "methods": methods}


def targets(summary: dict[str, dict[str, Any]]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met?) for every target of the issue that the results cover."""
    out: list[tuple[str, str, bool | None]] = []
    for key, s in summary.items():
        size = size_of(key)
        polku = s["methods"].get("polku")
        if polku is None:
            continue
        if size.target_gap is not None and size.target_at is not None:
            at = size.target_at
            gaps = [
                g for g in (s["methods"]["polku"]["at"].get(at, (None, None))[1],) if g is not None
            ]
            g = gaps[0] if gaps else None
            ok = None if g is None else g <= size.target_gap
            out.append(
                (
                    f"{key}: within {100 * size.target_gap:g} % of the LP bound in {at:g} s (median of {polku['runs']})",
                    f"{_pct(g)} at {at:g} s",
                    ok,
                )
            )
        if size.target_own_gap is not None:
            own = polku["gap_own"]
            out.append(
                (
                    f"{key}: reported gap (to the engine's own bound) ≤ {100 * size.target_own_gap:g} %"
                    f" in {size.time_limit:g} s (median of {polku['runs']})",
                    _pct(own),
                    None if own is None else own <= size.target_own_gap,
                )
            )
        if size.memory_gib is not None:
            peak = polku["peak_rss_gib"]
            out.append(
                (
                    f"{key}: peak memory under {size.memory_gib:g} GiB",
                    f"{_num(peak, '{:.2f}')} GiB",
                    None if peak is None else peak < size.memory_gib,
                )
            )
        share = polku["build_share"]
        out.append(
            (
                f"{key}: candidate generation + model build under 15 % of the wall time",
                _pct(share, 1),
                None if share is None else share < 0.15,
            )
        )
        if key in ("M", "L"):
            naive, mip = s["methods"].get("cpsat-naive"), s["methods"].get("mip")
            mine = polku["gap_best"]
            if naive is not None and mine is not None and naive["gap_best"] is not None:
                ratio = math.inf if mine == 0 else naive["gap_best"] / mine
                out.append(
                    (
                        f"{key}: gap ≥ 10× smaller than naive CP-SAT at {size.time_limit:g} s",
                        f"{_pct(naive['gap_best'])} vs {_pct(mine)} (×{ratio:.1f})",
                        ratio >= 10,
                    )
                )
            if mip is not None and mine is not None and mip["gap_best"] is not None:
                out.append(
                    (
                        f"{key}: gap no worse than the MIP baseline at {size.time_limit:g} s",
                        f"{_pct(mine)} vs {_pct(mip['gap_best'])}",
                        mine <= mip["gap_best"] + 1e-12,
                    )
                )
    return out


def render(records: list[dict[str, Any]], command: str, notes: str = "") -> str:
    """RESULTS.md: machine, command, per-size tables, targets, and the notes."""
    m = machine()
    keys = [k for k in ("T", "S", "M", "L", "XL") if any(r["size"] == k for r in records)]
    summary = {k: summarise([r for r in records if r["size"] == k], size_of(k)) for k in keys}
    lines = [
        "# Polku solver benchmarks",
        "",
        f"Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} by `{command}`.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}; Python {m['python']}, "
        f"OR-Tools {m['ortools']}, SciPy {m['scipy']} (HiGHS), NumPy {m['numpy']}. The machine was shared "
        "with other work while these ran, so times carry some noise.",
        "",
        "Each run is a separate process started on the instance folder (`benchmarks/worker.py`); the engine "
        "(`polku`) is timed end to end from reading the folder, baselines get the time limit for their own "
        "search after the shared pair table and rows are built (build times are listed apart). Gaps: "
        "(bound − objective)/bound, against the best valid upper bound proved in the same run of that size "
        "(*best*) and against the LP relaxation's bound (*LP*, the issue's targets). Medians over repeats.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    for name, measured, ok in targets(summary):
        lines.append(
            f"| {name} | {measured} | {'yes' if ok else ('no' if ok is not None else '—')} |"
        )
    for key in keys:
        size, s = size_of(key), summary[key]
        runs = [r for r in records if r["size"] == key]
        pairs = next((r.get("pairs") for r in runs if r.get("pairs")), None)
        placements = (
            f", {size.placements} placements"
            if size.placements
            else ", default placements (≈ clients/12)"
        )
        lines += [
            "",
            f"## {key}: {size.region}, {size.clients:,} clients{placements}, seed {size.seed}".replace(
                ",", " ", 1
            ),
            "",
            f"Pairs: {_num(pairs)}; time limit {size.time_limit:g} s; best bound {_num(s['best_bound'])}; "
            f"LP bound {_num(s['lp_bound'])}.",
            "",
        ]
        cps = list(size.checkpoints)
        head = ["method", "runs", "status", "pairs s", "build s", "first feasible s"]
        head += [f"obj @{t:g}s (gap LP)" for t in cps]
        head += ["objective", "gap best", "gap LP", "own bound", "peak GiB"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for method, e in s["methods"].items():
            row = [
                method,
                str(e["runs"]),
                e["status"],
                _num(e["pairs_seconds"], "{:.1f}"),
                _num(e["build_seconds"], "{:.1f}"),
                _num(e["first_feasible_seconds"], "{:.1f}"),
            ]
            row += [f"{_num(e['at'][t][0])} ({_pct(e['at'][t][1], 2)})" for t in cps]
            row += [
                _num(e["objective"]),
                _pct(e["gap_best"]),
                _pct(e["gap_lp"]),
                _num(e["bound"]),
                _num(e["peak_rss_gib"], "{:.2f}"),
            ]
            lines.append("| " + " | ".join(row) + " |")
        extra = [f"- {m_}: {n}" for m_, e in s["methods"].items() for n in e["notes"]]
        polku = s["methods"].get("polku")
        if polku and polku["gap_lp_all"]:
            extra.append(
                "- polku gap to the LP bound per run: "
                + ", ".join(_pct(g) for g in polku["gap_lp_all"])
            )
        if extra:
            lines += ["", *extra]
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def bench(
    sizes: list[str],
    out: Path,
    repeats: int = 3,
    methods: list[str] | None = None,
    cache: Path | None = None,
    command: str = "polku bench",
    memory_cap: float = MEMORY_CAP_GIB,
    log: Callable[[str], None] = print,
) -> Path:
    """Run the sizes, merge with earlier results of other sizes, write results.csv and RESULTS.md."""
    out.mkdir(parents=True, exist_ok=True)
    cache = cache or out / ".instances"
    chosen = [size_of(s) for s in sizes]
    records = run_matrix(
        chosen, list(methods or ALL_METHODS), repeats, cache, memory_cap=memory_cap, log=log
    )
    ran = {(s.key, m) for s in chosen for m in (methods or ALL_METHODS)}
    keep = [r for r in read_csv(out / "results.csv") if (r["size"], r["method"]) not in ran]
    merged = keep + records
    write_csv(merged, out / "results.csv")
    notes_file = Path(__file__).with_name("notes.md")
    notes = notes_file.read_text(encoding="utf-8") if notes_file.exists() else ""
    report = out / "RESULTS.md"
    report.write_text(render(merged, command, notes), encoding="utf-8")
    return report


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="S,M,L,XL")
    ap.add_argument("--out", type=Path, default=Path("benchmarks"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--methods", default=",".join(ALL_METHODS))
    a = ap.parse_args()
    bench(
        a.sizes.split(","),
        a.out,
        a.repeats,
        a.methods.split(","),
        command="python -m benchmarks.run " + " ".join(sys.argv[1:]),
    )
