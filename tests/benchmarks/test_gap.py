"""The OR-Library GAP importer (instances/gap.py) and `polku bench --gap`: small files written by
hand with optima known by enumeration, format errors that name the place, every job assigned."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest

from benchmarks.gap import SINGLE, GapFormatError, parse_gap, read_gap, to_engine
from cli.main import main
from matcher.allocation.solve import SolveOptions, solve

# Two problems. #1: 2 agents × 3 jobs; the cheapest assignment (all to agent 1, cost 3) breaks
# agent 1's capacity 4 (resources 2+2+2), so the optimum moves one job: cost 1+1+3 = 5.
# #2: 3 agents × 4 jobs with tight capacities.
TWO_PROBLEMS = """2
2 3
1 1 1
3 3 3
2 2 2
1 1 1
4 5
3 4
5 9 2 7
4 3 8 6
6 5 4 2
3 2 2 3
2 3 1 2
4 1 3 2
5 4 4
"""


def brute_force(cost: np.ndarray, resource: np.ndarray, capacity: np.ndarray) -> int | None:
    """The minimum total cost over every assignment of jobs to agents (None if none fits)."""
    m, n = cost.shape
    best = None
    for agents in itertools.product(range(m), repeat=n):
        use = np.zeros(m, dtype=np.int64)
        for j, a in enumerate(agents):
            use[a] += resource[a, j]
        if np.all(use <= capacity):
            total = int(sum(cost[a, j] for j, a in enumerate(agents)))
            best = total if best is None else min(best, total)
    return best


def test_parse_reads_every_problem_in_order():
    problems = parse_gap(TWO_PROBLEMS, "two.txt")
    assert [p.name for p in problems] == ["two-1", "two-2"]
    first = problems[0]
    assert (first.agents, first.jobs) == (2, 3)
    assert first.cost.tolist() == [[1, 1, 1], [3, 3, 3]]
    assert first.resource.tolist() == [[2, 2, 2], [1, 1, 1]]
    assert first.capacity.tolist() == [4, 5]
    assert problems[1].capacity.tolist() == [5, 4, 4]


@pytest.mark.oracle
@pytest.mark.parametrize("index", [0, 1])
def test_engine_finds_the_brute_force_optimum(index: int):
    problem = parse_gap(TWO_PROBLEMS, "two.txt")[index]
    model = to_engine(problem)
    result = solve(model.instance, SolveOptions(time_limit=10), pairs=model.pairs)
    cost, assigned = model.total_cost(result.chosen)
    assert assigned == problem.jobs
    assert cost == brute_force(problem.cost, problem.resource, problem.capacity)
    assert model.cost_lower_bound(result.bound) == cost  # proved optimal


def test_first_problem_optimum_is_five():
    problem = parse_gap(TWO_PROBLEMS, "two.txt")[0]
    model = to_engine(problem)
    result = solve(model.instance, SolveOptions(time_limit=10), pairs=model.pairs)
    assert model.total_cost(result.chosen) == (5, 3)


def test_big_m_makes_assigning_every_job_worth_any_cost():
    # one job can go to agent 1 at cost 1 only if another job pays 100 at agent 2: still all assigned
    problem = parse_gap("1\n2 2\n1 1\n100 100\n1 1\n1 1\n1 1\n", "m.txt")[0]
    model = to_engine(problem)
    result = solve(model.instance, SolveOptions(time_limit=10), pairs=model.pairs)
    assert model.total_cost(result.chosen) == (101, 2)


def test_infeasible_problem_leaves_a_job_out():
    problem = parse_gap("1\n1 2\n1 1\n3 3\n5\n", "tight.txt")[0]
    model = to_engine(problem)
    result = solve(model.instance, SolveOptions(time_limit=5), pairs=model.pairs)
    assert model.total_cost(result.chosen)[1] == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "ends after 0 numbers"),
        ("1\n2 3\n1 1 1\n", "cost matrix"),
        ("1\n1 1\n1\nx\n1\n", "number 5 (problem 1: the 1×1 resource matrix) is 'x'"),
        ("1\n1 1\n1\n1\n1\n7\n", "1 number(s) left after the 1 problem(s)"),
        ("1\n0 3\n", "0 agents and 3 jobs"),
    ],
)
def test_format_errors_name_the_place(text: str, message: str):
    with pytest.raises(GapFormatError, match=None) as err:
        parse_gap(text, "bad.txt")
    assert "bad.txt" in str(err.value)
    assert message in str(err.value)


def test_read_gap_missing_file(tmp_path: Path):
    with pytest.raises(GapFormatError, match="no such file"):
        read_gap(tmp_path / "none.txt")


@pytest.mark.oracle
def test_cli_reports_cost_bound_and_gap_to_best_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "two.txt"
    path.write_text(TWO_PROBLEMS)
    best = [brute_force(p.cost, p.resource, p.capacity) for p in parse_gap(TWO_PROBLEMS)]
    code = main(
        [
            "bench",
            "--gap",
            str(path),
            "--best-known",
            ",".join(str(b) for b in best),
            "--time-limit",
            "5",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith("two-")]
    assert len(lines) == 2
    assert all("0.000 %" in line and "OPTIMAL" in line for line in lines)
    assert f" {best[0]} " in lines[0]


def test_cli_rejects_a_wrong_number_of_best_known_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "two.txt"
    path.write_text(TWO_PROBLEMS)
    assert main(["bench", "--gap", str(path), "--best-known", "5"]) == 2
    assert "one per problem" in capsys.readouterr().err


def test_cli_reports_an_infeasible_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "tight.txt"
    path.write_text("1\n1 2\n1 1\n3 3\n5\n")
    assert main(["bench", "--gap", str(path), "--time-limit", "3"]) == 1
    assert "INFEASIBLE" in capsys.readouterr().out


DATA = Path(__file__).resolve().parent / "data" / "gap"


def test_single_problem_form_is_read_without_a_count():
    # the same first problem as TWO_PROBLEMS, written as Yagiura's files are: no leading count
    single = "2 3\n1 1 1\n3 3 3\n2 2 2\n1 1 1\n4 5\n"
    (problem,) = parse_gap(single, "d23")
    assert problem.form == "single-problem" and problem.name == "d23"
    assert problem.capacity.tolist() == [4, 5]
    assert parse_gap(TWO_PROBLEMS, "two.txt")[0].form == "multi-problem"


def test_a_file_of_neither_form_names_both():
    with pytest.raises(GapFormatError) as err:
        parse_gap("80 1600\n1 2 3\n", "d801600")
    text = str(err.value)
    assert "d801600" in text and "multi-problem form" in text and "2 + 2·m·n + m" in text


@pytest.mark.parametrize("name", ["c36", "d36", "e36", "two"])
def test_files_in_both_forms_solve_to_the_brute_force_optimum(name: str):
    problems = read_gap(DATA / name)
    assert {p.form for p in problems} == {"multi-problem" if name == "two" else "single-problem"}
    for problem in problems:
        best = brute_force(problem.cost, problem.resource, problem.capacity)
        assert best is not None
        model = to_engine(problem)
        result = solve(model.instance, SolveOptions(time_limit=10), pairs=model.pairs)
        assert model.total_cost(result.chosen) == (best, problem.jobs)


def test_generated_types_follow_their_formulas():
    from benchmarks.gap_suite import generate_gap

    c = generate_gap("C", 4, 200, seed=1)
    assert c.resource.min() >= 5 and c.resource.max() <= 25
    assert c.cost.min() >= 10 and c.cost.max() <= 50
    assert c.capacity.tolist() == np.floor(0.8 * c.resource.sum(axis=1) / 4).astype(int).tolist()
    d = generate_gap("D", 4, 200, seed=1)
    assert np.all(np.abs(d.cost - (111 - d.resource)) <= 10)
    e = generate_gap("E", 4, 200, seed=1)
    assert e.resource.min() >= 1 and np.all(e.cost <= np.rint(1000 / e.resource))


def test_gap_dir_prints_every_method_against_best_known(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    rows = ["name,best_known"]
    for f in ("c36", "two"):
        for p in read_gap(DATA / f):
            rows.append(f"{p.name},{brute_force(p.cost, p.resource, p.capacity)}")
            (tmp_path / f).write_text((DATA / f).read_text())
    (tmp_path / "best.csv").write_text("\n".join(rows) + "\n")
    code = main(
        [
            "bench",
            "--gap-dir",
            str(tmp_path),
            "--best-known",
            str(tmp_path / "best.csv"),
            "--time-limit",
            "5",
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    table = [line.split() for line in out[1:]]
    assert {(r[0], r[3]) for r in table} == {
        (n, m)
        for n in ("c36", "two-1", "two-2")
        for m in ("polku", "polku+cpsat", "cpsat", "highs")
    }
    assert all("+0.000" in " ".join(r) for r in table)  # every method proves these tiny optima


def test_gap_dir_names_a_bad_best_known_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "c36").write_text((DATA / "c36").read_text())
    (tmp_path / "best.csv").write_text("name,best_known\nc36,lots\n")
    assert (
        main(["bench", "--gap-dir", str(tmp_path), "--best-known", str(tmp_path / "best.csv")]) == 2
    )
    assert "row 2, field best_known: 'lots'" in capsys.readouterr().err


def test_generated_suite_reads_back_as_single_problem_files(tmp_path: Path):
    from benchmarks.gap_suite import main as write_suite

    assert write_suite([str(tmp_path)]) == 0
    for name in ("c801600", "d801600", "e801600"):
        (problem,) = read_gap(tmp_path / name)
        assert (problem.form, problem.agents, problem.jobs) == ("single-problem", 80, 1600)


# the generated files the best-known values of benchmarks/gap_generated_best_known.csv hold for
# (sha256, first 16 hex digits): a generator change must re-measure them
GENERATED = {
    "c801600": "72b6a024135a3e44",
    "d801600": "fbeaf766c1fc5e87",
    "e801600": "bc5924f11ec6edd9",
}


def test_the_generated_best_known_values_name_the_files_they_were_measured_on(tmp_path: Path):
    from benchmarks.gap_suite import main as write_suite
    from benchmarks.gap_suite import read_best_known

    assert write_suite([str(tmp_path)]) == 0
    root = Path(__file__).resolve().parents[2]
    known = read_best_known(root / "benchmarks" / "gap_generated_best_known.csv")
    assert sorted(known) == sorted(p.name for p in tmp_path.iterdir()) == sorted(GENERATED)
    for name, digest in GENERATED.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()[:16] == digest, name


PUBLIC = Path(__file__).resolve().parents[2] / "benchmarks" / "gapdata"


def test_public_yagiura_files_read_as_single_problems_with_their_optima():
    from benchmarks.gap_suite import gap_files, read_best_known

    known = read_best_known(PUBLIC / "best_known.csv")
    files = gap_files(PUBLIC)
    assert {f.name for f in files} == set(known) == {"c05100", "d05100", "e05100"}
    for f in files:
        (p,) = read_gap(f)
        assert p.form == SINGLE and (p.agents, p.jobs) == (5, 100)


def test_engine_on_a_public_file_never_beats_its_proven_optimum():
    from benchmarks.gap_suite import read_best_known, run_polku

    optimum = read_best_known(PUBLIC / "best_known.csv")["c05100"]
    (p,) = read_gap(PUBLIC / "c05100")
    run = run_polku(p, time_limit=8)
    assert run.cost is not None and run.bound is not None
    assert run.bound <= optimum <= run.cost <= optimum * 1.01
