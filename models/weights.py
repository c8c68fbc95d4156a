"""Objective weights with documented defaults (instance.json → weights); see README "The score".

The score of a (client, placement, pool) triple is an integer sum of components (computed in
`matcher.pairs.score`; it does not depend on the pool):

- priority  = round(placed + benefit_days·min(days, benefit_days_cap)/100
              + liability·(€/week saved) + waiting·min(weeks since activation, waiting_cap)),
              one number per client, where €/week saved = liability_share(benefit days) ·
              liability.daily_benefit · 5 (rules) and weeks since activation is
              weeks_since_activation, or unemployed_months · 52/12 when that is empty
- wish      = round(wish / rank) when the placement is on the client's wish list at that 1-based
              rank (its first mention), else 0
- interest  = round(interest) when the placement's sector is among the client's interests, else 0
- pathway   = round(pathway) when the type's stage (pathway_stage) is one above the highest stage
              among the types the client has months_used > 0 of, − round(pathway_repeat) when it
              is that same stage, else 0 (also 0 when the client has used no staged type, or the
              placement's type has no stage)
- travel    = − round(travel · minutes), minutes one way as in pairs.csv (rounded to 0.1 first)
- cost      = − round(cost · pair cost / 1000), pair cost in € as in pairs.csv

round is numpy.rint (halves to even: 2.5 → 2, 3.5 → 4), applied to each component on its own.
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
                problems.append(
                    f"weights.{key}: unknown weight (known: {', '.join(sorted(known))})"
                )
            elif key == "pathway_stage":
                if not isinstance(value, dict) or not all(
                    isinstance(v, int) and not isinstance(v, bool) for v in value.values()
                ):
                    problems.append(
                        f"weights.pathway_stage: expected {{type: whole number}}, got {value!r}"
                    )
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
