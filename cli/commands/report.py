"""`polku report (CHAIN | --db DB --region R) --from WEEK --to WEEK [--out DIR] [--lang en|fi]`:
the period report over published weeks — CSV per table, report.xlsx and report.md in DIR, and
the summary printed (README "The period report")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SUMMARY_TABLES = ("weeks", "by_type", "by_group", "pools", "outcomes", "fairness")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "chain",
        nargs="?",
        help="folder of week folders, each an instance with its allocation.json",
    )
    parser.add_argument("--db", help="the service's database instead of a folder (with --region)")
    parser.add_argument("--region", help="the region whose published runs to report (with --db)")
    parser.add_argument("--from", dest="first", required=True, help="first week, e.g. 2026-W48")
    parser.add_argument("--to", dest="last", required=True, help="last week, inclusive")
    parser.add_argument("--out", help="folder for the files (default report-FROM-TO)")
    parser.add_argument("--lang", default="en", choices=("en", "fi"), help="headings' language")


def run(args: argparse.Namespace) -> int:
    """Read the weeks, build the report, write its files, print the summary; exit code."""
    from matcher.report import MAX_WEEKS, ReportError, period_report, read_chain, week_range
    from matcher.report.export import ExportError, markdown, write_report

    if bool(args.chain) == bool(args.db):
        print("polku report: give either CHAIN or --db (with --region)", file=sys.stderr)
        return 2
    if args.db and not args.region:
        print("polku report: --db needs --region", file=sys.stderr)
        return 2
    try:
        asked = week_range(args.first, args.last, MAX_WEEKS)
        if args.chain:
            weeks = read_chain(args.chain, asked)
        else:
            weeks = _store_weeks(args.db, args.region, asked)
        report = period_report(weeks, args.first, args.last, args.lang)
        out = Path(args.out or f"report-{args.first}-{args.last}")
        paths = write_report(report, out)
        print(markdown(report, SUMMARY_TABLES), end="")
    except (ReportError, ExportError) as exc:
        print(f"polku report: {exc}", file=sys.stderr)
        return 2
    print(f"\nwrote {len(paths)} files to {out}: {', '.join(p.name for p in paths)}")
    return 0


def _store_weeks(db: str, region: str, asked: list[str]) -> list:
    """The region's published weeks from the service's database (ReportError when none)."""
    from api.services.reports import published_weeks
    from api.store import open_store
    from matcher.report import ReportError

    if not Path(db).is_file():
        raise ReportError(f"{db}: no such database")
    weeks = published_weeks(open_store(db), region, asked)
    if not weeks:
        raise ReportError(f"{db}: no published run of region {region!r} in {asked[0]}…{asked[-1]}")
    return weeks
