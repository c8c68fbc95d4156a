"""`polku shortlist INSTANCE --per-seat K [--max-lists L] [--time-limit S] [--workers W] [--seed N]
--out shortlists.json`: employer shortlists with live progress and a summary, like `polku solve`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from cli.commands.common import add_lang_argument, read_instance_or_report, run_in_language
from cli.terminal import progress_printer

if TYPE_CHECKING:
    from rich.console import Console

    from models.shortlists import Shortlists

OUTPUT_SECONDS = 2.0  # kept back from --time-limit for explanations and writing the file


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("instance", help="instance folder or .zip")
    parser.add_argument(
        "--per-seat", type=int, default=3, help="candidates per free seat, K (default 3)"
    )
    parser.add_argument(
        "--max-lists", type=int, default=1, help="lists a client may be on, L (default 1)"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds in all, reading and writing included (default 60)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=8,
        help="CP-SAT workers (default 8: its full portfolio, which closes the bound, even on 2 cores)",
    )
    parser.add_argument("--seed", type=int, default=0, help="CP-SAT random seed")
    parser.add_argument(
        "--cover-bonus",
        type=int,
        default=None,
        help="objective bonus per seat with at least one candidate (default: weights.placed)",
    )
    parser.add_argument("--out", required=True, help="shortlists.json to write")
    add_lang_argument(parser, "the reasons")
    parser.add_argument("--no-explain", action="store_true", help="skip the why/reasons texts")
    parser.add_argument("--quiet", action="store_true", help="no live progress")


def run(args: argparse.Namespace) -> int:
    """Build and write the shortlists, reasons in `--lang`."""
    return run_in_language(args, _run)


def _run(args: argparse.Namespace) -> int:
    from instances.atomic import write_text_atomic
    from matcher.allocation.constraints import InfeasibleLockError
    from matcher.shortlists.solve import ShortlistError, ShortlistOptions, shortlist, to_shortlists

    t0 = time.perf_counter()
    try:
        options = ShortlistOptions(
            per_seat=args.per_seat,
            max_lists=args.max_lists,
            time_limit=args.time_limit,
            workers=args.workers,
            seed=args.seed,
            cover_bonus=args.cover_bonus,
        )
    except ValueError as exc:
        print(f"polku shortlist: {exc}", file=sys.stderr)
        return 2
    inst = read_instance_or_report("shortlist", args.instance)
    if inst is None:
        return 2
    read_seconds = time.perf_counter() - t0
    on_progress = None if args.quiet else progress_printer()
    # --time-limit is for the whole command: reading and writing (~1 s) come out of it.
    budget = max(1.0, args.time_limit - (time.perf_counter() - t0) - OUTPUT_SECONDS)
    options = replace(options, time_limit=budget)
    try:
        result = shortlist(inst, options, on_progress=on_progress)
    except (InfeasibleLockError, ShortlistError) as exc:
        print(f"polku shortlist: {exc}", file=sys.stderr)
        return 2
    lists = to_shortlists(inst, result, explain=not args.no_explain)
    lists.extra.setdefault("solver", {})["read_seconds"] = round(read_seconds, 3)
    text = json.dumps(lists.to_dict(), ensure_ascii=False, indent=1) + "\n"
    write_text_atomic(Path(args.out), text)
    print_shortlist_summary(lists)
    print(f"wrote {args.out}")
    return 0


def print_shortlist_summary(lists: Shortlists, console: Console | None = None) -> None:
    """The end-of-run summary: status and gap, seats covered, candidates, pools' reservations."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    s = lists.extra.get("summary", {})
    gap = lists.gap
    console.print(
        f"[bold]{lists.instance}[/bold]: {lists.status}, objective {lists.objective}, bound "
        f"{'–' if lists.bound is None else lists.bound}, gap "
        f"{'–' if gap is None else f'{100 * gap:.3f} %'}, {lists.solve_seconds:.1f} s"
    )
    console.print(
        f"{s.get('lists', len(lists.lists))} lists for {s.get('seats', '?')} free seats "
        f"(K = {lists.per_seat}, L = {lists.max_lists}): {s.get('seats_covered', '?')} seats have a "
        f"candidate, {s.get('candidates', '?')} candidates ({s.get('clients_listed', '?')} clients), "
        f"{s.get('locked', 0)} locked, {len(lists.unlisted)} of {s.get('queue', '?')} in the queue "
        "on no list"
    )
    t = Table(title="Funding pools (worst case over all picks)", show_edge=False)
    for col in ("pool", "reserved €", "budget €", "use"):
        t.add_column(col, justify="right" if col != "pool" else "left")
    for p in lists.pools[:20]:
        share = p.reserved / p.budget if p.budget else 0
        t.add_row(
            p.pool_id,
            f"{p.reserved:,.0f}".replace(",", " "),
            f"{p.budget:,.0f}".replace(",", " "),
            f"{100 * share:.1f} %",
        )
    if len(lists.pools) > 20:
        t.add_row(f"… {len(lists.pools) - 20} more", "", "", "")
    console.print(t)
