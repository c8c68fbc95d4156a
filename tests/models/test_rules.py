"""Rules and weights: documented defaults, flat or nested keys, merging, clear errors."""

from __future__ import annotations

import pytest

from models.rules import DEFAULT_RULES, Rules, RulesError
from models.weights import Weights, WeightsError


def test_defaults_are_the_format_table():
    rules = Rules.default()
    assert rules.effective() == DEFAULT_RULES
    assert rules.types == ["work_trial", "wage_subsidy", "coaching", "participation"]
    assert rules.liability_share(299) == 0.0
    assert rules.liability_share(300) == 0.5
    assert rules.liability_share(1000) == 0.7


def test_flat_and_nested_keys_mean_the_same():
    flat = Rules.from_dict({"travel.road_factor": 1.4, "travel.speed_kmh": {"car": 70}})
    nested = Rules.from_dict({"travel": {"road_factor": 1.4, "speed_kmh": {"car": 70}}})
    assert flat == nested
    assert flat.speed_kmh == {"car": 70.0, "transit": 35.0, "none": 12.0}  # merged over defaults


def test_a_new_type_is_declared_by_max_months_and_cost_rate():
    rules = Rules.from_dict({"max_months": {"training": 6}, "cost_rate": {"training": 0.8}})
    assert rules.types[-1] == "training"
    assert rules.type_rate("training") == 0.8
    assert rules.max_months["work_trial"] == 12  # the others kept


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"travel.road_factr": 1.3}, "rules.travel.road_factr: unknown rule"),
        ({"age.min": "sixteen"}, "rules.age.min: expected a whole number"),
        ({"age.min": 70}, "rules.age.min: 70 is above age.max 67"),
        ({"fairness.floor": 1.5}, "rules.fairness.floor: expected a share between 0 and 1"),
        (
            {"max_months": {"training": 6}},
            "rules.cost_rate.training: type 'training' has max_months",
        ),
        ({"cost_rate": {"wage_subsidy": 1.0}}, "rules.cost_rate.wage_subsidy"),
        ({"travel.speed_kmh": {"bike": 15}}, "rules.travel.speed_kmh.bike: unknown transport mode"),
        ({"groups": {"x": {"age_below": 30}}}, "rules.groups.x.age_below: unknown condition"),
        ({"liability.thresholds": [[1000, 0.7], [300, 0.5]]}, "days must increase"),
    ],
)
def test_bad_rules_are_errors_naming_the_key(raw, message):
    with pytest.raises(RulesError) as err:
        Rules.from_dict(raw)
    assert any(message in p for p in err.value.problems), err.value.problems


def test_weights_defaults_and_errors():
    assert Weights.from_dict({}).placed == 1000
    assert Weights.from_dict({"pathway_stage": {"training": 2}}).pathway_stage["training"] == 2
    with pytest.raises(WeightsError, match="weights.travle: unknown weight"):
        Weights.from_dict({"travle": 1})
    with pytest.raises(WeightsError, match="weights.cost: expected a number"):
        Weights.from_dict({"cost": -1})
