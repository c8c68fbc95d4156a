"""Objective weights with documented defaults (instance.json → weights); see README "The score".

The score of a (client, placement, pool) triple is an integer sum of components:

- priority  = placed + benefit_days·min(days, benefit_days_cap)/100 + liability·(€/week saved)
              + waiting·min(weeks since activation, waiting_cap)
- wish      = round(wish / rank) when the placement is on the client's wish list at that rank
- interest  = interest when the placement's sector is among the client's interests
- pathway   = pathway when the type is the next step up the staircase from the highest stage the
              client has used, − pathway_repeat when it is the same stage again
- travel    = − round(travel · minutes)
- cost      = − round(cost · pair cost / 1000)

Defaults make placing anyone (placed = 1000) outweigh every quality difference, quality outweigh
commuting, and commuting outweigh cost: the order DOMAIN.md asks for.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

DEFAULT_PATHWAY_STAGE = {"participation": 0, "coaching": 1, "work_trial": 2, "wage_subsidy": 3}


class WeightsError(ValueError):
    """A weight that cannot be used; `problems` lists each as 'weights.key: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Weights:
    """Objective weights; every field is a key of instance.json → weights."""

    placed: float = 1000
    benefit_days: float = 20
    benefit_days_cap: float = 1500
    liability: float = 1.0
    waiting: float = 2.0
    waiting_cap: float = 104
    wish: float = 120
    interest: float = 60
    pathway: float = 80
    pathway_repeat: float = 40
    pathway_stage: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PATHWAY_STAGE))
    travel: float = 2.0
    cost: float = 1.0
    fairness: float = 500

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Weights:
        """Validate `raw` over the defaults; unknown keys and bad values raise WeightsError."""
        raw = raw or {}
        if not isinstance(raw, dict):
            raise WeightsError([f"weights: expected an object, got {type(raw).__name__}"])
        known = {f.name for f in fields(cls)}
        problems = []
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in known:
                problems.append(f"weights.{key}: unknown weight (known: {', '.join(sorted(known))})")
            elif key == "pathway_stage":
                if not isinstance(value, dict) or not all(
                    isinstance(v, int) and not isinstance(v, bool) for v in value.values()
                ):
                    problems.append(f"weights.pathway_stage: expected {{type: whole number}}, got {value!r}")
                else:
                    values[key] = {**DEFAULT_PATHWAY_STAGE, **value}
            elif (
                not isinstance(value, (int, float))
                or isinstance(value, bool)
                or not math.isfinite(value)
                or value < 0
            ):
                problems.append(f"weights.{key}: expected a number ≥ 0, got {value!r}")
            else:
                values[key] = value
        if problems:
            raise WeightsError(problems)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
