"""Cover cuts (matcher/allocation/cuts.py): a known cover cuts off the LP point of a tiny
knapsack, no cut ever removes an integer solution, and the tightened bound stays valid."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation.cuts import separate, separate_cover, tighten, with_cuts
from matcher.allocation.mip import solve_mip
from tests.factories import brute_force, make_rows


def test_known_cover_cuts_off_the_lp_point_of_a_tiny_knapsack():
    # max 5a + 4b + 3c s.t. 4a + 3b + 2c ≤ 6: LP optimum a = 1, b = 2/3 (value 7.67);
    # {a, b} is a cover (7 > 6): a + b ≤ 1, extended by nothing lighter; it cuts off (1, 2/3, 0).
    found = separate_cover(np.array([4, 3, 2]), 6, np.array([1.0, 2 / 3, 0.0]))
    assert found is not None
    members, rhs = found
    assert members.tolist() == [0, 1] and rhs == 1


def test_extended_cover_takes_every_column_as_heavy_as_the_heaviest_member():
    found = separate_cover(np.array([3, 3, 5, 1]), 5, np.array([1.0, 0.8, 0.0, 0.0]))
    assert found is not None
    members, rhs = found
    assert members.tolist() == [0, 1, 2] and rhs == 1  # 5 ≥ 3: the heavy column joins


def test_no_cut_when_the_point_is_integral_or_the_row_cannot_bind():
    assert separate_cover(np.array([4, 3, 2]), 6, np.array([1.0, 0.0, 1.0])) is None
    assert separate_cover(np.array([1, 1]), 5, np.array([1.0, 1.0])) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 30), min_size=2, max_size=9).flatmap(
        lambda w: st.tuples(
            st.just(w),
            st.integers(1, max(1, sum(w) - 1)),
            st.lists(st.floats(0, 1), min_size=len(w), max_size=len(w)),
        )
    )
)
def test_a_cover_cut_never_cuts_off_an_integer_solution(case):
    weights, capacity, x = case
    w = np.array(weights)
    found = separate_cover(w, capacity, np.array(x))
    if found is None:
        return
    members, rhs = found
    assert float(np.sum(np.array(x)[members])) > rhs  # it cuts off the point it was asked about
    for bits in itertools.product((0, 1), repeat=len(w)):
        y = np.array(bits)
        if w @ y <= capacity:
            assert y[members].sum() <= rhs


def _table(seed: int):
    rng = np.random.default_rng(seed)
    triples, score = [], []
    for c in range(7):
        for p in sorted(rng.choice(4, size=2, replace=False).tolist()):
            triples.append((c, p, p % 2, int(rng.integers(300, 900))))
            score.append(float(rng.integers(10, 100)))
    rows = make_rows(triples, seats=[3, 2, 3, 2], budgets=[1300, 1000], provider_of=[0, 0, 1, 1])
    return rows, np.array(score)


def test_tightened_bound_lies_between_the_optimum_and_the_lp_bound():
    tighter = 0
    for seed in range(6):
        rows, score = _table(seed)
        best, _ = brute_force(rows, score)
        plain = tighten(rows, score, time_limit=10, max_rounds=0)
        cut = tighten(rows, score, time_limit=10)
        assert plain.bound is not None and cut.bound is not None
        assert best - 1e-6 <= cut.bound <= plain.bound + 1e-6
        assert cut.rows.matrix.shape[0] == rows.matrix.shape[0] + cut.cuts
        mip = solve_mip(cut.rows, score, time_limit=10)  # the MIP with the cuts stays exact
        assert mip.objective is not None and abs(mip.objective - best) < 1e-6
        tighter += cut.bound < plain.bound - 1e-6
    assert tighter  # the cuts did lower the bound somewhere


def test_separation_finds_a_cut_on_a_budget_row_and_with_cuts_adds_it():
    rows = make_rows([(0, 0, 0, 600), (1, 0, 0, 500), (2, 1, 0, 400)], seats=[2, 1], budgets=[1000])
    x = np.array([1.0, 0.8, 0.0])
    cuts = separate(rows, x)
    assert len(cuts) == 1 and cuts[0].rhs == 1 and set(cuts[0].members.tolist()) == {0, 1}
    more = with_cuts(rows, cuts)
    assert more.family[-1] == "cover" and more.hi[-1] == 1
