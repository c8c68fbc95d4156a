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
    # lifecycle (issue 17): when the seat starts (ISO week or week number; empty = this week)
    # and how many days a week it runs (1..5, empty = 5); see models/lifecycle.py
    Column("start_week", "str", required=False, allow_empty=True),
    Column("days_per_week", "opt_int", required=False, allow_empty=True),
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

# The history of ended placements (issue 17), one row per placement that ended, written by
# next-week and carried forward week to week; README "Outcomes and follow-up".
OUTCOME_COLUMNS = _cols(
    Column("client_id", "str"),
    Column("placement_id", "str"),
    Column("provider_id", "str"),
    Column("type", "str"),
    Column("municipality", "str", allow_empty=True),
    Column("groups", "list", allow_empty=True),
    Column("start_week", "str", allow_empty=True),
    Column("end_week", "str"),
    Column("weeks", "int"),
    Column("ended", "str"),
    Column("end_reason", "str", allow_empty=True),
    Column("ended_by", "str", allow_empty=True),
    Column("ended_at", "str", allow_empty=True),
    Column("outcome", "str", allow_empty=True),
    Column("note", "str", allow_empty=True),
    Column("by", "str", allow_empty=True),
    Column("at", "str", allow_empty=True),
)

# Follow-ups of ended placements: "still employed?" some months after the end.
FOLLOWUP_COLUMNS = _cols(
    Column("client_id", "str"),
    Column("placement_id", "str"),
    Column("end_week", "str"),
    Column("months_after", "int"),
    Column("still_employed", "str"),
    Column("date", "str"),
    Column("by", "str", allow_empty=True),
    Column("at", "str", allow_empty=True),
)

# Early ends given to `polku next-week --ends ends.csv` (the API records them instead).
END_COLUMNS = _cols(
    Column("client_id", "str"),
    Column("placement_id", "str"),
    Column("end_week", "str"),
    Column("reason", "str"),
    Column("by", "str", required=False, allow_empty=True),
    Column("at", "str", required=False, allow_empty=True),
)

FILES: dict[str, tuple[Column, ...]] = {
    "clients.csv": CLIENT_COLUMNS,
    "placements.csv": PLACEMENT_COLUMNS,
    "providers.csv": PROVIDER_COLUMNS,
    "funding.csv": POOL_COLUMNS,
    "decisions.csv": DECISION_COLUMNS,
    "outcomes.csv": OUTCOME_COLUMNS,
    "followups.csv": FOLLOWUP_COLUMNS,
}
OPTIONAL_FILES = ("decisions.csv", "outcomes.csv", "followups.csv")
DECISION_KINDS = ("lock", "forbid")
