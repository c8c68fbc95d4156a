"""One record per row: Client, Placement, Provider, FundingPool, Decision.

These are for the edges (the API, the checker, explanations of one client); the engine works on
the columnar view in `models.columnar` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Client:
    """A person in the queue (or already placed) as the coordinator knows them."""

    id: str
    municipality: str
    lat: float
    lon: float
    age: int
    benefit_days: int
    unemployed_months: int
    work_ability: int
    partial_work_ability: bool
    languages: tuple[str, ...]
    needs: tuple[str, ...]
    interests: tuple[str, ...]
    transport: str
    max_commute_min: int
    consents: tuple[str, ...]
    wishes: tuple[str, ...] = ()
    current_placement: str = ""
    months_used: dict[str, float] = field(default_factory=dict)
    weeks_since_activation: int | None = None
    abilities: dict[str, float] = field(default_factory=dict)
    months_by_provider: dict[str, float] = field(default_factory=dict)  # organiser id → months


@dataclass(frozen=True)
class Placement:
    """A seat offer: a type at a provider, with its free seats this week."""

    id: str
    type: str
    provider_id: str
    municipality: str
    lat: float
    lon: float
    seats: int
    min_work_ability: int
    language: str
    features: tuple[str, ...]
    sector: str
    duration_weeks: int
    weekly_cost: float
    funding_pools: tuple[str, ...]
    demands: dict[str, float] = field(default_factory=dict)
    start_week: str | None = None  # ISO week or week number; empty = this week (issue 17)
    days_per_week: int | None = None  # 1..5; empty = a full week


@dataclass(frozen=True)
class Provider:
    """An organiser of placements; may cap the wage-subsidy assignments it takes this week."""

    id: str
    name: str
    kind: str
    municipality: str
    max_subsidised: int | None = None


@dataclass(frozen=True)
class FundingPool:
    """A budget for the period, scoped to types, municipalities and client groups (empty = any)."""

    id: str
    name: str
    budget: float
    types: tuple[str, ...]
    municipalities: tuple[str, ...]
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """A coordinator's or liaison's decision on a pair: `lock` keeps it, `forbid` excludes it."""

    client_id: str
    placement_id: str
    decision: str
    reason: str = ""
    by: str = ""
    at: str = ""
