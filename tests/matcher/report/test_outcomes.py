"""matcher/report/outcomes.py: the outcomes and follow-ups of the placements that ended in the
period, from the history the chain's weeks carry (a ends early after W48: open labour market)."""

from __future__ import annotations

from matcher.report import period_report
from matcher.report.export import headings
from tests.matcher.report.cases import chain, chain_with_an_end


def test_an_early_end_with_its_outcome_and_follow_up() -> None:
    report = period_report(chain_with_an_end(), "2026-W48", "2026-W49")
    rows = report.table("outcomes").records()
    overall = rows[0]
    assert (overall["by"], overall["ended"], overall["early"], overall["recorded"]) == (
        "all",
        1,
        1,
        1,
    )
    assert overall["n:open_labour_market"] == 1 and overall["share:open_labour_market"] == 1.0
    assert overall["share:training"] == 0.0
    units = {(r["by"], r["unit"]) for r in rows[1:]}
    assert units == {
        ("provider", "v1"),
        ("placement type", "coaching"),
        ("municipality", "Kuopio"),
        ("client group", "youth"),
    }
    assert report.table("followups").records() == [
        {"months_after": 3, "yes": 1, "no": 0, "unknown": 0, "still_employed_share": 1.0}
    ]
    weeks = {r["week"]: r for r in report.table("weeks").records()}
    assert weeks["2026-W49"]["queue"] == 2  # a is back in the queue with b


def test_ends_outside_the_range_are_left_out_and_headings_name_the_category() -> None:
    report = period_report(chain_with_an_end(), "2026-W49", "2026-W50", lang="fi")
    assert report.table("outcomes").rows == [] and report.table("followups").rows == []
    assert period_report(chain(), "2026-W48", "2026-W49").table("outcomes").rows == []
    heads = headings(report.table("outcomes"), "fi")
    assert "avoimet työmarkkinat, osuus" in heads and "jatkaa työnhakua, lkm" in heads


def test_no_published_week_gives_empty_tables() -> None:
    report = period_report([], "2026-W48", "2026-W49")
    assert report.missing == ["2026-W48", "2026-W49"]
    assert report.table("outcomes").rows == [] and report.table("weeks").rows[-1][2] == 0
