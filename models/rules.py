"""The rules of FORMAT.md as data: every key with its documented default, validated in one place.

`instance.json` may give a rule either flat with its dotted key (``"travel.road_factor": 1.4``)
or nested (``"travel": {"road_factor": 1.4}``); both mean the same. Dictionary-valued rules
(``max_months``, ``cost_rate``, ``travel.speed_kmh``, ``wage_subsidy.rate``, ``groups``…) are
merged key by key over their defaults, so an instance can declare a new placement type by adding
one entry to ``max_months`` and ``cost_rate`` without repeating the others.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

TRANSPORT_MODES: tuple[str, ...] = ("car", "transit", "none")
BUILTIN_TYPES: tuple[str, ...] = ("work_trial", "wage_subsidy", "coaching", "participation")
WAGE_SUBSIDY = "wage_subsidy"
PROVIDER_KINDS: tuple[str, ...] = (
    "company",
    "association",
    "foundation",
    "municipality",
    "social_enterprise",
    "farm",
)
THIRD_SECTOR_KINDS: tuple[str, ...] = ("association", "foundation")

DEFAULT_RULES: dict[str, Any] = {
    "travel.road_factor": 1.3,
    "travel.speed_kmh": {"car": 60, "transit": 35, "none": 12},
    "travel.overhead_min": {"car": 5, "transit": 15, "none": 0},
    "travel.transport_feature": "transport",
    "age.min": 16,
    "age.max": 67,
    "max_months": {"work_trial": 12, "wage_subsidy": 24, "coaching": 12, "participation": 24},
    # months a client may spend with the same organiser (provider) in a type (seed 002: "yrityksessä
    # 6 kuukautta"); the client's `months_by_provider` counts months at each organiser
    "organiser_max_months": {"work_trial": 6},
    "participation.min_benefit_days": 500,
    "participation.youth_age": 25,
    "wage_subsidy.rate": {
        "default": 0.5,
        "partial_work_ability": 0.7,
        "third_sector_long_term": 1.0,
    },
    "cost_rate": {"work_trial": 1.0, "coaching": 1.0, "participation": 1.0},
    "liability.thresholds": [[300, 0.5], [1000, 0.7]],
    "liability.daily_benefit": 37.21,
    "groups": {
        "youth": {"age_lt": 25},
        "long_term": {"benefit_days_ge": 500, "unemployed_months_ge": 12},
        "partial_work_ability": {"partial_work_ability": True},
        "senior": {"age_ge": 55},
        "swedish": {"language": "sv"},
    },
    "fairness.floor": 0.0,
    # issue 17: a seat's cost is pro rata its days a week over a full week's days …
    "pro_rata.week_days": 5,
    # … and, when the budget's period ends at a known ISO week, only the placement's weeks up to
    # and including it are charged (null: the whole duration, as before)
    "pro_rata.period_end_week": None,
    # what became of a client when a placement ended (seed 001's result categories)
    "outcome_categories": [
        "open_labour_market",
        "wage_subsidy_work",
        "training",
        "job_search",
        "other",
        "dropped_out",
    ],
    # follow-ups after an ended placement ("still employed?"), months after the end
    "followup.months": [3, 6],
}

# Rules whose value is a mapping merged key by key over the default.
MERGED_KEYS = (
    "travel.speed_kmh",
    "travel.overhead_min",
    "max_months",
    "organiser_max_months",
    "wage_subsidy.rate",
    "cost_rate",
    "groups",
)
NAMESPACES = {key.split(".")[0] for key in DEFAULT_RULES if "." in key}
GROUP_CONDITIONS = {
    "age_lt": int,
    "age_ge": int,
    "benefit_days_ge": int,
    "unemployed_months_ge": int,
    "partial_work_ability": bool,
    "language": str,
    "municipality_in": list,
}
WAGE_RATE_KEYS = ("default", "partial_work_ability", "third_sector_long_term")
ISO_WEEK_RE = re.compile(r"^\d{4}-W\d{2}$")
KEY_RE = re.compile(r"^[a-z0-9_]+$")


class RulesError(ValueError):
    """A rule value that cannot be used; `problems` lists every one as 'key: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Rules:
    """Validated rules of one instance (field names follow the dotted keys of FORMAT.md)."""

    road_factor: float
    speed_kmh: dict[str, float]
    overhead_min: dict[str, float]
    transport_feature: str
    age_min: int
    age_max: int
    max_months: dict[str, float]
    organiser_max_months: dict[str, float]
    participation_min_benefit_days: int
    participation_youth_age: int
    wage_subsidy_rate: dict[str, float]
    cost_rate: dict[str, float]
    liability_thresholds: list[tuple[int, float]]
    liability_daily_benefit: float
    groups: dict[str, dict[str, Any]]
    fairness_floor: float
    week_days: int = 5
    period_end_week: str | None = None
    outcome_categories: tuple[str, ...] = ()
    followup_months: tuple[int, ...] = ()
    given: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def types(self) -> list[str]:
        """Placement type keys: the four built in, then any the instance declares."""
        extra = [t for t in self.max_months if t not in BUILTIN_TYPES]
        return list(BUILTIN_TYPES) + extra

    @property
    def group_names(self) -> list[str]:
        return list(self.groups)

    def type_rate(self, ptype: str) -> float:
        """Share of weekly_cost paid for a non-wage-subsidy type."""
        return float(self.cost_rate[ptype])

    def liability_share(self, benefit_days: float) -> float:
        """Municipal share of the daily benefit at this many benefit days (0 below every mark)."""
        share = 0.0
        for days, s in self.liability_thresholds:
            if benefit_days >= days:
                share = s
        return share

    @classmethod
    def default(cls) -> Rules:
        return cls.from_dict({})

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> Rules:
        """Validate `raw` (flat or nested keys) over the defaults; raise RulesError naming keys."""
        given = flatten_rules(raw or {})
        problems: list[str] = []
        for key in given:
            if key not in DEFAULT_RULES:
                problems.append(
                    f"rules.{key}: unknown rule (known: {', '.join(sorted(DEFAULT_RULES))})"
                )
        values = copy.deepcopy(DEFAULT_RULES)
        for key, value in given.items():
            if key not in DEFAULT_RULES:
                continue
            if key in MERGED_KEYS:
                if not isinstance(value, dict):
                    problems.append(f"rules.{key}: expected an object, got {value!r}")
                    continue
                values[key] = {**values[key], **value}
            else:
                values[key] = value
        checked = _check_values(values, problems)
        if problems:
            raise RulesError(problems)
        return cls(**checked, given=given)

    def to_dict(self) -> dict[str, Any]:
        """The rules the instance gave (flat dotted keys), for writing back unchanged."""
        return copy.deepcopy(self.given)

    def effective(self) -> dict[str, Any]:
        """Every rule with the value in force (flat dotted keys), for reports and the README."""
        return {
            "travel.road_factor": self.road_factor,
            "travel.speed_kmh": dict(self.speed_kmh),
            "travel.overhead_min": dict(self.overhead_min),
            "travel.transport_feature": self.transport_feature,
            "age.min": self.age_min,
            "age.max": self.age_max,
            "max_months": dict(self.max_months),
            "organiser_max_months": dict(self.organiser_max_months),
            "participation.min_benefit_days": self.participation_min_benefit_days,
            "participation.youth_age": self.participation_youth_age,
            "wage_subsidy.rate": dict(self.wage_subsidy_rate),
            "cost_rate": dict(self.cost_rate),
            "liability.thresholds": [list(t) for t in self.liability_thresholds],
            "liability.daily_benefit": self.liability_daily_benefit,
            "groups": copy.deepcopy(self.groups),
            "fairness.floor": self.fairness_floor,
            "pro_rata.week_days": self.week_days,
            "pro_rata.period_end_week": self.period_end_week,
            "outcome_categories": list(self.outcome_categories),
            "followup.months": list(self.followup_months),
        }


def flatten_rules(raw: dict[str, Any]) -> dict[str, Any]:
    """Turn nested namespaces (``{"travel": {"road_factor": 1}}``) into dotted keys."""
    if not isinstance(raw, dict):
        raise RulesError([f"rules: expected an object, got {type(raw).__name__}"])
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        if key in NAMESPACES and isinstance(value, dict):
            for sub, subvalue in value.items():
                flat[f"{key}.{sub}"] = subvalue
        else:
            flat[key] = value
    return flat


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_values(v: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """Check every rule value; append 'rules.key: message' for each bad one."""

    def positive(key: str, value: Any, allow_zero: bool = False) -> float:
        if not _number(value) or value < 0 or (value == 0 and not allow_zero):
            bound = "≥ 0" if allow_zero else "> 0"
            problems.append(f"rules.{key}: expected a number {bound}, got {value!r}")
            return 0.0
        return float(value)

    def integer(key: str, value: Any) -> int:
        if not _number(value) or int(value) != value:
            problems.append(f"rules.{key}: expected a whole number, got {value!r}")
            return 0
        return int(value)

    def share(key: str, value: Any) -> float:
        if not _number(value) or not 0 <= value <= 1:
            problems.append(f"rules.{key}: expected a share between 0 and 1, got {value!r}")
            return 0.0
        return float(value)

    def per_mode(key: str, allow_zero: bool) -> dict[str, float]:
        out = {}
        for mode, value in v[key].items():
            if mode not in TRANSPORT_MODES:
                problems.append(
                    f"rules.{key}.{mode}: unknown transport mode (known: {', '.join(TRANSPORT_MODES)})"
                )
                continue
            out[mode] = positive(f"{key}.{mode}", value, allow_zero)
        return out

    out: dict[str, Any] = {}
    out["road_factor"] = positive("travel.road_factor", v["travel.road_factor"])
    out["speed_kmh"] = per_mode("travel.speed_kmh", allow_zero=False)
    out["overhead_min"] = per_mode("travel.overhead_min", allow_zero=True)
    feature = v["travel.transport_feature"]
    if not isinstance(feature, str) or not feature:
        problems.append(f"rules.travel.transport_feature: expected a feature name, got {feature!r}")
    out["transport_feature"] = str(feature)
    out["age_min"] = integer("age.min", v["age.min"])
    out["age_max"] = integer("age.max", v["age.max"])
    if out["age_min"] > out["age_max"]:
        problems.append(f"rules.age.min: {out['age_min']} is above age.max {out['age_max']}")

    max_months = {}
    for ptype, value in v["max_months"].items():
        max_months[str(ptype)] = positive(f"max_months.{ptype}", value, allow_zero=True)
    cost_rate = {}
    for ptype, value in v["cost_rate"].items():
        if ptype == WAGE_SUBSIDY:
            problems.append(
                "rules.cost_rate.wage_subsidy: the wage-subsidy share is set by wage_subsidy.rate"
            )
            continue
        cost_rate[str(ptype)] = positive(f"cost_rate.{ptype}", value, allow_zero=True)
    for ptype in max_months:
        if ptype != WAGE_SUBSIDY and ptype not in cost_rate:
            problems.append(
                f"rules.cost_rate.{ptype}: type {ptype!r} has max_months but no cost_rate"
            )
    for ptype in cost_rate:
        if ptype not in max_months:
            problems.append(
                f"rules.max_months.{ptype}: type {ptype!r} has cost_rate but no max_months"
            )
    out["max_months"] = max_months
    organiser = {}
    for ptype, value in v["organiser_max_months"].items():
        if str(ptype) not in max_months:
            problems.append(
                f"rules.organiser_max_months.{ptype}: {ptype!r} is not a placement type "
                "(it needs a max_months entry)"
            )
        organiser[str(ptype)] = positive(f"organiser_max_months.{ptype}", value, allow_zero=True)
    out["organiser_max_months"] = organiser
    out["cost_rate"] = cost_rate

    out["participation_min_benefit_days"] = integer(
        "participation.min_benefit_days", v["participation.min_benefit_days"]
    )
    out["participation_youth_age"] = integer(
        "participation.youth_age", v["participation.youth_age"]
    )
    rates = {}
    for name, value in v["wage_subsidy.rate"].items():
        if name not in WAGE_RATE_KEYS:
            problems.append(
                f"rules.wage_subsidy.rate.{name}: unknown rate (known: {', '.join(WAGE_RATE_KEYS)})"
            )
            continue
        rates[name] = share(f"wage_subsidy.rate.{name}", value)
    out["wage_subsidy_rate"] = rates

    thresholds = v["liability.thresholds"]
    parsed: list[tuple[int, float]] = []
    if not isinstance(thresholds, list):
        problems.append(
            f"rules.liability.thresholds: expected a list of [days, share], got {thresholds!r}"
        )
    else:
        for i, item in enumerate(thresholds):
            if not (
                isinstance(item, (list, tuple))
                and len(item) == 2
                and _number(item[0])
                and _number(item[1])
            ):
                problems.append(
                    f"rules.liability.thresholds[{i}]: expected [days, share], got {item!r}"
                )
                continue
            parsed.append((int(item[0]), share(f"liability.thresholds[{i}]", item[1])))
        if [d for d, _ in parsed] != sorted(d for d, _ in parsed):
            problems.append("rules.liability.thresholds: days must increase")
    out["liability_thresholds"] = parsed
    out["liability_daily_benefit"] = positive(
        "liability.daily_benefit", v["liability.daily_benefit"], True
    )

    groups: dict[str, dict[str, Any]] = {}
    for name, conds in v["groups"].items():
        if not isinstance(conds, dict):
            problems.append(f"rules.groups.{name}: expected an object of conditions, got {conds!r}")
            continue
        clean = {}
        for cond, value in conds.items():
            kind = GROUP_CONDITIONS.get(cond)
            if kind is None:
                problems.append(
                    f"rules.groups.{name}.{cond}: unknown condition (known: {', '.join(GROUP_CONDITIONS)})"
                )
            elif kind is int and not (_number(value) and int(value) == value):
                problems.append(
                    f"rules.groups.{name}.{cond}: expected a whole number, got {value!r}"
                )
            elif kind is bool and not isinstance(value, bool):
                problems.append(
                    f"rules.groups.{name}.{cond}: expected true or false, got {value!r}"
                )
            elif kind is str and not isinstance(value, str):
                problems.append(f"rules.groups.{name}.{cond}: expected a text, got {value!r}")
            elif kind is list and not (
                isinstance(value, list) and all(isinstance(x, str) for x in value)
            ):
                problems.append(
                    f"rules.groups.{name}.{cond}: expected a list of municipality names, got {value!r}"
                )
            else:
                clean[cond] = int(value) if kind is int else value
        groups[str(name)] = clean
    out["groups"] = groups
    out["fairness_floor"] = share("fairness.floor", v["fairness.floor"])
    _check_lifecycle(v, out, problems)
    return out


def _check_lifecycle(v: dict[str, Any], out: dict[str, Any], problems: list[str]) -> None:
    """The lifecycle rules (issue 17): pro-rata days and period end, outcomes, follow-ups."""
    days = v["pro_rata.week_days"]
    if not (_number(days) and int(days) == days and 1 <= days <= 7):
        problems.append(f"rules.pro_rata.week_days: expected a whole number 1..7, got {days!r}")
        days = 5
    out["week_days"] = int(days)
    end = v["pro_rata.period_end_week"]
    if end is not None and not (isinstance(end, str) and ISO_WEEK_RE.match(end)):
        problems.append(
            f"rules.pro_rata.period_end_week: expected an ISO week like 2026-W52 or null, got {end!r}"
        )
        end = None
    out["period_end_week"] = end
    cats = v["outcome_categories"]
    if not (
        isinstance(cats, list)
        and cats
        and all(isinstance(c, str) and KEY_RE.match(c) for c in cats)
        and len(set(cats)) == len(cats)
    ):
        problems.append(
            "rules.outcome_categories: expected a non-empty list of distinct keys "
            f"(lower-case letters, digits, _), got {cats!r}"
        )
        cats = list(DEFAULT_RULES["outcome_categories"])
    out["outcome_categories"] = tuple(cats)
    months = v["followup.months"]
    if not (
        isinstance(months, list)
        and all(_number(m) and int(m) == m and 1 <= m <= 60 for m in months)
        and len(set(months)) == len(months)
    ):
        problems.append(
            f"rules.followup.months: expected a list of distinct whole months 1..60, got {months!r}"
        )
        months = list(DEFAULT_RULES["followup.months"])
    out["followup_months"] = tuple(int(m) for m in months)
