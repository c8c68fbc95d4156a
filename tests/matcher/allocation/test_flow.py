"""The max-weight assignment by min-cost flow (matcher/flow.py): exact on hand-made cases, its
bound valid, column generation equal to the full flow, locks and caps kept."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.allocation.flow import flow_net, max_weight_assignment
from tests.factories import brute_force, feasible, make_rows


def test_two_clients_one_seat_takes_the_better():
    rows = make_rows([(0, 0, -1, 0), (1, 0, -1, 0)], seats=[1])
    score = np.array([5.0, 7.0])
    res = max_weight_assignment(flow_net(rows, score), score)
    assert res.chosen.tolist() == [False, True]
    assert res.value == 7.0 and res.bound == 7.0


def test_displacement_chain_is_found():
    # c0 likes p0 most, c1 can only go to p0: the optimum sends c0 to p1 and c1 to p0
    rows = make_rows([(0, 0, -1, 0), (0, 1, -1, 0), (1, 0, -1, 0)], seats=[1, 1])
    score = np.array([10.0, 8.0, 9.0])
    res = max_weight_assignment(flow_net(rows, score), score)
    assert res.chosen.tolist() == [False, True, True]
    assert res.value == 17.0


def test_negative_profit_is_never_taken():
    rows = make_rows([(0, 0, -1, 0), (1, 0, -1, 0)], seats=[2])
    score = np.array([3.0, -2.0])
    res = max_weight_assignment(flow_net(rows, score), score)
    assert res.chosen.tolist() == [True, False]


def test_provider_cap_binds():
    # two placements of one capped provider (cap 1), two clients: only one may be placed
    rows = make_rows([(0, 0, -1, 0), (1, 1, -1, 0)], seats=[1, 1], provider_of=[0, 0], caps={0: 1})
    score = np.array([4.0, 6.0])
    res = max_weight_assignment(flow_net(rows, score), score)
    assert res.chosen.tolist() == [False, True]


def test_lock_is_kept_against_the_score():
    rows = make_rows([(0, 0, -1, 0), (1, 0, -1, 0)], seats=[1], locks=[(0, 0)])
    score = np.array([1.0, 50.0])
    res = max_weight_assignment(flow_net(rows, score), score)
    assert res.chosen.tolist() == [True, False]
    assert res.feasible


def test_lock_beyond_capacity_is_infeasible():
    rows = make_rows([(0, 0, -1, 0), (1, 0, -1, 0)], seats=[1], locks=[(0, 0), (1, 0)])
    score = np.array([1.0, 1.0])
    assert not max_weight_assignment(flow_net(rows, score), score).feasible


def test_fractional_profits_give_a_valid_bound():
    rows = make_rows([(0, 0, -1, 0), (0, 1, -1, 0), (1, 1, -1, 0)], seats=[1, 1])
    score = np.array([1.25, 2.5, 2.375])
    res = max_weight_assignment(flow_net(rows, score), score)
    assert res.value == 1.25 + 2.375
    assert res.bound >= res.value
    assert res.bound - res.value < 1e-2


@pytest.mark.oracle
@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 3), st.integers(-20, 60)),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.integers(0, 2), min_size=4, max_size=4),
    st.booleans(),
)
def test_flow_equals_brute_force(edges, seats, capped):
    pairs = sorted({(c, p): s for c, p, s in edges}.items())
    triples = [(c, p, -1, 0) for (c, p), _ in pairs]
    score = np.array([float(s) for _, s in pairs])
    rows = make_rows(
        triples, seats=seats, provider_of=[0, 0, 1, 1], caps={0: 1} if capped else None
    )
    net = flow_net(rows, score)
    full = max_weight_assignment(net, score, active=np.arange(net.n))
    cg = max_weight_assignment(net, score, active=np.zeros(0, dtype=np.int64))
    best, _ = brute_force(rows, score)
    assert full.value == best == cg.value
    assert feasible(rows, cg.chosen)
    assert cg.bound >= best - 1e-9 and abs(cg.bound - best) < 1e-6


def _random_table(seed: int, clients: int, places: int, per_client: int):
    """A random table: each client reaches `per_client` of `places` placements (0-3 seats)."""
    rng = np.random.default_rng(seed)
    triples, score = [], []
    for c in range(clients):
        for p in sorted(rng.choice(places, size=per_client, replace=False).tolist()):
            triples.append((c, p, -1, 0))
            score.append(float(rng.integers(1, 1000)) + rng.random())
    rows = make_rows(triples, seats=rng.integers(0, 4, size=places).tolist())
    s = np.array(score)
    return flow_net(rows, s), s


def test_column_generation_on_a_larger_random_table_matches_the_full_flow():
    net, s = _random_table(3, 300, 40, 8)
    full = max_weight_assignment(net, s, active=np.arange(net.n))
    cg = max_weight_assignment(net, s)
    assert abs(full.value - cg.value) < 1e-6
    assert cg.rounds >= 1 and len(cg.active) < net.n
    assert cg.bound >= cg.value and cg.bound - cg.value < 1.0


@pytest.mark.parametrize("add", [2, 8, 50])
def test_more_entering_arcs_per_client_keep_the_optimum_in_fewer_rounds(add):
    net, s = _random_table(4, 400, 50, 12)
    one = max_weight_assignment(net, s, active=np.zeros(1, dtype=np.int64))
    many = max_weight_assignment(net, s, active=np.zeros(1, dtype=np.int64), add=add)
    assert abs(one.value - many.value) < 1e-6
    assert many.rounds < one.rounds
