"""The distributions of the synthetic generator's placements, providers and funding pools, with
the reasoning behind them (the clients' are in instances/distributions.py, whose docstring says
where the numbers come from)."""

from __future__ import annotations

import numpy as np

from instances.distributions import (
    ABILITY_KEYS,
    ASSOCIATION,
    CITY,
    COACHING,
    COMPANY,
    EN,
    FARM,
    FEATURES,
    FI,
    FOUNDATION,
    KINDS,
    MUNICIPALITY,
    PARTICIPATION,
    RURAL,
    SECTOR_DEMAND,
    SECTORS,
    SOCIAL_ENTERPRISE,
    SV,
    TOWN,
    TYPES,
    WAGE_SUBSIDY,
    WORK_TRIAL,
)
from models.formulas import wage_subsidy_rate
from models.lifecycle import FULL_WEEK_DAYS

PART_TIME_BIT = FEATURES.index("part_time")

# ---------------------------------------------------------------------------------------------
# Placements
# ---------------------------------------------------------------------------------------------
# Share of placements by type (seat offers in a week: work trials are the most numerous single
# seats; participation and coaching come in groups).
TYPE_SHARES = (0.30, 0.25, 0.22, 0.23)
# Where each type is offered: population × this factor by urban class. Wage-subsidy posts and
# work trials sit in towns; participation (green care, farms) leans to the countryside.
TYPE_CLASS_WEIGHT: dict[int, tuple[float, float, float]] = {  # city, town, rural
    WORK_TRIAL: (1.2, 1.0, 0.8),
    WAGE_SUBSIDY: (1.3, 1.1, 0.6),
    COACHING: (1.2, 1.1, 0.6),
    PARTICIPATION: (0.8, 1.0, 1.8),
}
# Provider kind by type and urban class (KINDS order: company, association, foundation,
# municipality, social_enterprise, farm). Work trials are mostly at companies, wage-subsidy posts
# at companies and associations, coaching at foundations, social enterprises and workshops,
# participation on farms in the countryside and at associations and municipal units in towns.
KIND_P: dict[int, dict[int, tuple[float, ...]]] = {
    WORK_TRIAL: {
        CITY: (0.62, 0.15, 0.03, 0.15, 0.05, 0.00),
        TOWN: (0.58, 0.15, 0.03, 0.17, 0.05, 0.02),
        RURAL: (0.50, 0.15, 0.02, 0.20, 0.03, 0.10),
    },
    WAGE_SUBSIDY: {
        CITY: (0.55, 0.28, 0.10, 0.05, 0.02, 0.00),
        TOWN: (0.55, 0.28, 0.08, 0.07, 0.02, 0.00),
        RURAL: (0.50, 0.30, 0.05, 0.10, 0.00, 0.05),
    },
    COACHING: {
        CITY: (0.00, 0.20, 0.40, 0.10, 0.30, 0.00),
        TOWN: (0.00, 0.22, 0.35, 0.13, 0.30, 0.00),
        RURAL: (0.00, 0.25, 0.25, 0.25, 0.20, 0.05),
    },
    PARTICIPATION: {
        CITY: (0.00, 0.40, 0.10, 0.30, 0.10, 0.10),
        TOWN: (0.00, 0.33, 0.07, 0.25, 0.10, 0.25),
        RURAL: (0.00, 0.20, 0.03, 0.20, 0.05, 0.52),
    },
}
# Mean placements per provider by kind (companies offer one or two seats, municipal units and
# foundations run several services).
PLACEMENTS_PER_PROVIDER = (1.4, 2.0, 3.0, 3.5, 2.5, 1.3)
# Free seats this week by type: (values, probabilities); some offers are full (0 seats).
SEATS: dict[int, tuple[tuple[int, ...], tuple[float, ...]]] = {
    WORK_TRIAL: ((0, 1, 2, 3), (0.08, 0.70, 0.17, 0.05)),
    WAGE_SUBSIDY: ((0, 1, 2, 3), (0.08, 0.65, 0.20, 0.07)),
    COACHING: ((0, 2, 3, 4, 5, 6, 8), (0.06, 0.14, 0.20, 0.22, 0.18, 0.12, 0.08)),
    PARTICIPATION: ((0, 1, 2, 3, 4, 5), (0.06, 0.14, 0.25, 0.25, 0.18, 0.12)),
}
# Minimum work ability by type: wage-subsidy jobs want 3–4, work trials 2–3, coaching 1–2,
# participation is open to all (1).
MIN_WORK_ABILITY_P: dict[int, tuple[float, ...]] = {
    WORK_TRIAL: (0.05, 0.35, 0.45, 0.15, 0.0),
    WAGE_SUBSIDY: (0.0, 0.12, 0.50, 0.33, 0.05),
    COACHING: (0.40, 0.45, 0.15, 0.0, 0.0),
    PARTICIPATION: (0.85, 0.15, 0.0, 0.0, 0.0),
}
# Duration in weeks (DOMAIN.md): work trial ≤ 6 months with one organiser, wage subsidy 6–12
# months, coaching 1–6 months, participation 3–12 months per offer (24 in total).
DURATION: dict[int, tuple[tuple[int, ...], tuple[float, ...]]] = {
    WORK_TRIAL: ((4, 8, 12, 16, 26), (0.10, 0.25, 0.35, 0.15, 0.15)),
    WAGE_SUBSIDY: ((26, 39, 52), (0.45, 0.20, 0.35)),
    COACHING: ((4, 8, 12, 17, 26), (0.10, 0.30, 0.30, 0.15, 0.15)),
    PARTICIPATION: ((13, 26, 39, 52), (0.30, 0.40, 0.10, 0.20)),
}
EXPENSE_ALLOWANCE_PER_DAY = 9.0  # kulukorvaus, € per day of a work trial or participation


def sample_weekly_cost(
    rng: np.random.Generator, ptype: np.ndarray, kind: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """€ per full (5-day) week to the public side before type rules, and the days a week each
    placement runs (placements.csv `days_per_week`; a pair is charged pro rata, days / 5).

    Work trial: the 9 €/day expense allowance (45 € a full week), 4 days a week in 30 % of the
    offers and 5 in the rest, so a pair costs 36 or 45 € a week as before. Wage subsidy:
    the gross pay cost, 520–800 €/week full time at companies and municipalities (≈ 2 250–3 450
    €/month), 380–560 € at associations and foundations (the 100 % subsidy allows ≤ 65 % working
    time), 450–700 € at social enterprises (full weeks). Coaching: the bought service, 150–400 €/week
    per client (≈ 30–80 €/day, full weeks). Participation (by law 1–4 days a week): 2, 3 or 4
    days a week (35 / 40 / 25 %) × (organiser fee 12–28 €/day + the 9 €/day allowance); the
    file carries 5 × the day rate as the full-week cost, so a pair costs ≈ 40–150 €/week.
    """
    m = len(ptype)
    cost = np.zeros(m)
    days = np.full(m, float(FULL_WEEK_DAYS))
    wt = ptype == WORK_TRIAL
    days[wt] = np.where(rng.random(m) < 0.3, 4.0, 5.0)[wt]
    cost[wt] = EXPENSE_ALLOWANCE_PER_DAY * FULL_WEEK_DAYS
    ws = ptype == WAGE_SUBSIDY
    third = (kind == ASSOCIATION) | (kind == FOUNDATION)
    pay = np.where(
        third,
        rng.uniform(380, 560, m),
        np.where(kind == SOCIAL_ENTERPRISE, rng.uniform(450, 700, m), rng.uniform(520, 800, m)),
    )
    cost[ws] = np.rint(pay[ws] / 10) * 10
    co = ptype == COACHING
    cost[co] = np.rint(rng.uniform(150, 400, m)[co] / 5) * 5
    pa = ptype == PARTICIPATION
    pa_days = rng.choice((2, 3, 4), size=m, p=(0.35, 0.40, 0.25))
    day_cost = EXPENSE_ALLOWANCE_PER_DAY + rng.uniform(12, 28, m)
    cost[pa] = np.rint(FULL_WEEK_DAYS * day_cost)[pa]
    days[pa] = pa_days[pa]
    return cost, days


# Placements whose seats start later than the instance's week (placements.csv `start_week`):
# 10 % of the offers, 1–4 weeks ahead (an employer who can take someone from next month).
LATER_START_SHARE = 0.10
START_DELAY_WEEKS: tuple[tuple[int, ...], tuple[float, ...]] = ((1, 2, 3, 4), (0.4, 0.3, 0.2, 0.1))


def sample_start_offsets(rng: np.random.Generator, m: int) -> np.ndarray:
    """Weeks from the instance's week to each placement's start (0 = this week)."""
    later = rng.random(m) < LATER_START_SHARE
    delay = rng.choice(np.asarray(START_DELAY_WEEKS[0]), size=m, p=START_DELAY_WEEKS[1])
    return np.where(later, delay, 0).astype(np.int64)


# Features offered (probability) by type and by provider kind; the larger of the two applies.
# Supervision (a job coach on site) is the point of coaching and participation; part-time is
# the rule in participation (1–4 days a week); farms often fetch their participants (transport).
FEATURE_P_BY_TYPE: dict[int, dict[str, float]] = {
    WORK_TRIAL: {
        "wheelchair": 0.20,
        "quiet": 0.20,
        "part_time": 0.30,
        "supervision": 0.30,
        "transport": 0.03,
    },
    WAGE_SUBSIDY: {
        "wheelchair": 0.20,
        "quiet": 0.15,
        "part_time": 0.15,
        "supervision": 0.15,
        "transport": 0.02,
    },
    COACHING: {
        "wheelchair": 0.35,
        "quiet": 0.40,
        "part_time": 0.40,
        "supervision": 0.95,
        "transport": 0.05,
    },
    PARTICIPATION: {
        "wheelchair": 0.30,
        "quiet": 0.40,
        "part_time": 0.90,
        "supervision": 0.80,
        "transport": 0.15,
    },
}
FEATURE_P_BY_KIND: dict[int, dict[str, float]] = {
    COMPANY: {"wheelchair": 0.25},
    ASSOCIATION: {"wheelchair": 0.35, "part_time": 0.50},
    FOUNDATION: {"wheelchair": 0.50, "quiet": 0.40},
    MUNICIPALITY: {"wheelchair": 0.55},
    SOCIAL_ENTERPRISE: {"wheelchair": 0.40, "supervision": 0.50},
    FARM: {"wheelchair": 0.10, "quiet": 0.60, "transport": 0.60},
}


def sample_features(rng: np.random.Generator, ptype: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Bitmask over FEATURES per placement (FEATURE_P_BY_TYPE, raised by FEATURE_P_BY_KIND)."""
    m = len(ptype)
    mask = np.zeros(m, dtype=np.int64)
    for bit, feature in enumerate(FEATURES):
        p_type = np.asarray([FEATURE_P_BY_TYPE[t][feature] for t in range(len(TYPES))])[ptype]
        p_kind = np.asarray([FEATURE_P_BY_KIND[k].get(feature, 0.0) for k in range(len(KINDS))])[
            kind
        ]
        mask[rng.random(m) < np.maximum(p_type, p_kind)] |= 1 << bit
    return mask


def with_part_time(features: np.ndarray, days: np.ndarray) -> np.ndarray:
    """`features` with `part_time` set on every seat of fewer than a full week's days: such a
    seat is part-time work, so a client who needs part time may take it."""
    short = np.asarray(days) < FULL_WEEK_DAYS
    return np.asarray(features, dtype=np.int64) | (short.astype(np.int64) << PART_TIME_BIT)


# Sector by provider kind (weights over SECTORS).
SECTOR_WEIGHTS_BY_KIND: dict[int, dict[str, float]] = {
    COMPANY: {
        "retail": 1.0,
        "logistics": 0.9,
        "construction": 0.8,
        "manufacturing": 0.8,
        "food_service": 0.8,
        "cleaning": 0.7,
        "property_maintenance": 0.6,
        "care": 0.6,
        "office": 0.5,
        "it": 0.4,
    },
    ASSOCIATION: {
        "recycling": 1.0,
        "care": 0.8,
        "food_service": 0.6,
        "office": 0.5,
        "crafts": 0.5,
        "property_maintenance": 0.5,
        "cleaning": 0.4,
    },
    FOUNDATION: {
        "care": 1.0,
        "recycling": 0.7,
        "crafts": 0.6,
        "food_service": 0.5,
        "office": 0.4,
        "it": 0.3,
    },
    MUNICIPALITY: {
        "care": 1.0,
        "property_maintenance": 0.8,
        "cleaning": 0.7,
        "food_service": 0.6,
        "office": 0.5,
    },
    SOCIAL_ENTERPRISE: {
        "recycling": 1.0,
        "cleaning": 0.8,
        "property_maintenance": 0.7,
        "crafts": 0.6,
        "food_service": 0.6,
        "logistics": 0.4,
        "it": 0.3,
    },
    FARM: {"agriculture": 1.0, "care": 0.3, "crafts": 0.2},
}


def sample_sector(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Sector code (SECTORS index) per placement, by provider kind."""
    out = np.empty(len(kind), dtype=np.int64)
    for k, weights in SECTOR_WEIGHTS_BY_KIND.items():
        idx = np.flatnonzero(kind == k)
        codes = np.asarray([SECTORS.index(s) for s in weights])
        w = np.asarray(list(weights.values()))
        out[idx] = rng.choice(codes, size=len(idx), p=w / w.sum())
    return out


# Required language: Swedish with about the municipality's Swedish share where Swedish is a
# sizeable language (≥ 20 %), half that where it is a small minority; English at a few city
# workplaces; Finnish otherwise.
def sample_language(
    rng: np.random.Generator, sv_share: np.ndarray, urban: np.ndarray
) -> np.ndarray:
    """Required language code (LANGUAGES index) per placement."""
    m = len(sv_share)
    p_sv = np.where(sv_share >= 0.2, np.minimum(sv_share * 1.1, 0.95), sv_share * 0.5)
    p_en = np.where(urban == CITY, 0.02, 0.005)
    u = rng.random(m)
    return np.where(u < p_sv, SV, np.where(u < p_sv + p_en, EN, FI)).astype(np.int64)


# Demands (ability levels a placement needs) for a share of the placements: the sector's main
# dimension at the placement's minimum work ability or one above.
DEMANDS_SHARE = 0.30


def sample_demands(
    rng: np.random.Generator, sector: np.ndarray, min_work_ability: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(has_demand, ability key index, level) per placement."""
    m = len(sector)
    has = rng.random(m) < DEMANDS_SHARE
    key = np.asarray([ABILITY_KEYS.index(SECTOR_DEMAND[s]) for s in SECTORS])[sector]
    level = np.clip(min_work_ability + rng.integers(0, 2, m), 2, 5)
    return has, key, level


# ---------------------------------------------------------------------------------------------
# Providers and funding
# ---------------------------------------------------------------------------------------------
# A share of the providers with at least two wage-subsidy seats caps its subsidised hires this
# week at 30–70 % of them (so the cap binds).
CAP_SHARE = 0.40
CAP_FRACTION = (0.3, 0.7)
# Budgets: each employment-area pool gets 60–78 % of what filling every seat it funds would
# cost; each region-wide or city top-up pool 3–7 % of its placements' full cost. The whole
# region's money is then 60–90 % of the full cost, so the budgets bind. A pool never gets less
# than the cost of one seat of its dearest placement (a pool that cannot pay anybody is useless).
PRIMARY_BUDGET_SHARE = (0.60, 0.78)
OVERLAY_BUDGET_SHARE = (0.03, 0.07)
BUDGET_ROUND = 100.0


def expected_wage_rate(
    rates: dict[str, float], partial: np.ndarray, long_unemployed: np.ndarray, third_sector: bool
) -> float:
    """Mean wage-subsidy share over the queue for a provider kind (highest applicable rate)."""
    if not len(partial):
        return float(rates["default"])
    third = np.asarray(long_unemployed, dtype=bool) & third_sector
    return float(wage_subsidy_rate(rates, partial, third).mean())
