"""The independent checker's facts and formulas: the instance as plain row records and each rule
of FORMAT.md as a small plain-Python function (deliberately separate from the engine: nothing
from the rest of `matcher`, no numpy, not `models.formulas`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from models.entities import Client, FundingPool, Placement, Provider
from models.instance import Instance
from models.rules import Rules
from models.weights import Weights

# Written out from FORMAT.md's text rather than imported, to stay independent of the models.

WAGE_SUBSIDY = "wage_subsidy"

PARTICIPATION = "participation"

THIRD_SECTOR_KINDS = ("association", "foundation")

LONG_TERM_MONTHS = 12

EARTH_RADIUS_KM = 6371.0

CAR = "car"

OPTIONAL_INTS = ("weeks_since_activation", "max_subsidised", "days_per_week")

COST_TOL = 0.01  # € per stated cost and per pool budget


@dataclass(frozen=True)
class Violation:
    """One broken rule: its name, a sentence for a person, and the ids it concerns."""

    rule: str
    message: str
    client_id: str | None = None
    placement_id: str | None = None
    pool_id: str | None = None

    def line(self) -> str:
        """One printable line: rule, the ids that are set, the message."""
        ids = [
            f"{name}={value}"
            for name, value in (
                ("client", self.client_id),
                ("placement", self.placement_id),
                ("pool", self.pool_id),
            )
            if value is not None
        ]
        return " ".join([f"[{self.rule}]", *ids, "—", self.message])


@dataclass
class Facts:
    """The instance as dictionaries keyed by id, plus decisions as sets of (client, placement)."""

    rules: Rules
    weights: Weights
    clients: dict[str, Client]
    placements: dict[str, Placement]
    providers: dict[str, Provider]
    pools: dict[str, FundingPool]
    locks: list[tuple[str, str]]
    forbids: set[tuple[str, str]]
    week: str = ""
    _groups: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_instance(cls, inst: Instance) -> Facts:
        """Read the row records of `inst` once into look-up tables."""
        locks: list[tuple[str, str]] = []
        forbids: set[tuple[str, str]] = set()
        for d in inst.decision_records():
            pair = (d.client_id, d.placement_id)
            if d.decision == "lock":
                locks.append(pair)
            elif d.decision == "forbid":
                forbids.add(pair)
        return cls(
            rules=inst.rules,
            weights=inst.weights,
            clients={c.id: c for c in row_records(inst.clients, Client)},
            placements={p.id: p for p in row_records(inst.placements, Placement)},
            providers={v.id: v for v in inst.provider_records()},
            pools={f.id: f for f in inst.pool_records()},
            locks=locks,
            forbids=forbids,
            week=inst.week,
        )

    def groups_of(self, client: Client) -> frozenset[str]:
        """The rules' groups the client belongs to (cached per client)."""
        found = self._groups.get(client.id)
        if found is None:
            found = client_groups(client, self.rules)
            self._groups[client.id] = found
        return found


def row_records(frame: Any, cls: type) -> list[Any]:
    """The same records as `Instance.client_records()`/`placement_records()`, built column-wise.

    Converting whole columns with `tolist()` instead of row dicts makes 200 000 clients take about
    a second instead of several; tests assert the result equals the Instance's own records.
    """
    fields = [f.name for f in dataclasses.fields(cls)]
    names = [n for n in fields if n in frame.columns]
    columns = [_plain_column(frame[n], n) for n in names]
    if names == fields:
        return [cls(*row) for row in zip(*columns, strict=True)]
    return [cls(**dict(zip(names, row, strict=True))) for row in zip(*columns, strict=True)]


PLAIN_TYPES = frozenset({str, tuple, dict, list, int, bool})


def _plain_column(series: Any, name: str) -> list[Any]:
    """Cells as plain Python values: NaN → None, numpy scalars → Python, optional ints → int."""
    values = series.tolist()
    kind = series.dtype.kind
    if kind in "iub":
        return values
    if kind == "f":
        if name in OPTIONAL_INTS:
            return [None if v != v else int(v) for v in values]
        return [None if v != v else v for v in values]
    if all(type(v) in PLAIN_TYPES for v in values):
        return values
    out = []
    for v in values:
        if isinstance(v, float) and math.isnan(v):
            v = None
        elif hasattr(v, "item") and not isinstance(v, (tuple, dict, str)):
            v = v.item()
        if v is not None and name in OPTIONAL_INTS:
            v = int(v)
        out.append(v)
    return out


def in_group(client: Client, conditions: dict[str, Any]) -> bool:
    """FORMAT.md `groups`: a client is in a group when every condition holds."""
    for cond, value in conditions.items():
        if cond == "age_lt":
            ok = client.age < value
        elif cond == "age_ge":
            ok = client.age >= value
        elif cond == "benefit_days_ge":
            ok = client.benefit_days >= value
        elif cond == "unemployed_months_ge":
            ok = client.unemployed_months >= value
        elif cond == "partial_work_ability":
            ok = bool(client.partial_work_ability) == bool(value)
        elif cond == "language":
            ok = value in client.languages
        elif cond == "municipality_in":
            ok = client.municipality in value
        else:
            raise ValueError(f"rules.groups: unknown condition {cond!r}")
        if not ok:
            return False
    return True


def client_groups(client: Client, rules: Rules) -> frozenset[str]:
    """Names of every group of the rules whose conditions the client meets."""
    return frozenset(name for name, conds in rules.groups.items() if in_group(client, conds))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def travel_mode(client: Client, placement: Placement, rules: Rules) -> str:
    """The client's transport, or car when the placement offers the transport feature."""
    return CAR if rules.transport_feature in placement.features else client.transport


def travel_minutes(client: Client, placement: Placement, rules: Rules) -> float:
    """One-way minutes: km × road_factor / speed_kmh[mode] × 60 + overhead_min[mode]."""
    mode = travel_mode(client, placement, rules)
    km = haversine_km(client.lat, client.lon, placement.lat, placement.lon) * rules.road_factor
    return km / rules.speed_kmh[mode] * 60.0 + rules.overhead_min[mode]


def pair_rate(
    client: Client, placement: Placement, provider: Provider | None, rules: Rules
) -> float:
    """Share of weekly_cost the public side pays: cost_rate, or the highest wage-subsidy rate."""
    if placement.type != WAGE_SUBSIDY:
        return float(rules.cost_rate[placement.type])
    rates = rules.wage_subsidy_rate
    best = rates["default"]
    if client.partial_work_ability:
        best = max(best, rates["partial_work_ability"])
    third_sector = provider is not None and provider.kind in THIRD_SECTOR_KINDS
    if third_sector and client.unemployed_months >= LONG_TERM_MONTHS:
        best = max(best, rates["third_sector_long_term"])
    return float(best)


def pair_cost(facts: Facts, client: Client, placement: Placement) -> float:
    """weekly_cost × rate × charged weeks, in € (README "Placement lifecycle": the duration pro
    rata days a week, only the weeks up to the rules' period end when one is set)."""
    provider = facts.providers.get(placement.provider_id)
    rate = pair_rate(client, placement, provider, facts.rules)
    weeks = float(placement.duration_weeks)
    end = facts.rules.period_end_week
    if end and facts.week:
        start = _monday(facts.week)
        given = str(placement.start_week or "").strip()
        if given:
            start = max(start, _start_monday(given, facts.week))
        weeks = min(weeks, max((_monday(end) - start).days // 7 + 1, 0))
    days = placement.days_per_week or facts.rules.week_days
    return placement.weekly_cost * rate * (weeks * days / facts.rules.week_days)


def _monday(week: str) -> date:
    return date.fromisocalendar(int(week[:4]), int(week[6:]), 1)


def _start_monday(given: str, this_week: str) -> date:
    """A start_week cell's Monday: an ISO week, or week N on or after this week."""
    if "-W" in given:
        return _monday(given)
    now = _monday(this_week)
    year = now.isocalendar()[0]
    for y in (year, year + 1):
        try:
            monday = date.fromisocalendar(y, int(given), 1)
        except ValueError:
            continue
        if monday >= now:
            return monday
    return now


def pool_covers(
    pool: FundingPool, client: Client, placement: Placement, groups: frozenset[str]
) -> bool:
    """The pool's scope admits the type, the client's home municipality and (if listed) a group."""
    if pool.types and placement.type not in pool.types:
        return False
    if pool.municipalities and client.municipality not in pool.municipalities:
        return False
    return not pool.groups or any(g in groups for g in pool.groups)
