"""The period report's tables over a chain of published weeks: placed vs queue by type,
municipality and group, waiting weeks, money per pool against the week budget and the period
appropriation, municipal liability saved and fairness — every figure a sum over the weeks'
instances and allocations (README "The period report" defines each one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.pairs.score import liability_per_week
from matcher.report.chain import Week
from models.period import read_period

Cell = str | int | float | None


@dataclass
class Table:
    """One table of the report: a name (file and sheet), column keys (headings come from the
    message catalogue `report.col.<key>`) and rows of plain cells."""

    name: str
    columns: tuple[str, ...]
    rows: list[list[Cell]] = field(default_factory=list)
    # what each row's `unit` cell is a code of (a type, a group, a municipality…) when that
    # changes from row to row (the outcome table); export labels the codes (export.labelled)
    unit_kinds: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, Cell]]:
        """The rows as dicts by column key (the API's JSON)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass
class Report:
    """The period report: the weeks asked for, those found, the tables in their order."""

    first: str
    last: str
    weeks: list[str]
    missing: list[str]
    tables: list[Table]
    lang: str = "en"  # the language of the headings and labels

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def to_dict(self) -> dict[str, Any]:
        """JSON of the report: range, weeks found and missing, every table as records."""
        return {
            "from": self.first,
            "to": self.last,
            "weeks": self.weeks,
            "missing_weeks": self.missing,
            "tables": {t.name: t.records() for t in self.tables},
        }


@dataclass(frozen=True)
class WeekFacts:
    """One week as arrays over its clients: who was in the queue, who was placed where."""

    week: str
    ids: np.ndarray  # client ids (object)
    muni: np.ndarray  # client municipality (object)
    groups: np.ndarray  # (n, G) bool
    group_names: tuple[str, ...]
    queue: np.ndarray  # bool: in the queue this week
    placed: np.ndarray  # bool: placed this week
    active: np.ndarray  # bool: holding a seat this week (placed now or earlier)
    saved: np.ndarray  # € per week the municipality saves while the client is in a service
    a_rows: np.ndarray  # client row of each assignment
    a_type: np.ndarray  # placement type of each assignment (object)
    a_cost: np.ndarray
    a_pool: np.ndarray  # pool id of each assignment (object, "" = none)


def week_facts(w: Week) -> WeekFacts:
    """The arrays of one published week (assignments to unknown ids are a ReportError)."""
    from matcher.report.chain import ReportError

    inst, alloc = w.instance, w.allocation
    cols = inst.columns
    ids = inst.clients["id"].astype(str).to_numpy(dtype=object)
    row_of = {c: i for i, c in enumerate(ids)}
    ptype = dict(
        zip(inst.placements["id"].astype(str), inst.placements["type"].astype(str), strict=True)
    )
    bad = [
        a.client_id if a.client_id not in row_of else a.placement_id
        for a in alloc.assignments
        if a.client_id not in row_of or a.placement_id not in ptype
    ]
    if bad:
        raise ReportError(f"{w.source}: the allocation names ids not in the instance: {bad[:5]}")
    a_rows = np.array([row_of[a.client_id] for a in alloc.assignments], dtype=np.int64)
    placed = np.zeros(len(ids), dtype=bool)
    placed[a_rows] = True
    queue = cols.c_queue.copy()
    return WeekFacts(
        week=w.week,
        ids=ids,
        muni=inst.clients["municipality"].astype(str).to_numpy(dtype=object),
        groups=cols.c_groups,
        group_names=cols.groups.tokens,
        queue=queue,
        placed=placed,
        active=placed | ~queue,
        saved=liability_per_week(inst),
        a_rows=a_rows,
        a_type=np.array([ptype[a.placement_id] for a in alloc.assignments], dtype=object),
        a_cost=np.array([a.cost for a in alloc.assignments], dtype=np.float64),
        a_pool=np.array([a.pool_id or "" for a in alloc.assignments], dtype=object),
    )


def _money(x: float) -> float:
    return round(float(x), 2)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def weeks_table(weeks: list[Week], facts: list[WeekFacts], total: str) -> Table:
    """Per week: queue, placed, free seats, cost, liability saved; and the period's total."""
    t = Table(
        "weeks",
        (
            "week",
            "queue",
            "placed",
            "placed_share",
            "free_seats",
            "cost",
            "liability_saved_new",
            "in_placement",
            "liability_saved_all",
        ),
    )
    sums = np.zeros(6)
    for w, f in zip(weeks, facts, strict=True):
        row = [
            int(f.queue.sum()),
            int(f.placed.sum()),
            int(w.instance.columns.p_seats.sum()),
            _money(f.a_cost.sum()),
            _money(f.saved[f.placed].sum()),
            int(f.active.sum()),
            _money(f.saved[f.active].sum()),
        ]
        t.rows.append([f.week, row[0], row[1], _share(row[1], row[0]), *row[2:]])
        sums += np.array(row[1:], dtype=np.float64)
    queue_weeks = sum(int(f.queue.sum()) for f in facts)
    t.rows.append(
        [
            total,
            queue_weeks,
            int(sums[0]),
            _share(sums[0], queue_weeks),
            int(sums[1]),
            _money(sums[2]),
            _money(sums[3]),
            int(sums[4]),
            _money(sums[5]),
        ]
    )
    return t


def type_table(weeks: list[Week], facts: list[WeekFacts]) -> Table:
    """Per placement type: placed, free seats offered and cost, summed over the weeks."""
    placed: dict[str, int] = defaultdict(int)
    seats: dict[str, int] = defaultdict(int)
    cost: dict[str, float] = defaultdict(float)
    for w, f in zip(weeks, facts, strict=True):
        p = w.instance.placements
        for typ, n in zip(p["type"].astype(str), p["seats"].astype(int), strict=True):
            seats[typ] += int(n)
        for typ, c in zip(f.a_type, f.a_cost, strict=True):
            placed[typ] += 1
            cost[typ] += float(c)
    t = Table("by_type", ("type", "placed", "free_seats", "seat_share_filled", "cost"))
    for typ in sorted(set(seats) | set(placed)):
        t.rows.append(
            [typ, placed[typ], seats[typ], _share(placed[typ], seats[typ]), _money(cost[typ])]
        )
    return t


Wait = tuple[int, str, frozenset[str]]


def waiting_weeks(facts: list[WeekFacts]) -> dict[str, Wait]:
    """Per client in the queue at least once: (weeks in the queue without being placed, their
    municipality, their groups) — municipality and groups as in their last week in the queue."""
    out: dict[str, Wait] = {}
    for f in facts:
        rows = np.flatnonzero(f.queue)
        waited = ~f.placed[rows]
        for r, wait in zip(rows.tolist(), waited.tolist(), strict=True):
            before = out.get(f.ids[r], (0, "", frozenset()))[0]
            groups = frozenset(g for g, m in zip(f.group_names, f.groups[r], strict=True) if m)
            out[f.ids[r]] = (before + int(wait), str(f.muni[r]), groups)
    return out


def _unit_table(
    name: str,
    key: str,
    units: list[str],
    member: Callable[[WeekFacts, str], np.ndarray],
    facts: list[WeekFacts],
    waits: dict[str, Wait],
    wait_member: Callable[[Wait, str], bool],
) -> Table:
    """Queue, placed and waiting weeks per unit (municipality or group) over the weeks."""
    t = Table(
        name,
        (
            key,
            "queue_weeks",
            "clients",
            "placed",
            "placed_share",
            "queue_share",
            "placed_of_all_share",
            "wait_mean",
            "wait_p90",
        ),
    )
    all_queue = sum(int(f.queue.sum()) for f in facts)
    all_placed = sum(int(f.placed.sum()) for f in facts)
    for unit in units:
        queue_weeks = placed = 0
        for f in facts:
            m = member(f, unit)
            queue_weeks += int((m & f.queue).sum())
            placed += int((m & f.placed).sum())
        wait = np.array([v[0] for v in waits.values() if wait_member(v, unit)], dtype=np.float64)
        if not queue_weeks and not placed:
            continue
        t.rows.append(
            [
                unit,
                queue_weeks,
                int(len(wait)),
                placed,
                _share(placed, len(wait)),
                _share(queue_weeks, all_queue),
                _share(placed, all_placed),
                round(float(wait.mean()), 2) if len(wait) else None,
                round(float(np.percentile(wait, 90)), 1) if len(wait) else None,
            ]
        )
    return t


def municipality_table(facts: list[WeekFacts], waits: dict[str, Wait]) -> Table:
    """Per home municipality: queue, placed, shares and waiting weeks (mean, p90)."""
    munis = sorted({str(m) for f in facts for m in f.muni})
    return _unit_table(
        "by_municipality",
        "municipality",
        munis,
        lambda f, m: f.muni == m,
        facts,
        waits,
        lambda v, m: v[1] == m,
    )


def group_table(facts: list[WeekFacts], waits: dict[str, Wait]) -> Table:
    """Per client group of the rules: queue, placed, shares and waiting weeks (mean, p90)."""
    names = list(dict.fromkeys(g for f in facts for g in f.group_names))

    def member(f: WeekFacts, g: str) -> np.ndarray:
        if g not in f.group_names:
            return np.zeros(len(f.ids), dtype=bool)
        return f.groups[:, f.group_names.index(g)]

    return _unit_table("by_group", "group", names, member, facts, waits, lambda v, g: g in v[2])


def pool_tables(weeks: list[Week], facts: list[WeekFacts]) -> tuple[Table, Table]:
    """Per week and pool: the week's budget and use, and the period appropriation when the week
    has one; per pool over the period: used against the first week's budget and the appropriation."""
    per_week = Table(
        "pools_by_week",
        (
            "week",
            "pool_id",
            "budget",
            "used",
            "budget_share_used",
            "period_budget",
            "period_spent_before",
            "period_left_after",
        ),
    )
    totals: dict[str, dict[str, Any]] = {}
    for w, f in zip(weeks, facts, strict=True):
        period = read_period(w.instance)
        appropriation = {p.pool_id: p for p in period.pools} if period else {}
        pools = w.instance.pools
        for pid, name, budget in zip(
            pools["id"].astype(str), pools["name"].astype(str), pools["budget"], strict=True
        ):
            used = float(f.a_cost[f.a_pool == pid].sum())
            p = appropriation.get(pid)
            per_week.rows.append(
                [
                    f.week,
                    pid,
                    _money(budget),
                    _money(used),
                    _share(used, float(budget)),
                    _money(p.budget) if p else None,
                    _money(p.spent) if p else None,
                    _money(max(p.left - used, 0.0)) if p else None,
                ]
            )
            tot = totals.setdefault(
                pid,
                {
                    "name": name,
                    "budget": float(budget),
                    "used": 0.0,
                    "period": p.budget if p else None,
                    "before": p.spent if p else None,
                },
            )
            tot["used"] += used
    period_table = Table(
        "pools",
        (
            "pool_id",
            "pool_name",
            "first_week_budget",
            "used",
            "budget_share_used",
            "period_budget",
            "period_spent_before",
            "period_spent_after",
            "period_share_used",
        ),
    )
    for pid, tot in totals.items():
        after = tot["before"] + tot["used"] if tot["period"] is not None else None
        period_table.rows.append(
            [
                pid,
                tot["name"],
                _money(tot["budget"]),
                _money(tot["used"]),
                _share(tot["used"], tot["budget"]),
                _money(tot["period"]) if tot["period"] is not None else None,
                _money(tot["before"]) if tot["before"] is not None else None,
                _money(after) if after is not None else None,
                _share(after, tot["period"]) if after is not None else None,
            ]
        )
    return period_table, per_week


def fairness_table(weeks: list[Week]) -> Table:
    """The allocations' fairness units summed over the weeks (empty when no floor was set)."""
    sums: dict[str, list[float]] = {}
    floors: dict[str, float] = {}
    for w in weeks:
        fair = w.allocation.fairness or {}
        for u in fair.get("units") or []:
            s = sums.setdefault(str(u["unit"]), [0, 0, 0, 0.0, 0])
            s[0] += 1
            s[1] += int(u.get("queue", 0))
            s[2] += int(u.get("placed", 0))
            s[3] += float(u.get("target", 0.0))
            s[4] += int(u.get("shortfall", 0))
            floors[str(u["unit"])] = float(fair.get("floor", 0.0))
    t = Table("fairness", ("unit", "floor", "weeks", "queue", "placed", "target", "shortfall"))
    for unit, s in sums.items():
        t.rows.append(
            [unit, floors[unit], int(s[0]), int(s[1]), int(s[2]), round(s[3], 2), int(s[4])]
        )
    return t
