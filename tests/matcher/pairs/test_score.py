"""Score components hand-computed from the formula in models/weights.py with default weights."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from instances.build import build_instance
from matcher.pairs.candidates import build_pairs
from matcher.pairs.score import (
    COMPONENTS,
    highest_stage,
    liability_per_week,
    priority,
    score_components,
    total_score,
    waiting_weeks,
    wish_rank,
)
from models.instance import Instance
from models.weights import Weights
from tests import factories

TYPES = ["work_trial", "wage_subsidy", "coaching", "participation"]


client = partial(
    factories.client,
    benefit_days=0,
    unemployed_months=0,
    work_ability=5,
    weeks_since_activation=0,
)
_placement = partial(factories.placement, provider_id="v", sector="wood", weekly_cost=0.0)


def placement(pid: str, ptype: str, **kw: Any) -> dict[str, Any]:
    """A free seat of type `ptype` at the client's home."""
    return _placement(pid, **{"type": ptype, **kw})


def make(
    clients: list[dict[str, Any]], placements: list[dict[str, Any]] | None = None, **kw: Any
) -> Instance:
    return build_instance(
        clients=clients,
        placements=placements
        or [
            placement("p1", "work_trial"),
            placement("p2", "coaching"),
            placement("p3", "participation"),
            placement("p4", "wage_subsidy"),
        ],
        providers=[dict(id="v", kind="company")],
        pools=[dict(id="f", budget=1e6)],
        **kw,
    )


def test_priority_hand_computed():
    inst = make(
        [
            # 1000 + 20·1200/100 + 1.0·(0.7·37.21·5) + 2·10 = 1000 + 240 + 130.235 + 20
            client("a", benefit_days=1200, unemployed_months=30, weeks_since_activation=10),
            # days capped at 1500 (300), waiting unknown: 36 months × 52/12 = 156 weeks → cap 104
            client("b", benefit_days=2000, unemployed_months=36, weeks_since_activation=None),
            # below every liability mark; unknown waiting 3 × 52/12 = 13 weeks → 26
            client("c", benefit_days=100, unemployed_months=3, weeks_since_activation=None),
            # exactly at the 300-day mark: 0.5 · 37.21 · 5 = 93.025
            client("d", benefit_days=300, unemployed_months=12, weeks_since_activation=0),
        ]
    )
    assert np.allclose(liability_per_week(inst), [130.235, 130.235, 0.0, 93.025])
    assert np.allclose(waiting_weeks(inst), [10, 156, 13, 0])
    assert priority(inst).tolist() == [1390, 1638, 1046, 1153]
    assert priority(inst).dtype == np.int64


def test_priority_follows_the_weights_and_rules():
    inst = make(
        [client("a", benefit_days=1200, weeks_since_activation=10)],
        weights={"placed": 500, "liability": 0, "waiting": 1, "benefit_days_cap": 1000},
        rules={"liability.thresholds": [[100, 0.25]]},
    )
    # 500 + 20·1000/100 + 0 + 1·10
    assert priority(inst).tolist() == [710]
    assert np.allclose(liability_per_week(inst), [0.25 * 37.21 * 5])


def test_wish_rank_and_points():
    inst = make([client("a", wishes=["p2", "p1", "p3", "p2"]), client("b")])
    ci = np.array([0, 0, 0, 0, 1])
    pi = np.array([0, 1, 2, 3, 1])
    assert wish_rank(inst, ci, pi).tolist() == [2, 1, 3, 0, 0]
    comps = score_components(inst, ci, pi, np.zeros(5), np.zeros(5))
    # round(120 / rank): 60, 120, 40; unlisted 0
    assert comps["wish"].tolist() == [60, 120, 40, 0, 0]


def test_interest_matches_the_sector():
    inst = make(
        [client("a", interests=["wood", "it"]), client("b", interests=["care"])],
        [placement("p1", "coaching", sector="wood"), placement("p2", "coaching", sector="")],
    )
    comps = score_components(
        inst, np.array([0, 0, 1]), np.array([0, 1, 0]), np.zeros(3), np.zeros(3)
    )
    assert comps["interest"].tolist() == [60, 0, 0]


def test_pathway_next_step_up_and_repeat():
    inst = make(
        [
            client("a", months_used={"participation": 3, "coaching": 1}),  # highest stage 1
            client("b"),  # no history: no pathway points
            client("c", months_used={"wage_subsidy": 6}),  # top of the staircase
        ]
    )
    top, has_top = highest_stage(inst)
    assert has_top.tolist() == [True, False, True]
    assert top[[0, 2]].tolist() == [1, 3]
    ci = np.repeat([0, 1, 2], 4)
    pi = np.tile([0, 1, 2, 3], 3)  # work_trial(2), coaching(1), participation(0), wage_subsidy(3)
    comps = score_components(inst, ci, pi, np.zeros(12), np.zeros(12))
    assert comps["pathway"].tolist() == [80, -40, 0, 0, 0, 0, 0, 0, 0, 0, 0, -40]


def test_pathway_ignores_types_without_a_stage():
    rules = {"max_months": {"training": 6}, "cost_rate": {"training": 1.0}}
    inst = make(
        [client("a", months_used={"training": 2}), client("b", months_used={"coaching": 2})],
        [placement("t", "training"), placement("w", "work_trial")],
        rules=rules,
    )
    comps = score_components(
        inst, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.zeros(4), np.zeros(4)
    )
    # a: only an unstaged type used → nothing
    # b: training has no stage → 0, work_trial is the next step → +80
    assert comps["pathway"].tolist() == [0, 0, 0, 80]
    staged = make(
        [client("a", months_used={"training": 2})],
        [placement("w", "work_trial")],
        rules=rules,
        weights={"pathway_stage": {"training": 1}},
    )
    assert score_components(staged, np.array([0]), np.array([0]), np.zeros(1), np.zeros(1))[
        "pathway"
    ].tolist() == [80]


def test_travel_and_cost_rounding():
    inst = make([client("a")])
    travel = np.array([0.0, 19.5, 19.7, 45.3])
    cost = np.array([0.0, 1200.0, 2500.0, 26_000.0])
    comps = score_components(
        inst, np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64), cost, travel
    )
    assert comps["travel"].tolist() == [0, -39, -39, -91]  # −rint(2·min): 39.0, 39.4, 90.6
    assert comps["cost"].tolist() == [0, -1, -2, -26]  # −rint(cost/1000), half to even: 2.5 → 2
    w = make([client("a")], weights={"travel": 0.5, "cost": 3})
    comps = score_components(
        w, np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64), cost, travel
    )
    assert comps["travel"].tolist() == [0, -10, -10, -23]
    assert comps["cost"].tolist() == [0, -4, -8, -78]


def test_pair_table_score_is_the_sum_of_its_components():
    inst = make(
        [
            client(
                "a",
                benefit_days=600,
                unemployed_months=14,
                wishes=["p1"],
                interests=["wood"],
                months_used={"coaching": 2},
                weeks_since_activation=20,
            )
        ],
        [placement("p1", "work_trial", weekly_cost=100.0, lat=62.99)],
    )
    pairs = build_pairs(inst)
    assert len(pairs) == 1
    # 1000 + 120 + 93.025 + 40 = 1253.025 → 1253; wish 120; interest 60; pathway +80;
    # travel 19.5 min → −39; cost 100 × 1.0 × 10 = 1000 € → −1
    expected = {
        "priority": 1253,
        "wish": 120,
        "interest": 60,
        "pathway": 80,
        "travel": -39,
        "cost": -1,
    }
    assert {k: int(v[0]) for k, v in pairs.components.items()} == expected
    assert pairs.score.tolist() == [sum(expected.values())]
    assert np.array_equal(total_score(pairs.components), pairs.score)
    assert tuple(pairs.components) == COMPONENTS


def test_derived_arrays_follow_new_weights():
    """Derived per-client arrays are cached per instance, but never across changed weights."""
    inst = make([client("a", benefit_days=1200, weeks_since_activation=10)])
    assert priority(inst).tolist() == [1390]
    assert inst.with_weights(Weights.from_dict({"placed": 0})) is not inst
    assert priority(inst.with_weights(Weights.from_dict({"placed": 0}))).tolist() == [390]
    inst.weights = Weights.from_dict({"placed": 10})
    assert priority(inst).tolist() == [400]
