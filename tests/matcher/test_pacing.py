"""A simulated year: pacing on a hand-made two-week year, determinism, hindsight as a bound."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from instances.arrivals import Population, Year, YearSettings, year_population
from matcher.pacing.forecast import DualSettings, prices
from matcher.pacing.hindsight import round_plan, solve_lp, year_pairs
from matcher.pacing.policies import POLICIES, WeekContext, week_budget
from matcher.pacing.simulate import simulate
from matcher.pacing.state import SimState
from tests.matcher.cases import client, placement
from tests.matcher.pacing.cases import tiny_year


def two_week_year(seats: int = 2, weekly_cost: float = 1000.0, budget: float = 2000.0) -> Year:
    """One pool that pays one placement; a cheap-to-wait client in week 1, an urgent one in
    week 2; last year two urgent clients arrived in week 2."""
    return tiny_year(
        [client("a", 20), client("b", 1400)],
        placement("p1", type="work_trial", seats=seats, duration_weeks=2, weekly_cost=weekly_cost),
        budget,
        arrival=[0, 1],
        leave=[2, 2],
        history=[(client("h1", 1400), 1), (client("h2", 1400), 1)],
        weeks=2,
    )


def without_history(year: Year) -> Year:
    """The same year with nobody arriving last year."""
    empty = np.zeros(0, dtype=np.int64)
    return replace(
        year, history=Population(year.history.clients.iloc[:0], empty, empty.copy(), np.ones(0))
    )


def test_myopic_spends_in_week_one_dual_keeps_the_budget_for_the_urgent_client():
    year = two_week_year()
    myopic = simulate(year, "myopic", time_limit=2)
    dual = simulate(year, "dual", time_limit=2)
    assert list(myopic.state.placed_week) == [0, -1]  # a takes the money, b finds none
    assert list(dual.state.placed_week) == [-1, 1]  # a waits, b is placed in week 2
    assert dual.prices[0][0] > 0 and dual.prices[1][0] == 0  # priced, then spent at 0
    assert dual.objective > myopic.objective
    hindsight = simulate(year, "hindsight")
    assert hindsight.lp_bound >= dual.objective - 1e-6
    assert hindsight.objective == pytest.approx(dual.objective)  # dual is optimal here


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
    hindsight = simulate(small_year, "hindsight")
    bound = hindsight.lp_bound
    assert hindsight.lp_value <= bound + 1e-6
    assert hindsight.objective <= bound + 1e-6  # the integer plan, replayed
    for policy in POLICIES:
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


def one_seat_year() -> Year:
    """One seat held two weeks, three weeks: a can start only in week 1, c only in week 2, b in
    week 2 or 3; c is the most urgent, but a then b fill the seat with two clients."""
    return tiny_year(
        [client("a", 600), client("b", 600), client("c", 900)],
        placement("p1", type="work_trial", seats=1, duration_weeks=2, weekly_cost=10.0),
        1000.0,
        arrival=[0, 1, 1],
        leave=[1, 3, 2],
        history=[(client("h1", 600), 1)],
        weeks=3,
    )


def test_hindsight_schedules_the_seat_week_by_week():
    year = one_seat_year()
    yp = year_pairs(year)
    lp = solve_lp(year, yp)
    plan = round_plan(year, yp, lp)
    assert list(plan.start) == [0, 2, -1]  # a in week 1, b in week 3 after a's two weeks
    assert lp.bound == pytest.approx(lp.value) == pytest.approx(plan.value)  # interval rows
    result = simulate(year, "hindsight")
    assert list(result.state.placed_week) == [0, 2, -1]  # the replay keeps the plan
    assert result.objective == pytest.approx(plan.value)
    assert result.lp_bound == pytest.approx(plan.value)
    for policy in POLICIES[:-1]:
        assert simulate(year, policy, time_limit=2).objective <= result.objective + 1e-6


def test_a_stale_price_in_the_last_week_would_leave_the_urgent_client_out():
    year = two_week_year()
    dual = simulate(year, "dual", time_limit=2, dual=DualSettings(reprice_every=2))
    # week 1's price kept into week 2 would drop b (score − price·cost ≤ 0): re-priced to 0
    assert dual.prices[0][0] > 0 and dual.prices[1][0] == 0
    assert list(dual.state.placed_week) == [-1, 1]


def test_the_forecast_prices_the_queue_against_the_budget_left():
    year = two_week_year()
    state = SimState.start(year)
    no_future = without_history(year)
    # nobody expected later and the queue (a) fits the budget: a € kept back is worth nothing
    assert prices(no_future, state, 0, np.array([0])).pool[0] == 0
    # urgent arrivals expected in week 2 that the budget cannot all pay: a positive price
    assert prices(year, state, 0, np.array([0])).pool[0] > 0


def test_the_oracle_forecast_sees_this_years_arrivals():
    year = two_week_year()
    no_history = without_history(year)
    state = SimState.start(year)
    # last year nobody came in week 2: the forecast keeps nothing back; the oracle knows b
    assert prices(no_history, state, 0, np.array([0])).pool[0] == 0
    oracle = prices(no_history, state, 0, np.array([0]), DualSettings(oracle=True))
    assert oracle.pool[0] > 0


def seat_year() -> Year:
    """The two-week year with one seat held two weeks and money for everyone."""
    return two_week_year(seats=1, weekly_cost=100.0, budget=10_000.0)


@pytest.mark.parametrize("blocks", [1, 2])
def test_seat_prices_keep_the_seat_for_the_urgent_client(blocks):
    year = seat_year()
    myopic = simulate(year, "myopic", time_limit=2)
    assert list(myopic.state.placed_week) == [0, -1]  # a takes the seat for both weeks
    plain = simulate(year, "dual", time_limit=2)  # money is no constraint: price 0, a placed
    assert list(plain.state.placed_week) == [0, -1]
    settings = DualSettings(seat_prices=True, blocks=blocks)  # 2: a seat row per week
    seated = simulate(year, "dual", time_limit=2, dual=settings)
    assert list(seated.state.placed_week) == [-1, 1]  # the seat waits a week for b
    assert seated.objective > myopic.objective
    p = prices(year, SimState.start(year), 0, np.array([0]), settings)
    assert p.pool[0] == 0 and p.seat[0] > 0


def test_the_fluid_lp_by_columns_is_the_whole_lp():
    from scipy.optimize import linprog

    from matcher.pacing.fluid import solve_fluid
    from matcher.pairs.table import PairTable

    rng = np.random.default_rng(7)
    n_c, n_p, n_pools = 60, 20, 2
    client_ = np.repeat(np.arange(n_c), n_p)
    place = np.tile(np.arange(n_p), n_c)
    keep = rng.random(len(client_)) < 0.7
    client_, place = client_[keep], place[keep]
    n = len(client_)
    pairs = PairTable(
        client_, place, rng.integers(0, n_pools, n), rng.uniform(100, 900, n).round(0),
        np.zeros(n), rng.integers(1, 200, n),
    )  # fmt: skip
    use = rng.integers(1, 6, n).astype(float)
    weight = rng.uniform(0.5, 3, n_c)
    seat_weeks, budgets = rng.uniform(1, 4, n_p), np.array([4000.0, 6000.0])
    got = solve_fluid(pairs, pairs.score, weight, use, seat_weeks, budgets)
    import scipy.sparse as sp

    j = np.arange(n)
    a = sp.vstack(
        [
            sp.csr_matrix((np.ones(n), (client_, j)), shape=(n_c, n)),
            sp.csr_matrix((use, (place, j)), shape=(n_p, n)),
            sp.csr_matrix((pairs.cost, (pairs.pool, j)), shape=(n_pools, n)),
        ]
    )
    whole = linprog(
        -pairs.score.astype(float), A_ub=a, b_ub=np.concatenate([weight, seat_weeks, budgets])
    )
    assert got.rounds > 1  # columns entered after the first restricted LP
    assert got.value == pytest.approx(-whole.fun, rel=1e-7)


def test_hindsight_planned_without_the_early_end_replays_the_full_length_plan():
    year = replace(one_seat_year(), completes=np.array([0.5, 1.0, 1.0]))  # a holds one week
    knows = simulate(year, "hindsight")
    assert list(knows.state.placed_week) == [0, -1, 1]  # the seat is free for c in week 2
    blind = simulate(year, "hindsight", plan_year=replace(year, completes=np.ones(3)))
    assert list(blind.state.placed_week) == [0, 2, -1]  # planned as if a held it two weeks
    assert blind.objective < knows.objective
