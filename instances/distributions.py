"""Every distribution the synthetic generator draws from, with the reasoning behind it.

One place for all of them, so that a reader can check (and change) what a synthetic queue looks
like without reading the generator. Functions are vectorised over clients or placements and take
a `numpy.random.Generator`; constants are module-level data.

Where the numbers come from. The seed documents (VÄLKE, Oktetti, the Satakunta coordinators'
meeting, Vates, the municipal employment experiment) describe the client groups qualitatively;
the shares below are rounded orders of magnitude from public statistics (Statistics Finland /
TEM employment service statistics "Työnvälitystilasto" for unemployed job seekers by age and
duration; Kela for benefit durations; TEM/KEHA for wage-subsidy pay and service prices) and from
the rules of DOMAIN.md. They are plausible, not official: the generator exists to give the engine
realistic structure (heavy tails, correlations, binding rules), not to reproduce a statistic.

Realised shares for a large queue (measured with `queue_shares` at 50 000 clients of
Pohjois-Savo; the tests check them with tolerances at 5 000 clients) are listed in
`EXPECTED_SHARES`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from models.rules import BUILTIN_TYPES, PROVIDER_KINDS, TRANSPORT_MODES

TYPES: tuple[str, ...] = BUILTIN_TYPES  # work_trial, wage_subsidy, coaching, participation
WORK_TRIAL, WAGE_SUBSIDY, COACHING, PARTICIPATION = range(4)
KINDS: tuple[str, ...] = PROVIDER_KINDS  # company, association, foundation, municipality, …
COMPANY, ASSOCIATION, FOUNDATION, MUNICIPALITY, SOCIAL_ENTERPRISE, FARM = range(6)
CITY, TOWN, RURAL = range(3)  # urban classes of `instances.regions.Municipality.kind`
CAR, TRANSIT, NONE = (TRANSPORT_MODES.index(m) for m in ("car", "transit", "none"))

# ---------------------------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------------------------
# Languages: the two national languages, English, then the largest foreign-language groups of
# Finland (Statistics Finland 2023, by number of speakers: Russian, Estonian, Arabic, English,
# Ukrainian, Somali, Persian, Kurdish, Chinese, Albanian, Vietnamese, Thai).
LANGUAGES: tuple[str, ...] = (
    "fi",
    "sv",
    "en",
    "ru",
    "et",
    "ar",
    "uk",
    "so",
    "fa",
    "ku",
    "zh",
    "sq",
    "vi",
    "th",
)
FI, SV, EN = 0, 1, 2
# Native language of a foreign-language client, weights ≈ speakers in thousands (2023).
FOREIGN_NATIVE_WEIGHTS: dict[str, float] = {
    "ru": 94,
    "et": 50,
    "ar": 38,
    "en": 30,
    "uk": 30,
    "so": 24,
    "fa": 18,
    "ku": 16,
    "zh": 15,
    "sq": 13,
    "vi": 13,
    "th": 11,
}
# Needs a placement must meet; placements' features are these plus transport (FORMAT.md's
# `travel.transport_feature`). The first four bits of a feature mask are the needs.
NEEDS: tuple[str, ...] = ("wheelchair", "quiet", "part_time", "supervision")
FEATURES: tuple[str, ...] = (*NEEDS, "transport")
TRANSPORT_BIT = FEATURES.index("transport")
# Sectors (interests of clients, sector of placements): the fields the seeds' work trials and
# workshops name (hoiva, siivous, kiinteistöhuolto, kierrätys, ravintola, rakennus, logistiikka…).
SECTORS: tuple[str, ...] = (
    "care",
    "cleaning",
    "construction",
    "logistics",
    "retail",
    "food_service",
    "manufacturing",
    "office",
    "it",
    "property_maintenance",
    "recycling",
    "agriculture",
    "crafts",
)
# Ability dimensions (Melba/IMBA-style profile) and the one a sector demands most.
ABILITY_KEYS: tuple[str, ...] = ("physical", "social", "cognitive")
SECTOR_DEMAND: dict[str, str] = {
    "care": "social",
    "cleaning": "physical",
    "construction": "physical",
    "logistics": "physical",
    "retail": "social",
    "food_service": "social",
    "manufacturing": "physical",
    "office": "cognitive",
    "it": "cognitive",
    "property_maintenance": "physical",
    "recycling": "physical",
    "agriculture": "physical",
    "crafts": "cognitive",
}

# ---------------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------------
# Homes around a municipality centre: a mixture of a tight core (the town centre and its suburbs)
# and a wide gaussian (villages, the countryside). Cities are mostly core; a rural municipality
# has half of its people in the church village and half spread over a large area.
# (core share, core sigma km, wide sigma km) by urban class.
HOME_SCATTER: dict[int, tuple[float, float, float]] = {
    CITY: (0.80, 3.0, 9.0),
    TOWN: (0.65, 2.0, 9.0),
    RURAL: (0.45, 1.5, 11.0),
}
# Workplaces cluster harder in the centre than homes (industrial areas, the town centre).
SITE_SCATTER: dict[int, tuple[float, float, float]] = {
    CITY: (0.85, 2.5, 7.0),
    TOWN: (0.80, 1.5, 6.0),
    RURAL: (0.70, 1.0, 8.0),
}
# Farms lie in the countryside: a ring of this many km around the centre, by urban class.
FARM_RING_KM: dict[int, tuple[float, float]] = {
    CITY: (8.0, 25.0),
    TOWN: (5.0, 20.0),
    RURAL: (4.0, 18.0),
}
# Foreign-language share of the population when a preset gives none (by urban class), and how
# much more common foreign-language speakers are among the unemployed than in the population
# (their unemployment rate is roughly twice the average; TEM 2023).
FOREIGN_SHARE_DEFAULT: dict[int, float] = {CITY: 0.07, TOWN: 0.045, RURAL: 0.025}
FOREIGN_OVERREPRESENTATION = 1.6

# ---------------------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------------------
PLACEMENTS_PER_CLIENT = 1 / 12  # default M ≈ N/12: 1 000–30 000 clients → 83–2 500 placements
MIN_PLACEMENTS = 15
WISH_SHARE = 0.25  # clients with a wish list (the seeds: some clients come with an own wish)
WISH_COUNT_P = (0.30, 0.25, 0.20, 0.15, 0.10)  # 1…5 ranked wishes
WISH_NEIGHBOURS = 40  # wishes come from this many nearest placements
# Of the clients with work-trial months, the share whose months were at one organiser near home
# (months_by_provider): seed 002 limits a work trial to 6 months with the same organiser, so
# some of them cannot go back to that organiser.
ORGANISER_HISTORY_SHARE = 0.5
CURRENT_SHARE = 0.03  # clients already in a placement this week (they hold their seat)
LOCKS_PER_CLIENT = 1 / 400  # decisions: a few locks and forbids, like a weekly team's notes
FORBIDS_PER_CLIENT = 1 / 250
MAX_LOCKS, MAX_FORBIDS = 400, 800
LOCK_BUDGET_SHARE = 0.5  # locks never use more than this share of a pool's budget

# ---------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------
# Age bands of the queue. Among unemployed job seekers about a sixth are under 25 and well over
# a quarter are 55 or older (the older are over-represented among the long-term unemployed);
# 16–17-year-olds and those over 64 are rare.
AGE_BANDS: tuple[tuple[int, int, float], ...] = ((16, 24, 0.17), (25, 54, 0.55), (55, 67, 0.28))


def sample_age(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ages 16–67: band by AGE_BANDS, uniform inside a band except rare 16–17 and 65–67."""
    band = rng.choice(len(AGE_BANDS), size=n, p=[b[2] for b in AGE_BANDS])
    age = np.empty(n, dtype=np.int64)
    for b, (lo, hi, _) in enumerate(AGE_BANDS):
        idx = np.flatnonzero(band == b)
        ages = np.arange(lo, hi + 1)
        w = np.ones(len(ages))
        w[ages <= 17] = 0.3
        w[ages >= 65] = 0.25
        age[idx] = rng.choice(ages, size=len(idx), p=w / w.sum())
    return age


# Benefit days: a mixture of "recently unemployed" (lognormal, median 140 days) and "long-term"
# (lognormal, median 800 days), plus a few with no benefit days at all (social assistance only,
# waiting periods). The labour-market subsidy has no end date, so the long tail runs for years.
# The long-term component is more likely with age. Nobody has more days than their adult years
# allow (≈ 250 benefit days a year after the age of 17; a draw past the cap lands
# uniformly in 60–100 % of it, so there is no spike at the cap). Target shares of the queue: about
# 57 % past 300 days, 43 % past 500 and 20 % past 1 000 (the 300/500/1000 marks matter for the
# municipal liability and for participation).
BENEFIT_ZERO_SHARE = 0.04
BENEFIT_SHORT = (140.0, 0.75)  # (median days, sigma of the log)
BENEFIT_LONG = (800.0, 0.65)
BENEFIT_LONG_SHARE_BY_BAND = (0.30, 0.55, 0.70)  # under 25, 25–54, 55+
BENEFIT_DAYS_MAX = 4000


def sample_benefit_days(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Days on unemployment benefit: heavy-tailed lognormal mixture, capped by adult years."""
    n = len(age)
    band = np.digitize(age, [25, 55])
    long = rng.random(n) < np.asarray(BENEFIT_LONG_SHARE_BY_BAND)[band]
    median = np.where(long, BENEFIT_LONG[0], BENEFIT_SHORT[0])
    sigma = np.where(long, BENEFIT_LONG[1], BENEFIT_SHORT[1])
    days = np.exp(np.log(median) + sigma * rng.standard_normal(n))
    cap = np.minimum(np.maximum(age - 17, 0) * 250 + 60, BENEFIT_DAYS_MAX)
    days = np.where(days > cap, cap * rng.uniform(0.6, 1.0, n), days)  # no spike at the cap
    days[rng.random(n) < BENEFIT_ZERO_SHARE] = 0
    return np.rint(days).astype(np.int64)


# Continuous unemployment: benefit days count five a week (≈ 21.7 a month); the current spell is
# a fraction of all the days (earlier spells count too), Beta(4, 1.5), mean 0.73. Clients without
# benefit days have a short spell of 0–6 months.
DAYS_PER_MONTH = 21.7


def sample_unemployed_months(
    rng: np.random.Generator, benefit_days: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Months continuously unemployed, correlated with benefit days, at most the adult years."""
    n = len(benefit_days)
    months = np.rint(benefit_days / DAYS_PER_MONTH * rng.beta(4.0, 1.5, n))
    months = np.where(benefit_days == 0, rng.integers(0, 7, n), months)
    return np.minimum(months, np.maximum(age - 16, 0) * 12).astype(np.int64)


# Work ability 1–5: a latent normal lowered by age past 45 and by long unemployment, cut at
# fixed thresholds. Overall about 5 % / 13 % / 27 % / 29 % / 26 % for 1…5 — the queue of the
# intermediate labour market has more limited work ability than the unemployed at large.
WORK_ABILITY_CUTS = (-1.6, -0.85, -0.05, 0.75)


def sample_work_ability(
    rng: np.random.Generator, age: np.ndarray, benefit_days: np.ndarray
) -> np.ndarray:
    """Work ability 1 (very limited) … 5 (full), worse with age and long unemployment."""
    z = rng.standard_normal(len(age)) + 0.35
    z -= 0.025 * np.maximum(age - 45, 0)
    z -= 0.2 * (benefit_days >= 500) + 0.25 * (benefit_days >= 1000)
    return (np.digitize(z, WORK_ABILITY_CUTS) + 1).astype(np.int64)


# Partial work ability (osatyökykyinen) goes with low assessed work ability; about a fifth of the
# queue overall (Vates: partial work ability is common among the long-term unemployed).
PARTIAL_BY_WORK_ABILITY = (0.85, 0.60, 0.25, 0.07, 0.02)


def sample_partial(rng: np.random.Generator, work_ability: np.ndarray) -> np.ndarray:
    """Partial work ability flag, probability by work ability (PARTIAL_BY_WORK_ABILITY)."""
    p = np.asarray(PARTIAL_BY_WORK_ABILITY)[work_ability - 1]
    return rng.random(len(work_ability)) < p


# Languages. The mother tongue is Swedish with the municipality's Swedish share, a foreign
# language with its (over-represented) foreign share, Finnish otherwise. Extra working languages:
# Finnish speakers know English (more often the young) and, in bilingual areas, Swedish; Swedish
# speakers mostly know Finnish, less so where Swedish is the majority; foreign-language speakers
# know Finnish a bit over half of the time and English often. A few foreign-language clients
# share no language with any placement — a real barrier the reports should show.
def sample_languages(
    rng: np.random.Generator, sv_share: np.ndarray, foreign_share: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """Bitmask over LANGUAGES of the languages each client can work in."""
    n = len(age)
    u = rng.random(n)
    foreign = u < foreign_share
    swedish = ~foreign & (u < foreign_share + (1 - foreign_share) * sv_share)
    finnish = ~foreign & ~swedish
    mask = np.zeros(n, dtype=np.int64)
    young = age < 35

    def add(sel: np.ndarray, bit: int, p: np.ndarray | float) -> None:
        hit = sel & (rng.random(n) < p)
        mask[hit] |= 1 << bit

    add(finnish, FI, 1.0)
    add(finnish, EN, np.where(young, 0.45, 0.20))
    add(finnish, SV, 0.03 + 0.4 * sv_share)
    add(swedish, SV, 1.0)
    add(swedish, FI, np.where(sv_share >= 0.5, 0.55, 0.85))
    add(swedish, EN, 0.35)
    natives = list(FOREIGN_NATIVE_WEIGHTS)
    w = np.asarray(list(FOREIGN_NATIVE_WEIGHTS.values()), dtype=float)
    native = rng.choice(len(natives), size=n, p=w / w.sum())
    native_bit = np.asarray([LANGUAGES.index(x) for x in natives])[native]
    mask[foreign] |= np.left_shift(1, native_bit[foreign])
    add(foreign, FI, 0.55)
    add(foreign, EN, 0.40)
    add(foreign, SV, 0.3 * sv_share)
    return mask


# Needs: a minority. Wheelchair access and supervision go with low work ability, a quiet place
# and part-time with partial work ability. Roughly a fifth of the queue has at least one need.
NEED_BASE = {"wheelchair": 0.015, "quiet": 0.06, "part_time": 0.04, "supervision": 0.03}
NEED_LOW_ABILITY = {"wheelchair": 0.05, "quiet": 0.02, "part_time": 0.03, "supervision": 0.08}
NEED_PARTIAL = {"wheelchair": 0.01, "quiet": 0.06, "part_time": 0.10, "supervision": 0.03}


def sample_needs(
    rng: np.random.Generator, work_ability: np.ndarray, partial: np.ndarray
) -> np.ndarray:
    """Bitmask over NEEDS: base rate + more with work ability ≤ 2 + more with partial ability."""
    n = len(work_ability)
    mask = np.zeros(n, dtype=np.int64)
    low = work_ability <= 2
    for bit, need in enumerate(NEEDS):
        p = NEED_BASE[need] + NEED_LOW_ABILITY[need] * low + NEED_PARTIAL[need] * partial
        mask[rng.random(n) < p] |= 1 << bit
    return mask


# Interests: 1–3 sectors (a few have none), drawn without replacement with these popularity
# weights (care, retail and logistics are the common wishes; agriculture and crafts rarer).
INTEREST_COUNT_P = (0.05, 0.40, 0.35, 0.20)  # 0, 1, 2, 3 sectors
INTEREST_WEIGHTS: dict[str, float] = {
    "care": 1.0,
    "cleaning": 0.8,
    "construction": 0.8,
    "logistics": 0.9,
    "retail": 1.0,
    "food_service": 0.9,
    "manufacturing": 0.8,
    "office": 0.8,
    "it": 0.6,
    "property_maintenance": 0.7,
    "recycling": 0.5,
    "agriculture": 0.5,
    "crafts": 0.5,
}


def weighted_subsets(
    rng: np.random.Generator, weights: np.ndarray, counts: np.ndarray
) -> np.ndarray:
    """Bitmask per row of `counts[i]` distinct items drawn with `weights` (Gumbel top-k)."""
    n, k = len(counts), len(weights)
    keys = np.log(weights)[None, :] + rng.gumbel(size=(n, k))
    order = np.argsort(-keys, axis=1)
    take = np.arange(k)[None, :] < counts[:, None]
    bits = np.where(take, np.left_shift(np.int64(1), order), 0)
    return bits.sum(axis=1).astype(np.int64)


def sample_interests(rng: np.random.Generator, n: int) -> np.ndarray:
    """Bitmask over SECTORS: 0–3 sectors by INTEREST_COUNT_P and INTEREST_WEIGHTS."""
    counts = rng.choice(len(INTEREST_COUNT_P), size=n, p=INTEREST_COUNT_P)
    w = np.asarray([INTEREST_WEIGHTS[s] for s in SECTORS])
    return weighted_subsets(rng, w, counts)


# Transport by urban class: the car rules the countryside, public transport the cities, and many
# clients of this queue have neither (no licence, no money for a car). Nobody under 18 drives.
TRANSPORT_P: dict[int, tuple[float, float, float]] = {  # car, transit, none
    CITY: (0.30, 0.55, 0.15),
    TOWN: (0.50, 0.30, 0.20),
    RURAL: (0.65, 0.13, 0.22),
}


def sample_transport(rng: np.random.Generator, urban: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Transport mode code (TRANSPORT_MODES order) by the home's urban class; no car under 18."""
    p = np.asarray([TRANSPORT_P[c] for c in (CITY, TOWN, RURAL)])[urban]
    p[age < 18, CAR] = 0.0
    p /= p.sum(axis=1, keepdims=True)
    u = rng.random(len(age))[:, None]
    return (u > np.cumsum(p, axis=1)).sum(axis=1).astype(np.int8)


# Longest accepted one-way commute (minutes, in 5-minute steps): triangular per mode. Car users
# accept 25–90 (mode 45), transit users 25–75 (mode 45), those walking or cycling 15–45 (mode 25).
COMMUTE_TRIANGLE: dict[int, tuple[float, float, float]] = {
    CAR: (25, 45, 90),
    TRANSIT: (25, 45, 75),
    NONE: (15, 25, 45),
}


def sample_max_commute(rng: np.random.Generator, transport: np.ndarray) -> np.ndarray:
    """max_commute_min by transport mode (COMMUTE_TRIANGLE), rounded to 5 minutes."""
    out = np.empty(len(transport))
    for mode, (lo, mode_v, hi) in COMMUTE_TRIANGLE.items():
        idx = np.flatnonzero(transport == mode)
        out[idx] = rng.triangular(lo, mode_v, hi, len(idx))
    return (5 * np.rint(out / 5)).astype(np.int64)


# Consents: nobody is forced into a service (seed 003). Probabilities per type follow the
# client's situation: work trials and wage-subsidy jobs for those able to work (ability ≥ 3),
# coaching for the young and the partially able, participation for those it is meant for
# (≥ 500 benefit days or under 25, more with low work ability) — a few others consent to it
# too, so that "not eligible" shows up in explanations. A client who drew no consent at all
# keeps that with probability NO_CONSENT_KEEP (≈ 2–3 % of the queue consent to nothing).
NO_CONSENT_KEEP = 0.4


def sample_consents(
    rng: np.random.Generator,
    age: np.ndarray,
    benefit_days: np.ndarray,
    work_ability: np.ndarray,
    partial: np.ndarray,
    participation_days: int,
    youth_age: int,
) -> np.ndarray:
    """Bitmask over TYPES of the placement types each client consents to."""
    n = len(age)
    able = work_ability >= 3
    young = age < youth_age
    eligible = (benefit_days >= participation_days) | young
    p = np.empty((n, len(TYPES)))
    p[:, WORK_TRIAL] = np.where(able, 0.55, 0.30) + 0.10 * young
    p[:, WAGE_SUBSIDY] = np.where(able, 0.65, 0.25)
    p[:, COACHING] = np.where(young, 0.70, np.where(partial, 0.60, 0.40))
    p[:, PARTICIPATION] = np.where(eligible, 0.45 + 0.25 * (work_ability <= 2), 0.08)
    hits = rng.random((n, len(TYPES))) < p
    none = ~hits.any(axis=1)
    rescue = none & (rng.random(n) >= NO_CONSENT_KEEP)
    hits[rescue, np.argmax(p[rescue], axis=1)] = True
    return (hits * (1 << np.arange(len(TYPES)))).sum(axis=1).astype(np.int64)


# Months already used per type. The chance of a past service grows with benefit days; the
# amount is skewed low (Beta(1.2, 3) of the maximum), but a share sits exactly at the maximum
# or one month below it, so that "months used up" binds for some clients.
USED_P = (0.22, 0.18, 0.20, 0.12)  # by TYPES order, at ~1 000 benefit days
USED_AT_MAX = 0.15
USED_NEAR_MAX = 0.10


def sample_months_used(
    rng: np.random.Generator, benefit_days: np.ndarray, max_months: np.ndarray
) -> np.ndarray:
    """``(n, 4)`` whole months used per type (TYPES order), zero for most."""
    n = len(benefit_days)
    scale = 0.4 + np.minimum(benefit_days, 1500) / 1500 * 0.9
    used = rng.random((n, len(TYPES))) < np.asarray(USED_P)[None, :] * scale[:, None]
    mx = np.asarray(max_months, dtype=float)[None, :]
    amount = 1 + np.floor(rng.beta(1.2, 3.0, (n, len(TYPES))) * (mx - 1))
    u = rng.random((n, len(TYPES)))
    amount = np.where(
        u < USED_AT_MAX, mx, np.where(u < USED_AT_MAX + USED_NEAR_MAX, mx - 1, amount)
    )
    return np.where(used, np.maximum(amount, 1), 0).astype(np.int64)


# Weeks since the last active service: unknown (empty) for some; for clients with a past service,
# lognormal around half a year; for the never-activated, the length of the current spell (seed
# 001 screened first those with no recent activation).
WEEKS_UNKNOWN_SHARE = 0.15
WEEKS_PER_MONTH = 4.35


def sample_weeks_since_activation(
    rng: np.random.Generator, had_service: np.ndarray, unemployed_months: np.ndarray
) -> np.ndarray:
    """Weeks since last activation as float (NaN = unknown)."""
    n = len(had_service)
    spell = np.rint(unemployed_months * WEEKS_PER_MONTH)
    since = np.minimum(np.rint(np.exp(math.log(26) + 0.9 * rng.standard_normal(n))), spell + 4)
    weeks = np.where(had_service, since, spell).astype(float)
    weeks[rng.random(n) < WEEKS_UNKNOWN_SHARE] = np.nan
    return weeks


# Ability profiles (physical/social/cognitive, 1–5) for a share of the clients: each dimension is
# the work ability ± a rounded N(0, 0.8); the physical one a point lower for a third of the 55+.
ABILITY_PROFILE_SHARE = 0.30


def sample_abilities(
    rng: np.random.Generator, work_ability: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(has_profile ``(n,)``, levels ``(n, 3)`` in ABILITY_KEYS order)."""
    n = len(work_ability)
    has = rng.random(n) < ABILITY_PROFILE_SHARE
    levels = work_ability[:, None] + np.rint(0.8 * rng.standard_normal((n, len(ABILITY_KEYS))))
    levels[:, 0] -= (age >= 55) & (rng.random(n) < 1 / 3)
    return has, np.clip(levels, 1, 5).astype(np.int64)


# Realised shares of a large Pohjois-Savo queue (50 000 clients, seeds 0–2, ±0.005 between
# seeds); the tests check them at 5 000 clients with a tolerance. `car` depends on the region's
# urban mix (Uusimaa ≈ 0.36).
EXPECTED_SHARES: dict[str, float] = {
    "age_lt_25": 0.17,
    "age_ge_55": 0.28,
    "benefit_ge_300": 0.55,
    "benefit_ge_500": 0.41,
    "benefit_ge_1000": 0.18,
    "long_term": 0.40,
    "partial": 0.21,
    "any_need": 0.20,
    "no_consent": 0.03,
    "car": 0.43,
    "wishes": 0.235,
    "current": 0.03,
}


def queue_shares(clients: pd.DataFrame) -> dict[str, float]:
    """The shares of EXPECTED_SHARES measured on a parsed clients table."""
    days, age = clients["benefit_days"].to_numpy(), clients["age"].to_numpy()
    wishes = (
        clients["wishes"] if "wishes" in clients else pd.Series([()] * len(clients), dtype=object)
    )
    return {
        "age_lt_25": float((age < 25).mean()),
        "age_ge_55": float((age >= 55).mean()),
        "benefit_ge_300": float((days >= 300).mean()),
        "benefit_ge_500": float((days >= 500).mean()),
        "benefit_ge_1000": float((days >= 1000).mean()),
        "long_term": float(
            ((days >= 500) & (clients["unemployed_months"].to_numpy() >= 12)).mean()
        ),
        "partial": float(clients["partial_work_ability"].to_numpy(dtype=bool).mean()),
        "any_need": float((clients["needs"].map(len) > 0).mean()),
        "no_consent": float((clients["consents"].map(len) == 0).mean()),
        "car": float((clients["transport"] == "car").mean()),
        "wishes": float((wishes.map(len) > 0).mean()),
        "current": float((clients["current_placement"] != "").mean()),
    }
