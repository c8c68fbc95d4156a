"""A simulated year: pacing on a hand-made two-week year, determinism, hindsight as a bound."""

from __future__ import annotations

import numpy as np
import pytest

from instances.arrivals import Population, Year, YearSettings, year_population
from instances.build import build_instance
from matcher.pacing.policies import POLICIES, WeekContext, week_budget
from matcher.pacing.simulate import simulate
from tests.matcher.cases import client, placement


def two_week_year() -> Year:
    """One pool that pays one placement; a cheap-to-wait client in week 1, an urgent one in
    week 2; last year two urgent clients arrived in week 2."""
    inst = build_instance(
        clients=[client("a", 20), client("b", 1400)],
        placements=[
            placement("p1", type="work_trial", seats=2, duration_weeks=2, weekly_cost=1000.0)
        ],
        providers=[{"id": "v1", "name": "V", "kind": "company", "municipality": "Kuopio"}],
        pools=[{"id": "f1", "name": "F", "budget": 2000.0, "types": [], "municipalities": []}],
        name="tiny-2026-W01",
        week="2026-W01",
    )
    hist = build_instance(
        clients=[client("h1", 1400), client("h2", 1400)],
        placements=[],
        providers=[],
        pools=[],
        week="2026-W01",
    ).clients
    return Year(
        base=inst,
        arrival=np.array([0, 1]),
        leave=np.array([2, 2]),
        completes=np.ones(2),
        opens=np.array([0]),
        closes=np.array([2]),
        appropriation=np.array([2000.0]),
        history=Population(hist, np.array([1, 1]), np.array([2, 2]), np.ones(2)),
        settings=YearSettings(weeks=2, queue=1),
        region="tiny",
        seed=0,
    )


def test_myopic_spends_in_week_one_dual_keeps_the_budget_for_the_urgent_client():
    year = two_week_year()
    myopic = simulate(year, "myopic", time_limit=2)
    dual = simulate(year, "dual", time_limit=2)
    assert list(myopic.state.placed_week) == [0, -1]  # a takes the money, b finds none
    assert list(dual.state.placed_week) == [-1, 1]  # a waits, b is placed in week 2
    assert dual.prices[0][0] > 0 and dual.prices[1][0] == 0  # priced, then spent at 0
    assert dual.objective > myopic.objective
    bound = simulate(year, "hindsight").objective
    assert bound >= dual.objective - 1e-6
    assert bound == pytest.approx(dual.objective)  # dual is optimal here


def test_even_spreads_what_is_left():
    ctx = WeekContext(week=10, weeks=52, left=np.array([4200.0, 0.0]))
    assert list(week_budget("even", ctx)) == [100.0, 0.0]
    assert list(week_budget("myopic", ctx)) == [4200.0, 0.0]


@pytest.fixture(scope="module")
def small_year() -> Year:
    return year_population("pohjois-savo", YearSettings(queue=150, weeks=8), seed=3)


def test_the_year_is_deterministic_per_seed(small_year):
    again = year_population("pohjois-savo", YearSettings(queue=150, weeks=8), seed=3)
    assert np.array_equal(small_year.arrival, again.arrival)
    assert np.array_equal(small_year.leave, again.leave)
    assert np.array_equal(small_year.closes, again.closes)
    other = year_population("pohjois-savo", YearSettings(queue=150, weeks=8), seed=4)
    assert not np.array_equal(small_year.arrival, other.arrival)
    a = simulate(small_year, "greedy")
    b = simulate(again, "greedy")
    assert a.objective == b.objective
    assert np.array_equal(a.state.placed_week, b.state.placed_week)


def test_hindsight_bounds_every_policy(small_year):
    bound = simulate(small_year, "hindsight").objective
    for policy in POLICIES[:-1]:
        result = simulate(small_year, policy, time_limit=2)
        assert result.objective > 0
        assert bound >= result.objective - 1e-6, policy
        # the appropriation is never overspent
        spent = np.sum(result.state.spent_curve, axis=0)
        assert np.all(spent <= small_year.appropriation + 0.01)


def test_polku_simulate_writes_the_year(tmp_path, capsys):
    import json

    from cli.main import main

    code = main(
        [
            "simulate", "--region", "satakunta", "--weeks", "4", "--clients", "120",
            "--seed", "5", "--policy", "dual", "--time-limit", "1", "--out", str(tmp_path),
            "--quiet",
        ]
    )  # fmt: skip
    assert code == 0
    row = json.loads((tmp_path / "year.json").read_text(encoding="utf-8"))
    assert row["policy"] == "dual" and row["placed"] > 0
    assert len(row["spent_by_week"]) == 4
    assert row["spent_by_week"] == sorted(row["spent_by_week"])  # cumulative
    assert set(row["wait_by_group"]) >= {"youth", "long_term"}
    assert main(["simulate", "--region", "atlantis", "--policy", "dual", "--quiet"]) == 2
    assert "atlantis" in capsys.readouterr().err
