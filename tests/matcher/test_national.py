"""National runs: split, shares, and the master in process and on a local Ray, against the
one-process engine on a small national week."""

from __future__ import annotations

import math

import numpy as np
import pytest

from instances.generate import generate_instance
from matcher.allocation.solve import SolveOptions, solve
from matcher.check.allocation import check_allocation
from matcher.national.executor import InProcess
from matcher.national.master import (
    NationalError,
    NationalOptions,
    _coupling,
    _flatten,
    _price,
    _settle,
    shares,
    solve_national,
)
from matcher.national.result import national_allocation
from matcher.national.split import pack, split_clients
from matcher.national.start import sample_prices
from models.instance import Instance


@pytest.fixture(scope="module")
def week():
    return generate_instance("national", 2_000, seed=3)


@pytest.fixture(scope="module")
def one(week):
    """The one-process engine on the week, 10 s: what every national run is held against (one
    solve for the module, not one per test)."""
    return solve(week, SolveOptions(time_limit=10))


def test_split_by_region_covers_the_queue_once(week):
    parts = split_clients(week)
    assert len(parts) == 6  # the six presets
    clients = np.concatenate([p.clients for p in parts])
    assert np.array_equal(np.sort(clients), np.flatnonzero(week.columns.c_queue))


def test_split_by_area_is_finer(week):
    assert len(split_clients(week, "area")) > len(split_clients(week))


def test_pack_balances_largest_first():
    assert pack([5, 4, 3, 3], 2) == [[0, 3], [1, 2]]
    assert pack([1], 3) == [[0]]


def test_shares_never_exceed_capacity_and_keep_locks():
    cap = np.array([3, 10, 0])
    use = [np.array([2.5, 8.0, 1.0]), np.array([2.5, 0.0, 1.0])]
    need = [np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0])]
    got = shares(use, need, cap)
    assert np.all(np.sum(got, axis=0) <= cap)
    assert got[1][0] >= 1  # the lock's seat
    assert got[0][1] == 10  # the only user of a row gets all of it


def _check(inst, nat, one_objective):
    res = nat.result
    alloc = national_allocation(inst, nat)
    assert check_allocation(inst, alloc) == []
    assert res.bound is not None and res.bound >= one_objective - 1e-6  # a valid bound
    assert res.objective <= res.bound + 1e-6
    return alloc


def test_region_split_matches_the_one_process_engine(week, one):
    nat = solve_national(week, NationalOptions(time_limit=10, workers=2))
    alloc = _check(week, nat, one.objective)
    # 97 %, not 99: both sides stop at a 10 s limit, and on a loaded 2-core machine the parts once
    # reached 98.4 %; a broken coupling or share step loses far more than that
    assert nat.result.objective >= 0.97 * one.objective
    assert alloc.bound is not None and alloc.bound <= 1.05 * one.bound
    reasons = {r for u in alloc.unassigned for r in u.reasons}
    assert reasons - {"not assigned"}  # the parts' explanations came through


@pytest.mark.slow  # make test-all (CI); make test keeps the in-process and region runs
def test_area_split_couples_parts_and_stays_feasible(week, one):
    nat = solve_national(week, NationalOptions(time_limit=8, workers=2, split="area"))
    assert nat.result.stats["coupling_rows"] > 0
    _check(week, nat, one.objective)
    assert nat.result.objective >= 0.6 * one.objective


def test_fairness_floor_is_refused(week):
    from dataclasses import replace

    inst = replace(week, rules=replace(week.rules, fairness_floor=0.5))
    with pytest.raises(NationalError, match="fairness.floor"):
        solve_national(inst, NationalOptions(time_limit=2))


@pytest.mark.slow  # make test-all (CI); make test keeps the in-process and region runs
def test_on_a_local_ray_with_two_cpus(week, one):
    pytest.importorskip("ray", reason="ray is an optional extra: pip install 'polku[ray]'")
    nat = solve_national(
        week, NationalOptions(time_limit=10, workers=2, explain=False), use_ray=True
    )
    assert nat.result.stats["workers"] == 2
    _check(week, nat, one.objective)
    # 97 %, not 99: both sides stop at a 10 s limit, and on a loaded 2-core machine the parts once
    # reached 98.4 %; a broken coupling or share step loses far more than that
    assert nat.result.objective >= 0.97 * one.objective


def test_cli_refuses_pairs_out_with_ray(tmp_path, capsys):
    from cli.main import main

    code = main(
        [
            "solve",
            "instances/examples/small",
            "--ray",
            "--out",
            str(tmp_path / "a.json"),
            "--pairs-out",
            str(tmp_path / "p.csv"),
        ]
    )
    assert code == 2
    assert "--pairs-out" in capsys.readouterr().err
    assert not (tmp_path / "a.json").exists()


def test_large_parts_are_cut_into_compact_blocks(week):
    whole = split_clients(week, "area")
    cut = split_clients(week, "area", max_clients=100)
    assert max(len(p.clients) for p in cut) <= 100 < max(len(p.clients) for p in whole)
    clients = np.concatenate([p.clients for p in cut])
    assert np.array_equal(np.sort(clients), np.flatnonzero(week.columns.c_queue))
    assert any("#" in p.name for p in cut)
    with pytest.raises(ValueError, match="max_clients"):
        split_clients(week, "area", max_clients=0)


@pytest.mark.slow  # make test-all (CI); make test keeps the in-process and region runs
def test_cut_parts_share_seats_and_stay_feasible(week, one):
    nat = solve_national(
        week, NationalOptions(time_limit=8, workers=2, split="area", max_part_clients=150)
    )
    assert len(nat.result.stats["parts"]) > len(split_clients(week, "area"))
    _check(week, nat, one.objective)
    assert nat.result.objective >= 0.6 * one.objective


def _coupled(inst: Instance) -> tuple[InProcess, list[list[int]], np.ndarray, np.ndarray, list]:
    """The week's area parts built on two in-process workers and coupled, as the master sets
    them up before pricing: (executor, groups, priced row keys, capacities, locked needs)."""
    parts = split_clients(inst, "area")
    groups = pack([len(p.clients) for p in parts], 2)
    ex = InProcess(inst, [[parts[k] for k in g] for g in groups], explain=False)
    keys, b, _ = _coupling(_flatten(ex.call("build", [(), ()])))
    ex.call("couple", [(keys,), (keys,)])
    return ex, groups, keys, b, _flatten(ex.call("lock_need", [(), ()]))


@pytest.fixture(scope="module")
def small():
    """A coupled week whose whole-instance MIP proves its optimum (101 486) in a few seconds."""
    inst = generate_instance("national", 600, seed=7)
    opt = solve(inst, SolveOptions(time_limit=30))
    assert opt.status == "OPTIMAL"
    return inst, opt


@pytest.mark.parametrize(
    "use_ray", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["in-process", "ray"]
)
def test_flow_prices_bound_the_optimum_and_the_allocation_is_near_it(small, use_ray):
    if use_ray:
        pytest.importorskip("ray", reason="ray is an optional extra: pip install 'polku[ray]'")
    small, opt = small
    nat = solve_national(
        small,
        NationalOptions(
            time_limit=20,
            workers=2,
            split="area",
            explain=False,
            min_rounds=20,
            min_rounds_share=0.9,
        ),
        use_ray=use_ray,
    )
    stats = nat.result.stats
    # the rounds are time-bound: quiet 2 cores make tens in 20 s, load 13 made one (CI flaked)
    assert stats["coupling_rows"] > 0 and stats["price_rounds"] >= 1
    assert nat.result.bound >= opt.objective - 1e-6  # the flows' Lagrangian bound is valid
    alloc = national_allocation(small, nat)
    assert check_allocation(small, alloc) == []
    # measured 89.6-97.5 % of the optimum at 10 s on the shared machine under load (few price
    # rounds), hence 20 s here; a broken share or repair step loses far more
    assert nat.result.objective >= 0.93 * opt.objective
    log = stats["price_log"]
    best = [r["best"] for r in log]
    assert best[0] == log[0]["bound"]
    assert all(b2 <= b1 for b1, b2 in zip(best, best[1:], strict=False))  # best so far: monotone
    # the reported bound is the best round's, or tighter (uncoupled parts); the log rounds to 0.1.
    # Not asserted here: that the steps lower it. The rounds are timed (a loaded machine left one)
    # and from the sample's prices the best first drops at round 9: the counted-rounds test does
    assert nat.result.bound <= best[-1] + 0.05 + 1e-6
    assert all(r["lower"] <= opt.objective + 1e-6 for r in log)  # repaired choices are feasible


def test_parts_settled_in_turn_hold_every_priced_row(small):
    """`_settle` hands each part what the others leave: the union holds every priced row, at
    prices and without, and it places more than nothing."""
    inst, opt = small
    ex, groups, keys, b, need = _coupled(inst)
    assert len(b)
    for lam in (np.zeros(len(b)), np.full(len(b), 50.0) * ((keys >> 40) != 1)):
        value, uses = _settle(ex, groups, need, b, lam)
        assert np.all(np.sum(uses, axis=0) <= b + 1e-9)
        assert all(np.all(u >= n - 1e-9) for u, n in zip(uses, need, strict=True))
        assert 0.5 * opt.objective < value <= opt.objective + 1e-6


def test_price_steps_lower_the_bound_within_a_count_of_rounds(small: tuple) -> None:
    """From the sample's LP prices, 20 subgradient steps lower the Lagrangian bound, every round's
    bound valid: rounds counted on a frozen clock, so machine load cannot cut them short."""
    inst, opt = small
    ex, groups, keys, b, need = _coupled(inst)
    sample = sample_prices(inst, 0.01, time_limit=60.0)
    assert sample.status == "OPTIMAL"  # else the start is zero prices, not the run's start
    pricing = _price(
        NationalOptions(max_rounds=20),
        ex,
        groups,
        need,
        b,
        price_end=math.inf,
        late=0.0,
        elapsed=lambda: 0.0,
        report=lambda _p: None,
        n_parts=sum(len(g) for g in groups),
        mu=sample.on(keys) * b,
    )
    assert pricing.rounds == 20  # the count, not the clock, ended the steps
    best = [r["best"] for r in pricing.log]
    assert all(r["bound"] >= opt.objective - 0.05 for r in pricing.log)  # valid (log: 0.1)
    assert best[-1] < best[0]  # the steps lowered the bound
