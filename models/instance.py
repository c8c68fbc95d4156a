"""An instance: one week's queue, seats, providers, pools, decisions, rules and weights.

The tables are pandas frames with parsed cells (lists as tuples, ``kv`` cells as dicts, empty
optional numbers as NaN), one row per CSV row in file order, so a row's position is its integer
index everywhere in the engine. `columns` are kept in file order, unknown extras included, so
that writing the instance back loses nothing.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from models.entities import Client, Decision, FundingPool, Placement, Provider
from models.rules import Rules
from models.schema import FILES
from models.weights import Weights

if TYPE_CHECKING:
    from models.columnar import Columns

FORMAT_VERSION = 1


def empty_frame(filename: str) -> pd.DataFrame:
    """A table with the file's columns and no rows."""
    return pd.DataFrame({c.name: pd.Series([], dtype=object) for c in FILES[filename]})


@dataclass(eq=False)
class Instance:
    """One allocation problem, exactly as the instance folder states it."""

    name: str
    week: str
    rules: Rules
    weights: Weights
    clients: pd.DataFrame
    placements: pd.DataFrame
    providers: pd.DataFrame
    pools: pd.DataFrame
    decisions: pd.DataFrame = field(default_factory=lambda: empty_frame("decisions.csv"))
    # the history of ended placements and their follow-ups (issue 17, models/outcomes.py)
    outcomes: pd.DataFrame = field(default_factory=lambda: empty_frame("outcomes.csv"))
    followups: pd.DataFrame = field(default_factory=lambda: empty_frame("followups.csv"))
    format_version: int = FORMAT_VERSION
    meta: dict[str, Any] = field(default_factory=dict)
    columns_in_file: dict[str, list[str]] = field(default_factory=dict)
    has_decisions_file: bool = True

    @cached_property
    def columns(self) -> Columns:
        """The columnar (numpy) view the engine uses; built once."""
        from models.columnar import build_columns

        return build_columns(self)

    def table(self, filename: str) -> pd.DataFrame:
        return {
            "clients.csv": self.clients,
            "placements.csv": self.placements,
            "providers.csv": self.providers,
            "funding.csv": self.pools,
            "decisions.csv": self.decisions,
            "outcomes.csv": self.outcomes,
            "followups.csv": self.followups,
        }[filename]

    def with_decisions(self, decisions: pd.DataFrame) -> Instance:
        """A copy of this instance with another decisions table (the rest shared)."""
        return Instance(
            name=self.name,
            week=self.week,
            rules=self.rules,
            weights=self.weights,
            clients=self.clients,
            placements=self.placements,
            providers=self.providers,
            pools=self.pools,
            decisions=decisions.reset_index(drop=True),
            outcomes=self.outcomes,
            followups=self.followups,
            format_version=self.format_version,
            meta=dict(self.meta),
            columns_in_file=dict(self.columns_in_file),
            has_decisions_file=True,
        )

    def with_weights(self, weights: Weights) -> Instance:
        """A copy of this instance scored with other weights."""
        copy = self.with_decisions(self.decisions)
        copy.weights = weights
        copy.has_decisions_file = self.has_decisions_file
        return copy

    # Records for the edges (API, checker, explanations): not for the engine's hot paths.
    def client_records(self) -> list[Client]:
        return [Client(**_clean(r)) for r in _rows(self.clients, Client)]

    def placement_records(self) -> list[Placement]:
        return [Placement(**_clean(r)) for r in _rows(self.placements, Placement)]

    def provider_records(self) -> list[Provider]:
        return [Provider(**_clean(r)) for r in _rows(self.providers, Provider)]

    def pool_records(self) -> list[FundingPool]:
        return [FundingPool(**_clean(r)) for r in _rows(self.pools, FundingPool)]

    def decision_records(self) -> list[Decision]:
        return [Decision(**_clean(r)) for r in _rows(self.decisions, Decision)]


def _rows(frame: pd.DataFrame, cls: type) -> list[dict[str, Any]]:
    names = [f.name for f in dataclasses.fields(cls) if f.name in frame.columns]
    return frame[names].to_dict("records")


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """NaN → None and numpy scalars → Python, so records compare and serialise plainly."""
    out = {}
    for key, value in row.items():
        if isinstance(value, float) and math.isnan(value):
            value = None
        elif hasattr(value, "item") and not isinstance(value, (tuple, dict, str)):
            value = value.item()
        if (
            key in ("max_subsidised", "weeks_since_activation", "days_per_week")
            and value is not None
        ):
            value = int(value)
        out[key] = value
    return out
