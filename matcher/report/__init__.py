"""The period report (issue 17): a chain of published weeks summed into tables for the region's
funders — `chain` reads the weeks, `figures` makes the tables, `export` writes CSV, XLSX and
Markdown."""

from __future__ import annotations

from matcher.messages import language, words
from matcher.report.chain import ReportError, Week, read_chain, week_range
from matcher.report.figures import Report, build_report

MAX_WEEKS = 106  # two years of weeks: the longest range the command line reports over


def period_report(
    weeks: list[Week], first: str, last: str, lang: str = "en", max_weeks: int = MAX_WEEKS
) -> Report:
    """The report over the published `weeks` of first…last, its labels in `lang`."""
    asked = week_range(first, last, max_weeks)
    with language(lang):
        return build_report(weeks, first, last, asked, words("report.total"))


def report_from_folder(folder: str, first: str, last: str, lang: str = "en") -> Report:
    """The report over a folder of week folders (each an instance with its allocation.json)."""
    return period_report(read_chain(folder, week_range(first, last, MAX_WEEKS)), first, last, lang)


__all__ = ["MAX_WEEKS", "Report", "ReportError", "Week", "period_report", "report_from_folder"]
