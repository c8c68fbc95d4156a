"""The benchmark harness end to end on a tiny size (300 clients, 5 s): every method runs in its own
process, results.csv and RESULTS.md are written with the machine, the command and the targets."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks.run import ALL_METHODS, bench, objective_at


@pytest.mark.slow  # every method on a small size: make test-all (CI)
def test_bench_writes_csv_and_report(tmp_path: Path):
    lines: list[str] = []
    report = bench(
        ["T"],
        tmp_path,
        repeats=1,
        cache=tmp_path / "cache",
        command="pytest smoke",
        log=lines.append,
    )
    rows = list(csv.DictReader(open(tmp_path / "results.csv", encoding="utf-8")))
    assert sorted(r["method"] for r in rows) == sorted(ALL_METHODS)
    by = {r["method"]: r for r in rows}
    assert all(r["status"] not in ("FAILED", "") for r in rows), lines
    polku = by["polku"]
    assert float(polku["objective"]) > 0 and float(polku["peak_rss_gib"]) > 0
    # every allocation is below every valid bound of the same run
    bounds = [float(r["bound"]) for r in rows if r["bound"]]
    objectives = [float(r["objective"]) for r in rows if r["objective"]]
    assert max(objectives) <= min(bounds) + 1e-6
    assert float(polku["objective"]) == max(objectives)  # the engine proves optimality here
    text = report.read_text(encoding="utf-8")
    assert "Machine:" in text and "cores" in text and "`pytest smoke`" in text
    assert "## Targets" in text and "| polku | 1 |" in text


def test_objective_at_reads_the_trace():
    rec = {"trace": [(1.0, 10.0), (3.0, 12.0), (7.0, 15.0)]}
    assert objective_at(rec, 0.5) is None
    assert objective_at(rec, 3.0) == 12.0
    assert objective_at(rec, 100) == 15.0


def test_xl_reported_gap_target_is_the_median_gap_to_the_own_bound():
    from benchmarks.run import summarise, targets
    from benchmarks.sizes import size_of

    runs = [  # objective, own bound: reported gaps 0.1 %, 0.3 %, 0.15 % → median 0.15 %
        (999.0, 1000.0),
        (997.0, 1000.0),
        (998.5, 1000.0),
    ]
    records = [
        {"method": "polku", "objective": o, "bound": b, "lp_bound": 1010.0, "trace": [(300.0, o)]}
        for o, b in runs
    ]
    rows = {t: (m, ok) for t, m, ok in targets({"XL": summarise(records, size_of("XL"))})}
    measured, met = next(v for t, v in rows.items() if t.startswith("XL: reported gap"))
    assert measured == "0.150 %" and met is True
