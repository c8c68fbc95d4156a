"""models/lifecycle.py: start weeks, days a week and the weeks a pair is charged."""

from __future__ import annotations

import pandas as pd
import pytest

from models.lifecycle import (
    WeekError,
    charged_weeks,
    earliest_end,
    resolve_week,
    start_offsets,
)
from models.rules import Rules


def test_start_week_cells_resolve_against_the_instance_week():
    assert resolve_week("", "2026-W48") == "2026-W48"
    assert resolve_week(None, "2026-W48") == "2026-W48"
    assert resolve_week("2026-W50", "2026-W48") == "2026-W50"
    assert resolve_week("50", "2026-W48") == "2026-W50"
    assert resolve_week("2", "2026-W50") == "2027-W02"  # week 2 is next year's
    assert resolve_week("53", "2026-W48") == "2026-W53"  # 2026 has 53 ISO weeks
    with pytest.raises(WeekError, match="2027 or 2028"):
        resolve_week("53", "2027-W01")
    with pytest.raises(WeekError):
        resolve_week("W50", "2026-W48")
    with pytest.raises(WeekError):
        resolve_week("2025-W53", "2026-W48")  # 2025 has 52


def frame(**cols):
    base = {"duration_weeks": [10, 10, 10], "start_week": ["", "2026-W51", "47"]}
    base.update(cols)
    return pd.DataFrame(base)


def test_offsets_count_from_this_week_and_a_begun_start_is_now():
    # "47" in W48 is the first week 47 on or after W48: 2027-W47, 52 weeks on
    assert start_offsets(frame(), "2026-W48").tolist() == [0, 3, 52]
    # an ISO week already begun is this week
    assert start_offsets(frame(start_week=["", "", "2026-W47"]), "2026-W48").tolist() == [0, 0, 0]


def test_charged_weeks_are_pro_rata_days_and_clipped_at_the_period_end():
    rules = Rules.default()
    days = frame(days_per_week=[5.0, 3.0, float("nan")], start_week=["", "", ""])
    assert charged_weeks(days, "2026-W48", rules).tolist() == [10.0, 6.0, 10.0]
    clipped = Rules.from_dict({"pro_rata.period_end_week": "2026-W52"})
    starts = frame(start_week=["", "2026-W51", "2026-W53"])
    assert charged_weeks(starts, "2026-W48", clipped).tolist() == [5.0, 2.0, 0.0]
    assert charged_weeks(starts, "2026-W48", rules).tolist() == [10.0, 10.0, 10.0]


def test_lifecycle_rules_are_checked():
    with pytest.raises(ValueError, match="pro_rata.period_end_week"):
        Rules.from_dict({"pro_rata": {"period_end_week": "week 52"}})
    with pytest.raises(ValueError, match="outcome_categories"):
        Rules.from_dict({"outcome_categories": ["Open Market"]})
    with pytest.raises(ValueError, match="followup.months"):
        Rules.from_dict({"followup": {"months": [3, 3]}})
    assert Rules.default().outcome_categories[0] == "open_labour_market"


def test_the_earliest_end_is_the_week_before_the_start_or_this_week_for_a_later_seat():
    assert earliest_end("2026-W42", "2026-W48") == "2026-W41"
    assert earliest_end("2026-W48", "2026-W48") == "2026-W47"
    assert earliest_end("2027-W01", "2026-W48") == "2026-W48"  # begins later: never started
    assert earliest_end("2026-W01", "2026-W01") == "2025-W52"
