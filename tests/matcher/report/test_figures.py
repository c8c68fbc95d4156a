"""matcher/report/figures.py: the period report's figures equal sums over the weeks' allocations
on a hand-made two-week chain (tests/matcher/report/cases.py)."""

from __future__ import annotations

import pytest

from matcher.report import ReportError, period_report
from matcher.report.chain import week_range
from tests.matcher.report.cases import SAVED, chain


@pytest.fixture(scope="module")
def report():
    return period_report(chain(), "2026-W48", "2026-W49")


def rows(report, name: str) -> dict:
    """The table's records by their first column."""
    table = report.table(name)
    return {rec[table.columns[0]]: rec for rec in table.records()}


def test_weeks_count_queue_placed_cost_and_liability_per_week(report) -> None:
    w = rows(report, "weeks")
    assert (w["2026-W48"]["queue"], w["2026-W48"]["placed"], w["2026-W48"]["cost"]) == (
        3,
        2,
        1200.0,
    )
    assert (w["2026-W49"]["queue"], w["2026-W49"]["placed"], w["2026-W49"]["cost"]) == (
        1,
        1,
        1000.0,
    )
    assert w["2026-W48"]["free_seats"] == 3 and w["2026-W49"]["free_seats"] == 1
    assert w["2026-W48"]["liability_saved_new"] == round(2 * SAVED, 2)
    assert w["2026-W48"]["in_placement"] == 3  # a and c placed, d from before
    assert w["2026-W48"]["liability_saved_all"] == round(3 * SAVED, 2)
    assert w["2026-W49"]["in_placement"] == 4
    total = w["Total"]
    assert (total["queue"], total["placed"], total["cost"]) == (4, 3, 2200.0)
    assert total["placed_share"] == 0.75


def test_by_type_sums_placed_seats_and_cost(report) -> None:
    t = rows(report, "by_type")
    assert (t["coaching"]["placed"], t["coaching"]["free_seats"], t["coaching"]["cost"]) == (
        2,
        3,
        2000.0,
    )
    assert (t["work_trial"]["placed"], t["work_trial"]["free_seats"], t["work_trial"]["cost"]) == (
        1,
        1,
        200.0,
    )


def test_waiting_weeks_by_municipality_and_group(report) -> None:
    m = rows(report, "by_municipality")
    assert m["Kuopio"]["clients"] == 2 and m["Kuopio"]["placed"] == 2  # a (W48), b (W49)
    assert m["Kuopio"]["queue_weeks"] == 3
    assert m["Kuopio"]["wait_mean"] == 0.5 and m["Kuopio"]["wait_p90"] == 0.9  # a 0, b 1
    assert m["Siilinjärvi"]["wait_mean"] == 0.0 and m["Siilinjärvi"]["placed_share"] == 1.0
    g = rows(report, "by_group")
    assert g["youth"]["clients"] == 1 and g["youth"]["placed"] == 1
    assert g["senior"]["placed_of_all_share"] == round(1 / 3, 4)
    assert "long_term" not in g  # 6 months unemployed: nobody is long-term, so no row


def test_money_per_pool_against_the_week_budget_and_the_appropriation(report) -> None:
    p = rows(report, "pools")
    assert p["f"]["used"] == 2000.0 and p["f"]["first_week_budget"] == 10_000.0
    assert p["f"]["period_budget"] == 50_000.0 and p["f"]["period_spent_before"] == 1000.0
    assert p["f"]["period_spent_after"] == 3000.0 and p["f"]["period_share_used"] == 0.06
    assert p["g"]["used"] == 200.0 and p["g"]["period_budget"] is None  # no appropriation
    by_week = [r for r in report.table("pools_by_week").records() if r["pool_id"] == "f"]
    # f's week budget is a pace of its appropriation: next_week gives W49 the same 10 000
    assert [r["budget"] for r in by_week] == [10_000.0, 10_000.0]
    assert [r["period_spent_before"] for r in by_week] == [1000.0, 2000.0]
    assert [r["period_left_after"] for r in by_week] == [48_000.0, 47_000.0]


def test_missing_weeks_are_listed_and_fairness_is_empty_without_a_floor() -> None:
    report = period_report(chain(), "2026-W47", "2026-W50", lang="fi")
    assert report.missing == ["2026-W47", "2026-W50"]
    assert report.table("fairness").rows == []
    assert report.table("weeks").rows[-1][0] == "Yhteensä"


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-W49", "2026-W48", "after"),
        ("2026-48", "2026-W49", "from: week '2026-48' is not an ISO week"),
        ("2026-W48", "2026-W60", "to: week '2026-W60' does not exist"),
        ("2024-W01", "2026-W48", "at most 10 weeks"),
    ],
)
def test_bad_ranges_are_refused_by_name(first: str, last: str, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        week_range(first, last, 10)


def test_a_range_crosses_the_year() -> None:
    assert week_range("2026-W52", "2027-W02", 10) == [
        "2026-W52",
        "2026-W53",
        "2027-W01",
        "2027-W02",
    ]
