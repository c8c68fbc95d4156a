"""Terminal output shared by the commands: live solver progress and the run summary."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

from models.allocation import Allocation


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    return str(value)


def progress_printer(stream: Any = None) -> Callable[[Any], None]:
    """A progress callback printing objective, bound, gap and elapsed time, one line per report
    (live on a terminal, every report; to a pipe, at most one line per 2 s)."""
    stream = stream or sys.stderr
    last = [-1e9]
    tty = stream.isatty()

    def show(p: Any) -> None:
        if not tty and p.elapsed - last[0] < 2.0 and p.phase != "done":
            return
        last[0] = p.elapsed
        gap = "–" if p.gap is None else f"{100 * p.gap:.3f} %"
        stream.write(
            f"[{p.elapsed:7.1f} s] {p.phase:<9} objective {_fmt(p.objective)}  "
            f"bound {_fmt(p.bound)}  gap {gap}\n"
        )
        stream.flush()

    return show


def print_summary(alloc: Allocation, console: Console | None = None) -> None:
    """The end-of-run summary: placed/queue by type and municipality, pools, commute, liability."""
    console = console or Console(highlight=False)
    s = alloc.extra.get("summary", {})
    gap = alloc.gap
    console.print(
        f"[bold]{alloc.instance}[/bold]: {alloc.status}, objective {_fmt(alloc.objective)}, "
        f"bound {_fmt(alloc.bound)}, gap {'–' if gap is None else f'{100 * gap:.3f} %'}, "
        f"{alloc.solve_seconds:.1f} s"
    )
    console.print(
        f"placed {s.get('placed', len(alloc.assignments))} of {s.get('queue', '?')} in the queue "
        f"({s.get('free_seats', '?')} free seats); liability saved "
        f"{_fmt(s.get('liability_saved_per_week'))} €/week; commute mean "
        f"{_fmt(s.get('commute', {}).get('mean_min'), 1)} min, max {_fmt(s.get('commute', {}).get('max_min'), 1)} min"
    )
    t = Table(title="By type", show_edge=False)
    for col in ("type", "placed", "free seats"):
        t.add_column(col, justify="right" if col != "type" else "left")
    for name, v in s.get("by_type", {}).items():
        t.add_row(name, str(v["placed"]), str(v["seats"]))
    console.print(t)
    t = Table(title="By municipality", show_edge=False)
    for col in ("municipality", "placed", "queue", "share"):
        t.add_column(col, justify="right" if col != "municipality" else "left")
    munis = sorted(s.get("by_municipality", {}).items(), key=lambda kv: -kv[1]["queue"])
    for name, v in munis[:15]:
        share = v["placed"] / v["queue"] if v["queue"] else 0
        t.add_row(name, str(v["placed"]), str(v["queue"]), f"{100 * share:.0f} %")
    if len(munis) > 15:
        t.add_row(f"… {len(munis) - 15} more", "", "", "")
    console.print(t)
    t = Table(title="Funding pools", show_edge=False)
    for col in ("pool", "used €", "budget €", "use"):
        t.add_column(col, justify="right" if col != "pool" else "left")
    for p in alloc.pools[:20]:
        share = p.used / p.budget if p.budget else 0
        t.add_row(p.pool_id, _fmt(p.used), _fmt(p.budget), f"{100 * share:.1f} %")
    if len(alloc.pools) > 20:
        t.add_row(f"… {len(alloc.pools) - 20} more", "", "", "")
    console.print(t)
    if alloc.fairness.get("units"):
        short = [u for u in alloc.fairness["units"] if u["shortfall"] > 0]
        console.print(f"fairness floor {alloc.fairness.get('floor')}: {len(short)} unit(s) short")
    envy = alloc.extra.get("envy")
    if isinstance(envy, dict) and "count" in envy:
        console.print(f"justified envy: {envy['count']} client(s) (see allocation.json → envy)")
    console.print(f"unassigned: {len(alloc.unassigned)} (each with reasons in the allocation)")
