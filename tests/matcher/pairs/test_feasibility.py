"""Each feasibility rule of FORMAT.md binding on a tiny hand-made instance, and one where all hold.

The base pair (client c, placement p, 11 km apart by car) is feasible; each case changes one
field so that exactly one rule fails, and the pair must disappear from build_pairs.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

import numpy as np
import pytest

from instances.build import build_instance
from matcher.pairs.candidates import build_pairs
from matcher.pairs.rules import (
    PAIR_RULES,
    TYPE_RULES,
    check_pairs,
    eligible_types,
    feasible,
    readme_lines,
)
from models.instance import Instance
from tests import factories

ALL_TYPES = ["work_trial", "wage_subsidy", "coaching", "participation"]


client = partial(
    factories.client,
    unemployed_months=14,
    work_ability=3,
    languages=["fi", "en"],
    needs=["quiet"],
    interests=["wood"],
    max_commute_min=30,
    months_used={"coaching": 2},
    abilities={"physical": 3},
)
placement = partial(
    factories.placement,
    provider_id="v",
    lat=62.99,
    seats=2,
    min_work_ability=3,
    features=["quiet", "wheelchair"],
    sector="wood",
    duration_weeks=8,
    weekly_cost=150.0,
    demands={"physical": 3},
)


def make(
    c: dict[str, Any] | None = None,
    p: dict[str, Any] | None = None,
    pools: list[dict[str, Any]] | None = None,
    decisions: list[dict[str, Any]] | None = None,
    rules: dict[str, Any] | None = None,
) -> Instance:
    return build_instance(
        clients=[client(**(c or {}))],
        placements=[placement(**(p or {}))],
        providers=[dict(id="v", name="Paja", kind="foundation", municipality="Kuopio")],
        pools=pools
        if pools is not None
        else [dict(id="f", name="Pool", budget=10_000.0, types=[], municipalities=[])],
        decisions=decisions or [],
        rules=rules,
    )


def failing(inst: Instance) -> list[str]:
    masks = check_pairs(inst, np.array([0]), np.array([0]))
    return [name for name, mask in masks.items() if not mask[0]]


def test_everything_holds():
    inst = make()
    assert failing(inst) == []
    assert feasible(inst, np.array([0]), np.array([0])).tolist() == [True]
    pairs = build_pairs(inst)
    assert (pairs.client.tolist(), pairs.placement.tolist(), pairs.pool.tolist()) == ([0], [0], [0])
    # 0.1° of latitude = 11.12 km × 1.3 / 60 km/h × 60 + 5 min = 19.45… → 19.5
    assert pairs.travel_min.tolist() == [19.5]
    assert pairs.cost.tolist() == [150.0 * 8]


CASES: list[tuple[str, dict[str, Any]]] = [
    ("queue", dict(c=dict(current_placement="p"))),
    ("seats", dict(p=dict(seats=0))),
    ("age", dict(c=dict(age=68))),
    ("age", dict(c=dict(age=15))),
    ("consent", dict(c=dict(consents=["work_trial", "wage_subsidy"]))),
    ("months", dict(c=dict(months_used={"coaching": 12}))),
    ("months", dict(rules={"max_months": {"coaching": 2}})),
    ("participation", dict(p=dict(type="participation"), c=dict(benefit_days=499, age=25))),
    ("ability", dict(c=dict(work_ability=2, abilities={"physical": 3}))),
    ("needs", dict(c=dict(needs=["quiet", "lift"]))),
    ("language", dict(p=dict(language="sv"))),
    ("commute", dict(c=dict(max_commute_min=19))),
    ("commute", dict(c=dict(transport="transit", max_commute_min=30))),
    ("demands", dict(p=dict(demands={"physical": 4}))),
    ("demands", dict(c=dict(abilities={}), p=dict(demands={"social": 4}))),
    ("forbidden", dict(decisions=[dict(client_id="c", placement_id="p", decision="forbid")])),
    ("funding", dict(p=dict(funding_pools=[]))),
    (
        "funding",
        dict(
            pools=[dict(id="f", name="P", budget=10_000.0, types=["work_trial"], municipalities=[])]
        ),
    ),
    (
        "funding",
        dict(pools=[dict(id="f", name="P", budget=10_000.0, types=[], municipalities=["Pori"])]),
    ),
    (
        "funding",
        dict(
            pools=[
                dict(
                    id="f", name="P", budget=10_000.0, types=[], municipalities=[], groups=["youth"]
                )
            ]
        ),
    ),
    ("funding", dict(pools=[dict(id="f", name="P", budget=1199.99, types=[], municipalities=[])])),
]


@pytest.mark.parametrize(
    ("rule", "change"), CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CASES)]
)
def test_one_rule_binds(rule: str, change: dict[str, Any]):
    inst = make(**change)
    assert failing(inst) == [rule]
    assert len(build_pairs(inst)) == 0


@pytest.mark.parametrize(
    "change",
    [
        dict(c=dict(age=16)),
        dict(c=dict(age=67)),
        dict(c=dict(months_used={"coaching": 11.5})),
        dict(p=dict(type="participation"), c=dict(benefit_days=500, age=40)),
        dict(p=dict(type="participation"), c=dict(benefit_days=0, age=24)),
        dict(c=dict(max_commute_min=20)),
        dict(
            c=dict(transport="transit", max_commute_min=20), p=dict(features=["quiet", "transport"])
        ),
        dict(
            c=dict(abilities={}, work_ability=4), p=dict(demands={"social": 4}, min_work_ability=1)
        ),
        dict(
            c=dict(age=20),
            pools=[
                dict(id="f", name="P", budget=1e4, types=[], municipalities=[], groups=["youth"])
            ],
        ),
        dict(p=dict(weekly_cost=0.0, funding_pools=[])),
        dict(decisions=[dict(client_id="c", placement_id="p", decision="lock")]),
        dict(pools=[dict(id="f", name="P", budget=1200.0, types=[], municipalities=[])]),
    ],
)
def test_boundary_holds(change: dict[str, Any]):
    """The boundary values of each rule are feasible (no off-by-one)."""
    inst = make(**change)
    assert failing(inst) == []
    assert len(build_pairs(inst)) == 1


def test_locked_pair_on_a_full_placement_is_offered():
    lock = [dict(client_id="c", placement_id="p", decision="lock")]
    inst = make(p=dict(seats=0), decisions=lock)
    assert failing(inst) == []
    pairs = build_pairs(inst)
    assert pairs.placement.tolist() == [0]


def test_a_lock_does_not_override_other_rules():
    lock = [dict(client_id="c", placement_id="p", decision="lock")]
    inst = make(p=dict(seats=0, language="sv"), decisions=lock)
    assert failing(inst) == ["language"]
    assert len(build_pairs(inst)) == 0


def test_a_forbid_on_another_pair_does_not_bind():
    inst = build_instance(
        clients=[client(), client(id="d")],
        placements=[placement()],
        providers=[dict(id="v", kind="company")],
        pools=[dict(id="f", budget=1e4)],
        decisions=[dict(client_id="d", placement_id="p", decision="forbid")],
    )
    pairs = build_pairs(inst)
    assert pairs.client.tolist() == [0]


def test_every_rule_has_plain_words_and_a_reason():
    assert len({rule.name for rule in PAIR_RULES}) == len(PAIR_RULES)
    assert all(rule.text and rule.doc and rule.reason for rule in PAIR_RULES)


def test_the_readme_lists_the_rule_table():
    readme = (factories.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Feasibility and travel", 1)[1].split("\n## ", 1)[0]
    listed = [line for line in section.splitlines() if re.match(r"^\d+\. ", line)]
    assert listed == readme_lines()


def test_each_rule_explains_its_own_failure():
    # the base pair with one field changed per rule: the rule's reason names the figure
    cases = {
        "age": (dict(age=70), {}, "age 70"),
        "ability": (dict(work_ability=1), dict(min_work_ability=3), "work ability 1"),
        "language": ({}, dict(language="sv"), "it needs sv"),
        "needs": (dict(needs=["quiet", "lift"]), {}, "it does not offer lift"),
        "commute": (dict(max_commute_min=5), {}, "over your limit 5 min"),
    }
    by_name = {rule.name: rule for rule in PAIR_RULES}
    for name, (c, p, words) in cases.items():
        inst = make(c=c, p=p)
        assert name in failing(inst)
        assert words in by_name[name].reason(inst, 0, 0, None)


def test_eligible_types_agree_with_the_type_rules():
    clients = [
        client(id="young", age=20, benefit_days=0),
        client(id="old", age=70),
        client(id="picky", consents=["coaching"], months_used={"coaching": 12}),
        client(id="long", benefit_days=800, months_used={"work_trial": 3}),
    ]
    placements = [
        placement(id=t, type=t) for t in ("work_trial", "wage_subsidy", "coaching", "participation")
    ]
    inst = build_instance(
        clients=clients,
        placements=placements,
        providers=[dict(id="v", kind="company")],
        pools=[dict(id="f", budget=1e4)],
    )
    table = eligible_types(inst, np.arange(4))
    ci, pi = np.repeat(np.arange(4), 4), np.tile(np.arange(4), 4)
    masks = check_pairs(inst, ci, pi)
    expected = np.logical_and.reduce([masks[name] for name in TYPE_RULES]).reshape(4, 4)
    assert np.array_equal(table[:, inst.columns.p_type], expected)
    assert table[:, inst.columns.p_type].tolist() == [
        [True, True, True, True],  # under 25: participation without benefit days
        [False, False, False, False],  # above age.max
        [False, False, False, False],  # consents to coaching only, and used its 12 months
        [True, True, True, True],
    ]


def test_organiser_limit_binds_at_the_used_organiser_only():
    # 6 months of work trial at v (the default limit); the same trial at w stays open
    inst = build_instance(
        clients=[client(months_by_provider={"v": 6.0})],
        placements=[
            placement(type="work_trial"),
            placement(id="q", type="work_trial", provider_id="w"),
        ],
        providers=[dict(id="v", name="Puutyö Oy", kind="company"), dict(id="w", kind="company")],
        pools=[dict(id="f", budget=1e4)],
    )
    masks = check_pairs(inst, np.array([0, 0]), np.array([0, 1]))
    assert masks["organiser"].tolist() == [False, True]
    assert build_pairs(inst).placement.tolist() == [1]
    reason = next(r for r in PAIR_RULES if r.name == "organiser").reason(inst, 0, 0, None)
    assert reason.startswith("6 months of work trial already used at Puutyö Oy")


def test_organiser_limit_is_per_type_and_tolerates_no_history():
    coaching = build_instance(
        clients=[client(months_by_provider={"v": 9.0})],
        placements=[placement(type="coaching")],
        providers=[dict(id="v", kind="company")],
        pools=[dict(id="f", budget=1e4)],
    )
    assert failing(coaching) == []  # coaching has no organiser limit by default
    assert failing(make()) == []  # no months_by_provider column at all
