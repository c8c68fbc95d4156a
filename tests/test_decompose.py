"""Components of the candidate graph (matcher/decompose.py): shared seats, capped providers and
pools that can run out couple clients; a pool that can pay for everything does not."""

from __future__ import annotations

import numpy as np
from solver_cases import make_rows

from matcher.decompose import binding_budget_rows, components
from matcher.flow import flow_net


def _net(rows):
    return flow_net(rows, np.ones(rows.matrix.shape[1]))


def test_disjoint_clients_and_placements_are_separate_components():
    rows = make_rows([(0, 0, -1, 0), (1, 1, -1, 0), (2, 1, -1, 0)], seats=[1, 1])
    comp = components(_net(rows))
    assert comp.count == 2
    assert comp.of_triple.tolist() == [1, 0, 0]  # largest component first
    assert comp.sizes().tolist() == [2, 1]


def test_a_binding_pool_couples_its_placements():
    # two separate client/placement pairs paid by one pool that cannot pay both
    rows = make_rows([(0, 0, 0, 600), (1, 1, 0, 600)], seats=[1, 1], budgets=[1000])
    net = _net(rows)
    assert binding_budget_rows(net).tolist() == [int(rows.of("budget")[0])]
    assert components(net).count == 1


def test_a_pool_that_can_pay_everything_does_not_couple():
    rows = make_rows([(0, 0, 0, 600), (1, 1, 0, 600)], seats=[1, 1], budgets=[1200])
    net = _net(rows)
    assert len(binding_budget_rows(net)) == 0
    assert components(net).count == 2


def test_seats_bound_the_possible_spend():
    # placement 0 has one seat and three candidates at 500: at most 500 of the 900 budget
    rows = make_rows(
        [(0, 0, 0, 500), (1, 0, 0, 500), (2, 0, 0, 500), (3, 1, 0, 400)],
        seats=[1, 1],
        budgets=[900],
    )
    assert len(binding_budget_rows(_net(rows))) == 0


def test_a_capped_provider_couples_its_placements():
    rows = make_rows([(0, 0, -1, 0), (1, 1, -1, 0)], seats=[1, 1], provider_of=[0, 0], caps={0: 1})
    assert components(_net(rows)).count == 1


def test_rows_get_the_component_of_their_triples():
    rows = make_rows([(0, 0, -1, 0), (1, 1, -1, 0)], seats=[1, 1])
    comp = components(_net(rows))
    for k in range(comp.count):
        triples = comp.triples(k)
        touched = np.unique(rows.matrix[:, triples].nonzero()[0])
        assert np.all(comp.of_row[touched] == k)
