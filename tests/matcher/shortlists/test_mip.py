"""The level model of the shortlist problem (matcher.shortlists.mip) and the large-instance path
that uses it: exact against the CP-SAT model on random small instances, its bound above the
optimum, its lists keeping every rule for every combination of picks; and `is_feasible`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.check.shortlists import check_shortlists
from matcher.pairs.candidates import build_pairs
from matcher.shortlists import solve as shortlist_module
from matcher.shortlists.mip import build_level_model, prune, solve_list_mip, start_vector
from matcher.shortlists.problem import ListProblem, build_problem, is_feasible, objective_value
from matcher.shortlists.solve import ShortlistOptions, ShortlistResult, shortlist, to_shortlists
from models.instance import Instance
from models.shortlists import Shortlists
from tests.matcher.shortlists.cases import (
    client,
    every_pick_combination_holds,
    ids,
    make,
    placement,
    small_instances,
)


def _problem(
    inst: Instance, per_seat: int = 3, max_lists: int = 1
) -> tuple[ListProblem, ShortlistOptions]:
    options = ShortlistOptions(per_seat=per_seat, max_lists=max_lists)
    return build_problem(inst, build_pairs(inst), options), options


def _lists(
    inst: Instance, prob: ListProblem, y: np.ndarray, z: np.ndarray, options: ShortlistOptions
) -> Shortlists:
    result = ShortlistResult(
        prob, y, z, "FEASIBLE", float(objective_value(prob, y)), None, 0.0, options
    )
    return to_shortlists(inst, result)


def test_level_model_finds_the_known_optimum_where_the_guarantee_binds() -> None:
    # As in test_shortlist.test_budget_guarantee_binds: 2 500 € buys p1's two seats (six
    # candidates), not p2's seat as well.
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(8)]
    inst = make(clients, [placement("p1", seats=2), placement("p2", seats=1)], budget=2500.0)
    prob, options = _problem(inst)
    res = solve_list_mip(prob, 10.0)
    assert res.status == "OPTIMAL" and res.y is not None and res.z is not None
    lists = _lists(inst, prob, res.y, res.z, options)
    assert ids(lists, "p1") == ["c7", "c6", "c5", "c4", "c3", "c2"]
    assert ids(lists, "p2") == []
    assert res.bound == pytest.approx(res.objective)


def test_mixed_costs_on_one_list_are_reserved_exactly() -> None:
    # One 1-seat wage-subsidy list: the two most urgent clients have partial work ability (a
    # higher subsidy rate, so a costlier seat). The worst case of the list is its costliest
    # candidate: with exactly that much budget the list takes the three most urgent; with a cent
    # less, only the three cheaper clients.
    clients = [client(f"c{i}", days=600 + 100 * i, partial_work_ability=i >= 3) for i in range(5)]
    places = [placement("p1", type="wage_subsidy", provider_id="v2")]
    providers = [{"id": "v2", "name": "Oy", "kind": "company", "municipality": "Kuopio"}]
    costs = make(clients, places, providers=providers)
    prob, _ = _problem(costs)
    high, low = int(prob.c_cents.max()), int(prob.c_cents.min())
    assert high > low
    for budget, expect in (
        (high / 100, {"c4", "c3", "c2"}),
        ((high - 1) / 100, {"c2", "c1", "c0"}),
    ):
        inst = make(clients, places, providers=providers, budget=budget)
        prob, options = _problem(inst)
        res = solve_list_mip(prob, 10.0)
        assert res.status == "OPTIMAL" and res.y is not None and res.z is not None
        assert is_feasible(prob, res.y, res.z)
        assert set(ids(_lists(inst, prob, res.y, res.z, options), "p1")) == expect
        ref = shortlist(inst, ShortlistOptions(time_limit=10.0))
        assert res.objective == ref.objective


@pytest.mark.oracle
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances())
def test_level_model_is_exact_and_its_lists_hold_for_every_pick(
    case: tuple[Instance, int, int],
) -> None:
    inst, per_seat, max_lists = case
    prob, options = _problem(inst, per_seat, max_lists)
    ref = shortlist(inst, dataclasses.replace(options, time_limit=5.0))
    res = solve_list_mip(prob, 5.0)
    relaxed = solve_list_mip(prob, 5.0, relax_y=True)
    assert res.y is not None and res.z is not None
    assert is_feasible(prob, res.y, res.z)
    if ref.status == "OPTIMAL" and res.status == "OPTIMAL":
        assert res.objective == ref.objective
    assert relaxed.bound is not None and relaxed.bound >= ref.objective - 1e-6
    lists = _lists(inst, prob, res.y, res.z, options)
    assert check_shortlists(inst, lists) == []
    assert every_pick_combination_holds(inst, lists)


@pytest.mark.oracle
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_instances(), st.booleans())
def test_the_large_instance_path_keeps_every_rule(
    case: tuple[Instance, int, int], priced: bool
) -> None:
    inst, per_seat, max_lists = case
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(shortlist_module, "EXACT_LP_MAX_CANDIDATES", -1)  # every instance is "large"
        mp.setattr(shortlist_module, "PRUNE_PER_CLIENT", 1)  # and the lists run sees a pruned one
        if priced:  # the largest: clients priced (matcher.shortlists.price)
            mp.setattr(shortlist_module, "LEVEL_BOUND_MAX_CANDIDATES", -1)
        result = shortlist(
            inst, ShortlistOptions(per_seat=per_seat, max_lists=max_lists, time_limit=5.0)
        )
    lists = to_shortlists(inst, result)
    assert check_shortlists(inst, lists) == []
    assert every_pick_combination_holds(inst, lists)
    if result.bound is not None:
        assert result.bound >= result.objective


def test_start_vector_is_feasible_for_the_model() -> None:
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(8)]
    inst = make(clients, [placement("p1", seats=2), placement("p2", seats=1)], budget=2500.0)
    prob, _ = _problem(inst)
    y = np.zeros(prob.m, dtype=bool)
    y[np.flatnonzero(prob.c_place == prob.c_place[0])[:6]] = True
    lm = build_level_model(prob)
    x = start_vector(prob, lm, y, np.zeros(0, dtype=bool))
    ax = lm.matrix @ x
    assert (ax <= lm.row_hi + 1e-9).all() and (ax >= lm.row_lo - 1e-9).all()
    assert float(lm.objective @ x) == objective_value(prob, y)


def test_is_feasible_catches_a_broken_budget_and_a_client_listed_twice() -> None:
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(8)]
    inst = make(clients, [placement("p1", seats=2), placement("p2", seats=1)], budget=2500.0)
    prob, _ = _problem(inst, max_lists=1)
    none = np.zeros(0, dtype=bool)
    y = np.zeros(prob.m, dtype=bool)
    assert is_feasible(prob, y, none)
    y[:] = True  # both lists full: 3 000 € reserved, and every client on two lists
    assert not is_feasible(prob, y, none)
    one = np.zeros(prob.m, dtype=bool)
    one[np.flatnonzero(prob.c_place == prob.c_place[0])[:6]] = True
    assert is_feasible(prob, one, none)


def test_prune_keeps_each_clients_best_candidates() -> None:
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(3)]
    places = [placement(f"p{j}", seats=1, weekly=10.0 * (j + 1)) for j in range(4)]
    prob, _ = _problem(make(clients, places))
    sub, sel = prune(prob, 2)
    assert np.bincount(sub.c_client).max() == 2
    for c in range(3):
        mine = np.flatnonzero(prob.c_client == c)
        best = np.sort(prob.c_score[mine])[::-1][:2]
        assert np.array_equal(np.sort(sub.c_score[sub.c_client == c])[::-1], best)
    assert np.array_equal(prob.cand[sel], sub.cand)


def test_the_largest_instances_price_the_clients_instead_of_the_level_runs() -> None:
    clients = [client(f"c{i}", days=600 + 10 * i) for i in range(8)]
    inst = make(clients, [placement("p1", seats=2), placement("p2", seats=1)], budget=2500.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(shortlist_module, "EXACT_LP_MAX_CANDIDATES", -1)
        mp.setattr(shortlist_module, "LEVEL_BOUND_MAX_CANDIDATES", -1)
        mp.setattr(shortlist_module, "PRUNE_PER_CLIENT", 1)
        result = shortlist(inst, ShortlistOptions(time_limit=5.0))
    assert "price_bound" in result.stats and "levels_bound_status" not in result.stats
    assert result.bound is not None and result.bound >= result.objective
    lists = to_shortlists(inst, result)
    assert check_shortlists(inst, lists) == []
    assert ids(lists, "p1") == ["c7", "c6", "c5", "c4", "c3", "c2"]  # the known optimum
