"""The period report (issue 17): a chain of published weeks summed into tables for the region's
funders — `chain` reads the weeks, `figures` makes the tables, `export` writes CSV, XLSX and
Markdown."""

from __future__ import annotations

from matcher.messages import current, language, words
from matcher.report.chain import ReportError, Week, read_chain, week_range
from matcher.report.figures import (
    Report,
    fairness_table,
    group_table,
    municipality_table,
    pool_tables,
    type_table,
    waiting_weeks,
    week_facts,
    weeks_table,
)
from matcher.report.outcomes import outcome_tables

MAX_WEEKS = 106  # two years of weeks: the longest range the command line reports over


def build_report(weeks: list[Week], first: str, last: str, asked: list[str]) -> Report:
    """The report's tables over `weeks` (the published weeks of `asked`, in order), labelled in
    the current language."""
    facts = [week_facts(w) for w in weeks]
    waits = waiting_weeks(facts)
    pools, pools_by_week = pool_tables(weeks, facts)
    outcomes, followups = outcome_tables(weeks, asked)
    found = [w.week for w in weeks]
    return Report(
        first=first,
        last=last,
        weeks=found,
        missing=[w for w in asked if w not in found],
        tables=[
            weeks_table(weeks, facts, words("report.total")),
            type_table(weeks, facts),
            municipality_table(facts, waits),
            group_table(facts, waits),
            pools,
            pools_by_week,
            outcomes,
            followups,
            fairness_table(weeks),
        ],
        lang=current(),
    )


def period_report(
    weeks: list[Week], first: str, last: str, lang: str = "en", max_weeks: int = MAX_WEEKS
) -> Report:
    """The report over the published `weeks` of first…last, its labels in `lang`."""
    asked = week_range(first, last, max_weeks)
    with language(lang):
        return build_report(weeks, first, last, asked)


def report_from_folder(folder: str, first: str, last: str, lang: str = "en") -> Report:
    """The report over a folder of week folders (each an instance with its allocation.json)."""
    return period_report(read_chain(folder, week_range(first, last, MAX_WEEKS)), first, last, lang)


__all__ = ["MAX_WEEKS", "Report", "ReportError", "Week", "period_report", "report_from_folder"]
