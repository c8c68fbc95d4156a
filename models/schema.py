"""Column specifications of the instance CSV files (FORMAT.md), shared by reader, writer and checks.

Cell kinds: ``str``, ``int``, ``float``, ``bool``, ``list`` (``;``-separated), ``kv``
(``key:number;key:number``), and ``opt_int`` (a whole number or empty).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of an instance CSV: its name, cell kind, and whether the file must have it."""

    name: str
    kind: str
    required: bool = True
    allow_empty: bool = False


def _cols(*specs: Column) -> tuple[Column, ...]:
    return specs


CLIENT_COLUMNS = _cols(
    Column("id", "str"),
    Column("municipality", "str"),
    Column("lat", "float"),
    Column("lon", "float"),
    Column("age", "int"),
    Column("benefit_days", "int"),
    Column("unemployed_months", "int"),
    Column("work_ability", "int"),
    Column("partial_work_ability", "bool", allow_empty=True),
    Column("languages", "list"),
    Column("needs", "list", allow_empty=True),
    Column("interests", "list", allow_empty=True),
    Column("transport", "str"),
    Column("max_commute_min", "int"),
    Column("consents", "list", allow_empty=True),
    Column("wishes", "list", required=False, allow_empty=True),
    Column("current_placement", "str", allow_empty=True),
    Column("months_used", "kv", allow_empty=True),
    Column("weeks_since_activation", "opt_int", required=False, allow_empty=True),
    Column("abilities", "kv", required=False, allow_empty=True),
    Column("months_by_provider", "kv", required=False, allow_empty=True),
)

PLACEMENT_COLUMNS = _cols(
    Column("id", "str"),
    Column("type", "str"),
    Column("provider_id", "str"),
    Column("municipality", "str"),
    Column("lat", "float"),
    Column("lon", "float"),
    Column("seats", "int"),
    Column("min_work_ability", "int"),
    Column("language", "str"),
    Column("features", "list", allow_empty=True),
    Column("sector", "str", allow_empty=True),
    Column("duration_weeks", "int"),
    Column("weekly_cost", "float"),
    Column("funding_pools", "list", allow_empty=True),
    Column("demands", "kv", required=False, allow_empty=True),
)

PROVIDER_COLUMNS = _cols(
    Column("id", "str"),
    Column("name", "str", allow_empty=True),
    Column("kind", "str"),
    Column("municipality", "str", allow_empty=True),
    Column("max_subsidised", "opt_int", allow_empty=True),
)

POOL_COLUMNS = _cols(
    Column("id", "str"),
    Column("name", "str", allow_empty=True),
    Column("budget", "float"),
    Column("types", "list", allow_empty=True),
    Column("municipalities", "list", allow_empty=True),
    Column("groups", "list", required=False, allow_empty=True),
)

DECISION_COLUMNS = _cols(
    Column("client_id", "str"),
    Column("placement_id", "str"),
    Column("decision", "str"),
    Column("reason", "str", required=False, allow_empty=True),
    Column("by", "str", required=False, allow_empty=True),
    Column("at", "str", required=False, allow_empty=True),
)

FILES: dict[str, tuple[Column, ...]] = {
    "clients.csv": CLIENT_COLUMNS,
    "placements.csv": PLACEMENT_COLUMNS,
    "providers.csv": PROVIDER_COLUMNS,
    "funding.csv": POOL_COLUMNS,
    "decisions.csv": DECISION_COLUMNS,
}
OPTIONAL_FILES = ("decisions.csv",)
DECISION_KINDS = ("lock", "forbid")
