"""Synthetic regional instances: a week's queue, seats, providers, pools and decisions for a region.

`generate_instance` draws everything from `instances.distributions` (where every distribution is
documented) over the municipalities of `instances.regions`, vectorised with numpy so that a
300 000-client national instance takes seconds, and deterministic per seed: each part (region,
placements, clients, links, pools, decisions) has its own random stream, spawned from the seed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from instances import distributions as d
from instances.build import typed_frame
from models.columnar import client_groups
from models.formulas import LONG_TERM_MONTHS, pair_cost, travel_minutes, wage_subsidy_rate
from models.instance import FORMAT_VERSION, Instance
from models.rules import THIRD_SECTOR_KINDS, TRANSPORT_MODES, Rules
from models.weights import Weights

from .regions import PRESETS, URBAN_CLASSES, Region, resolve_region

DEFAULT_WEEK = "2026-W48"  # a fixed default keeps the output a function of the arguments only
KM_PER_DEGREE = 6371.0 * math.pi / 180.0  # km per degree of latitude (mean Earth radius)
TYPE_ABBR = {"work_trial": "tk", "wage_subsidy": "pt", "coaching": "tv", "participation": "ktt"}
TYPE_NAME_FI = {
    "work_trial": "Työkokeilu",
    "wage_subsidy": "Palkkatuki",
    "coaching": "Työvalmennus",
    "participation": "Kuntouttava työtoiminta",
}
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass
class _Geo:
    """Municipality arrays of a region (index = municipality code)."""

    names: np.ndarray
    genitive: list[str]
    sv_name: list[str]
    lat: np.ndarray
    lon: np.ndarray
    pop: np.ndarray
    sv: np.ndarray
    foreign: np.ndarray
    urban: np.ndarray
    area: np.ndarray
    area_names: list[str]
    part: np.ndarray
    parts: list[tuple[str, str]]
    part_names: list[str]


@dataclass
class _Placements:
    ptype: np.ndarray
    muni: np.ndarray
    provider: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    seats: np.ndarray
    min_wa: np.ndarray
    language: np.ndarray
    features: np.ndarray
    sector: np.ndarray
    duration: np.ndarray
    weekly_cost: np.ndarray
    demand: np.ndarray  # (m, 3) level per ability key, 0 = no demand
    v_muni: np.ndarray
    v_kind: np.ndarray
    v_sector: np.ndarray
    v_cap: np.ndarray  # float, NaN = no cap
    pools: np.ndarray | None = None  # (m, K) pool codes, -1 padded


@dataclass
class _Clients:
    muni: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    age: np.ndarray
    days: np.ndarray
    months: np.ndarray
    wa: np.ndarray
    partial: np.ndarray
    languages: np.ndarray
    needs: np.ndarray
    interests: np.ndarray
    transport: np.ndarray
    commute: np.ndarray
    consents: np.ndarray
    used: np.ndarray  # (n, 4)
    weeks: np.ndarray
    has_profile: np.ndarray
    abilities: np.ndarray  # (n, 3)
    current: np.ndarray  # placement code or -1
    wishes: list[tuple[int, ...]] | None = None
    groups: np.ndarray | None = None  # (n, G) bool


@dataclass
class _Pools:
    ids: list[str]
    names: list[str]
    budget: np.ndarray
    types: np.ndarray  # bitmask over TYPES
    munis: np.ndarray  # (F, n_muni) bool
    muni_lists: list[tuple[str, ...]]
    groups: list[tuple[str, ...]]
    group_mask: np.ndarray  # (F, G) bool
    any_group: np.ndarray


def default_placements(clients: int) -> int:
    """Default number of placements for a queue of `clients` (≈ N/12, at least 15)."""
    return max(d.MIN_PLACEMENTS, int(round(clients * d.PLACEMENTS_PER_CLIENT)))


def parse_week(week: str) -> tuple[int, int]:
    """(year, week) of an ISO week like '2026-W48'; ValueError with the expected form otherwise."""
    match = WEEK_RE.match(week.strip())
    if not match:
        raise ValueError(f"week {week!r}: expected an ISO week like 2026-W48")
    year, num = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, num, 1)
    except ValueError as exc:
        raise ValueError(f"week {week!r}: {year} has no ISO week {num}") from exc
    return year, num


def generate_instance(
    region: str,
    clients: int,
    placements: int | None = None,
    seed: int = 0,
    name: str | None = None,
    week: str | None = None,
) -> Instance:
    """A synthetic instance for `region` with `clients` clients (and `placements`, default ≈ N/12).

    Deterministic per (region, clients, placements, seed, name, week). Raises
    `instances.regions.UnknownRegionError` for an unknown region, ValueError for bad sizes/week.
    """
    if clients < 1:
        raise ValueError(f"clients: expected at least 1, got {clients}")
    m = default_placements(clients) if placements is None else int(placements)
    if m < 1:
        raise ValueError(f"placements: expected at least 1, got {m}")
    week = week or DEFAULT_WEEK
    year, _ = parse_week(week)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    r_region, r_place, r_client, r_link, r_pool, r_decide = streams
    reg = resolve_region(region, r_region)
    rules = Rules.from_dict({})
    geo = _geo(reg)
    P = _make_placements(geo, m, r_place)
    C = _make_clients(geo, clients, r_client, rules)
    tree, lat_ref = _placement_tree(P)
    _link_clients(C, P, tree, lat_ref, r_link, rules)
    client_frame = _client_frame(C, P, geo)
    C.groups = client_groups(client_frame, rules.groups)
    F = _make_pools(geo, P, C, r_pool, rules, year)
    _make_caps(P, r_pool)
    decisions = _make_decisions(C, P, F, tree, lat_ref, r_decide, rules, week)
    inst_name = name or f"{reg.key}-{week}"
    return Instance(
        name=inst_name,
        week=week,
        rules=rules,
        weights=Weights.from_dict({}),
        clients=client_frame,
        placements=_placement_frame(P, F, geo),
        providers=_provider_frame(P, geo, r_place),
        pools=_pool_frame(F),
        decisions=decisions,
        format_version=FORMAT_VERSION,
    )


# ---------------------------------------------------------------------------------------------
# geography
# ---------------------------------------------------------------------------------------------
def _geo(reg: Region) -> _Geo:
    munis = reg.municipalities
    urban = np.asarray([URBAN_CLASSES.index(m.kind) for m in munis], dtype=np.int64)
    foreign = np.asarray(
        [
            m.foreign_share if m.foreign_share is not None else d.FOREIGN_SHARE_DEFAULT[u]
            for m, u in zip(munis, urban, strict=True)
        ]
    )
    area_names = list(dict.fromkeys(m.area for m in munis))
    part = np.zeros(len(munis), dtype=np.int64)
    parts = []
    for p, (key, gen, idx) in enumerate(reg.region_parts):
        part[list(idx)] = p
        parts.append((key, gen))
    return _Geo(
        names=np.asarray([m.name for m in munis], dtype=object),
        genitive=[m.genitive for m in munis],
        sv_name=[m.sv_name for m in munis],
        lat=np.asarray([m.lat for m in munis]),
        lon=np.asarray([m.lon for m in munis]),
        pop=np.asarray([m.population for m in munis], dtype=float),
        sv=np.asarray([m.sv_share for m in munis]),
        foreign=np.minimum(foreign * d.FOREIGN_OVERREPRESENTATION, 0.5),
        urban=urban,
        area=np.asarray([area_names.index(m.area) for m in munis], dtype=np.int64),
        area_names=area_names,
        part=part,
        parts=parts,
        part_names=[PRESETS[k].name if k in PRESETS else reg.name for k, _ in parts],
    )


def _scatter(
    rng: np.random.Generator,
    lat0: np.ndarray,
    lon0: np.ndarray,
    urban: np.ndarray,
    table: dict[int, tuple[float, float, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """Points around centres: core gaussian with prob core share, wide gaussian otherwise."""
    n = len(lat0)
    spec = np.asarray([table[c] for c in (d.CITY, d.TOWN, d.RURAL)])[urban]
    core = rng.random(n) < spec[:, 0]
    sigma = np.where(core, spec[:, 1], spec[:, 2])
    dy, dx = rng.standard_normal(n) * sigma, rng.standard_normal(n) * sigma
    return _offset(lat0, lon0, dx, dy)


def _offset(
    lat0: np.ndarray, lon0: np.ndarray, dx_km: np.ndarray, dy_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    lat = lat0 + dy_km / KM_PER_DEGREE
    lon = lon0 + dx_km / (KM_PER_DEGREE * np.cos(np.radians(lat0)))
    return np.round(lat, 5), np.round(lon, 5)


# ---------------------------------------------------------------------------------------------
# placements and providers
# ---------------------------------------------------------------------------------------------
def _choice_by(
    rng: np.random.Generator, values: tuple[int, ...], p: tuple[float, ...], n: int
) -> np.ndarray:
    return rng.choice(np.asarray(values), size=n, p=np.asarray(p) / np.sum(p))


def _make_placements(geo: _Geo, m: int, rng: np.random.Generator) -> _Placements:
    ptype = rng.choice(len(d.TYPES), size=m, p=d.TYPE_SHARES)
    if m >= len(d.TYPES):
        ptype[: len(d.TYPES)] = np.arange(len(d.TYPES))  # every type present
        ptype = rng.permutation(ptype)
    muni = np.empty(m, dtype=np.int64)
    for t in range(len(d.TYPES)):
        idx = np.flatnonzero(ptype == t)
        w = geo.pop * np.asarray(d.TYPE_CLASS_WEIGHT[t])[geo.urban]
        muni[idx] = rng.choice(len(w), size=len(idx), p=w / w.sum())
    urban = geo.urban[muni]
    kind = np.empty(m, dtype=np.int64)
    for t in range(len(d.TYPES)):
        for c in (d.CITY, d.TOWN, d.RURAL):
            idx = np.flatnonzero((ptype == t) & (urban == c))
            kind[idx] = rng.choice(len(d.KINDS), size=len(idx), p=d.KIND_P[t][c])

    # Providers: the placements of one (municipality, kind) split among ~count/mean providers.
    group = muni * len(d.KINDS) + kind
    uniq, inv, counts = np.unique(group, return_inverse=True, return_counts=True)
    per = np.asarray(d.PLACEMENTS_PER_PROVIDER)[uniq % len(d.KINDS)]
    n_prov = np.ceil(counts / per).astype(np.int64)
    local = rng.integers(0, n_prov[inv])
    keys, provider = np.unique(group * (m + 1) + local, return_inverse=True)
    v_group = keys // (m + 1)
    v_muni, v_kind = v_group // len(d.KINDS), v_group % len(d.KINDS)
    v_lat, v_lon = _scatter(
        rng, geo.lat[v_muni], geo.lon[v_muni], geo.urban[v_muni], d.SITE_SCATTER
    )
    farm = np.flatnonzero(v_kind == d.FARM)
    ring = np.asarray([d.FARM_RING_KM[c] for c in (d.CITY, d.TOWN, d.RURAL)])[
        geo.urban[v_muni[farm]]
    ]
    r = rng.uniform(ring[:, 0], ring[:, 1])
    angle = rng.uniform(0, 2 * math.pi, len(farm))
    v_lat[farm], v_lon[farm] = _offset(
        geo.lat[v_muni[farm]], geo.lon[v_muni[farm]], r * np.cos(angle), r * np.sin(angle)
    )
    v_sector = d.sample_sector(rng, v_kind)

    seats = np.empty(m, dtype=np.int64)
    min_wa = np.empty(m, dtype=np.int64)
    duration = np.empty(m, dtype=np.int64)
    for t in range(len(d.TYPES)):
        idx = np.flatnonzero(ptype == t)
        seats[idx] = _choice_by(rng, *d.SEATS[t], len(idx))
        min_wa[idx] = _choice_by(rng, (1, 2, 3, 4, 5), d.MIN_WORK_ABILITY_P[t], len(idx))
        duration[idx] = _choice_by(rng, *d.DURATION[t], len(idx))
    own_sector = d.sample_sector(rng, kind)
    sector = np.where(rng.random(m) < 0.7, v_sector[provider], own_sector)
    has_demand, demand_key, demand_level = d.sample_demands(rng, sector, min_wa)
    demand = np.zeros((m, len(d.ABILITY_KEYS)), dtype=np.int64)
    demand[np.flatnonzero(has_demand), demand_key[has_demand]] = demand_level[has_demand]
    return _Placements(
        ptype=ptype,
        muni=muni,
        provider=provider.astype(np.int64),
        lat=v_lat[provider],
        lon=v_lon[provider],
        seats=seats,
        min_wa=min_wa,
        language=d.sample_language(rng, geo.sv[muni], urban),
        features=d.sample_features(rng, ptype, kind),
        sector=sector,
        duration=duration,
        weekly_cost=d.sample_weekly_cost(rng, ptype, kind),
        demand=demand,
        v_muni=v_muni,
        v_kind=v_kind,
        v_sector=v_sector,
        v_cap=np.full(len(keys), np.nan),
    )


def _make_caps(P: _Placements, rng: np.random.Generator) -> None:
    """Cap the wage-subsidy hires of a share of the providers with ≥ 2 wage-subsidy seats."""
    ws_seats = np.bincount(
        P.provider, weights=P.seats * (P.ptype == d.WAGE_SUBSIDY), minlength=len(P.v_kind)
    )
    eligible = ws_seats >= 2
    pick = eligible & (rng.random(len(ws_seats)) < d.CAP_SHARE)
    cap = np.maximum(1, np.floor(ws_seats * rng.uniform(*d.CAP_FRACTION, len(ws_seats))))
    P.v_cap = np.where(pick, cap, np.nan)


# ---------------------------------------------------------------------------------------------
# clients
# ---------------------------------------------------------------------------------------------
def _make_clients(geo: _Geo, n: int, rng: np.random.Generator, rules: Rules) -> _Clients:
    muni = rng.choice(len(geo.pop), size=n, p=geo.pop / geo.pop.sum())
    urban = geo.urban[muni]
    lat, lon = _scatter(rng, geo.lat[muni], geo.lon[muni], urban, d.HOME_SCATTER)
    age = d.sample_age(rng, n)
    days = d.sample_benefit_days(rng, age)
    months = d.sample_unemployed_months(rng, days, age)
    wa = d.sample_work_ability(rng, age, days)
    partial = d.sample_partial(rng, wa)
    languages = d.sample_languages(rng, geo.sv[muni], geo.foreign[muni], age)
    needs = d.sample_needs(rng, wa, partial)
    interests = d.sample_interests(rng, n)
    transport = d.sample_transport(rng, urban, age)
    commute = d.sample_max_commute(rng, transport)
    consents = d.sample_consents(
        rng,
        age,
        days,
        wa,
        partial,
        rules.participation_min_benefit_days,
        rules.participation_youth_age,
    )
    max_months = np.asarray([rules.max_months[t] for t in d.TYPES])
    used = d.sample_months_used(rng, days, max_months)
    weeks = d.sample_weeks_since_activation(rng, used.any(axis=1), months)
    has_profile, abilities = d.sample_abilities(rng, wa, age)
    return _Clients(
        muni=muni,
        lat=lat,
        lon=lon,
        age=age,
        days=days,
        months=months,
        wa=wa,
        partial=partial,
        languages=languages,
        needs=needs,
        interests=interests,
        transport=transport,
        commute=commute,
        consents=consents,
        used=used,
        weeks=weeks,
        has_profile=has_profile,
        abilities=abilities,
        current=np.full(n, -1, dtype=np.int64),
    )


def _xy(lat: np.ndarray, lon: np.ndarray, lat_ref: float) -> np.ndarray:
    """Local planar km coordinates for neighbour search (equirectangular around `lat_ref`)."""
    return np.column_stack(
        [lon * KM_PER_DEGREE * math.cos(math.radians(lat_ref)), lat * KM_PER_DEGREE]
    )


def _placement_tree(P: _Placements) -> tuple[cKDTree, float]:
    """KD-tree over placement sites in local km, and the latitude the projection is centred on."""
    lat_ref = float(P.lat.mean())
    return cKDTree(_xy(P.lat, P.lon, lat_ref)), lat_ref


def _neighbours(tree: cKDTree, C: _Clients, rows: np.ndarray, lat_ref: float, k: int) -> np.ndarray:
    """``(len(rows), k)`` placement codes nearest to each client in `rows`, nearest first."""
    k = min(k, tree.n)
    _, idx = tree.query(_xy(C.lat[rows], C.lon[rows], lat_ref), k=k)
    return np.asarray(idx, dtype=np.int64).reshape(len(rows), k)


def _consented(C: _Clients, P: _Placements, rows: np.ndarray, nb: np.ndarray) -> np.ndarray:
    return ((C.consents[rows][:, None] >> P.ptype[nb]) & 1).astype(bool)


def _link_clients(
    C: _Clients,
    P: _Placements,
    tree: cKDTree,
    lat_ref: float,
    rng: np.random.Generator,
    rules: Rules,
) -> None:
    """Current placements (a small share) and ranked wish lists (near, consented types)."""
    n = len(C.age)
    max_months = np.asarray([rules.max_months[t] for t in d.TYPES])
    cur_rows = np.flatnonzero((rng.random(n) < d.CURRENT_SHARE) & (C.consents != 0))
    if len(cur_rows):
        nb = _neighbours(tree, C, cur_rows, lat_ref, 20)
        ok = _consented(C, P, cur_rows, nb)
        has = ok.any(axis=1)
        rows, pick = cur_rows[has], nb[has, np.argmax(ok[has], axis=1)]
        C.current[rows] = pick
        t = P.ptype[pick]
        spent = np.clip(
            np.maximum(C.used[rows, t], rng.integers(1, 7, len(rows))), 1, max_months[t] - 1
        )
        C.used[rows, t] = spent
        C.weeks[rows] = 0.0

    wish_rows = np.flatnonzero((rng.random(n) < d.WISH_SHARE) & (C.consents != 0) & (C.current < 0))
    wishes: list[tuple[int, ...]] = [()] * n
    if len(wish_rows):
        nb = _neighbours(tree, C, wish_rows, lat_ref, d.WISH_NEIGHBOURS)
        ok = _consented(C, P, wish_rows, nb)
        liked = ((C.interests[wish_rows][:, None] >> P.sector[nb]) & 1).astype(bool)
        key = rng.random(nb.shape) - 0.5 * liked + 2.0 * ~ok  # interesting first, never unconsented
        order = np.argsort(key, axis=1)
        count = rng.choice(
            np.arange(1, len(d.WISH_COUNT_P) + 1), size=len(wish_rows), p=d.WISH_COUNT_P
        )
        count = np.minimum(count, ok.sum(axis=1))
        ranked = np.take_along_axis(nb, order, axis=1)
        for r, i in enumerate(wish_rows):
            if count[r]:
                wishes[i] = tuple(int(x) for x in ranked[r, : count[r]])
    C.wishes = wishes


# ---------------------------------------------------------------------------------------------
# funding
# ---------------------------------------------------------------------------------------------
def _wage_rate_by_kind(C: _Clients, rules: Rules) -> np.ndarray:
    queue = C.current < 0
    partial, long_term = C.partial[queue], C.months[queue] >= LONG_TERM_MONTHS
    return np.asarray(
        [
            d.expected_wage_rate(
                rules.wage_subsidy_rate, partial, long_term, k in THIRD_SECTOR_KINDS
            )
            for k in d.KINDS
        ]
    )


def _seat_cost(P: _Placements, C: _Clients, rules: Rules) -> np.ndarray:
    """Cost of one seat of each placement at the queue's expected rate (FORMAT.md pair cost)."""
    rate = np.asarray(
        [rules.cost_rate.get(t, 1.0) if t != "wage_subsidy" else 0.0 for t in d.TYPES]
    )[P.ptype]
    ws = P.ptype == d.WAGE_SUBSIDY
    rate = np.where(ws, _wage_rate_by_kind(C, rules)[P.v_kind[P.provider]], rate)
    return pair_cost(P.weekly_cost, rate, P.duration)


def full_seat_costs(inst: Instance, default_rate: bool = False) -> np.ndarray:
    """Per placement: seats × weekly_cost × rate × duration_weeks ("filling every seat").

    The wage-subsidy rate is the queue's typical mix per provider kind (as the generator sizes
    its budgets), or the rules' default rate with `default_rate`.
    """
    pl, cl, rules = inst.placements, inst.clients, inst.rules
    queue = (cl["current_placement"] == "").to_numpy()
    partial = cl["partial_work_ability"].to_numpy(dtype=bool)[queue]
    long_term = cl["unemployed_months"].to_numpy()[queue] >= LONG_TERM_MONTHS
    kind = pl["provider_id"].map(
        dict(zip(inst.providers["id"], inst.providers["kind"], strict=True))
    )
    rates = rules.wage_subsidy_rate
    mix = {
        k: d.expected_wage_rate(rates, partial, long_term, k in THIRD_SECTOR_KINDS) for k in d.KINDS
    }
    ws = rates.get("default", 0.5) if default_rate else kind.map(mix).to_numpy(dtype=float)
    rate = np.where(
        pl["type"] == "wage_subsidy", ws, [rules.cost_rate.get(t, 1.0) for t in pl["type"]]
    )
    seat = pair_cost(pl["weekly_cost"].to_numpy(), rate, pl["duration_weeks"].to_numpy())
    return pl["seats"].to_numpy() * seat


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _make_pools(
    geo: _Geo, P: _Placements, C: _Clients, rng: np.random.Generator, rules: Rules, year: int
) -> _Pools:
    """A pool per type × employment area, plus region-wide youth and partial-ability pools and a
    long-term top-up in each region's largest city; budgets 60–90 % of the full seat cost."""
    one_seat = _seat_cost(P, C, rules)
    full = one_seat * P.seats
    p_area, p_part = geo.area[P.muni], geo.part[P.muni]
    group_names = list(rules.groups)
    ids: list[str] = []
    names: list[str] = []
    budgets: list[float] = []
    types: list[int] = []
    muni_sets: list[np.ndarray] = []
    groups: list[tuple[str, ...]] = []
    lists: list[list[int]] = [[] for _ in range(len(P.ptype))]
    national = len(geo.parts) > 1

    def add(
        pid: str,
        name: str,
        tmask: int,
        munis: np.ndarray,
        grp: tuple[str, ...],
        members: np.ndarray,
        share: tuple[float, float],
    ) -> None:
        f = len(ids)
        ids.append(pid)
        names.append(name)
        types.append(tmask)
        muni_sets.append(munis)
        groups.append(grp)
        budget = rng.uniform(*share) * full[members].sum()
        budget = max(budget, one_seat[members].max()) if len(members) else budget
        budgets.append(math.ceil(budget / d.BUDGET_ROUND) * d.BUDGET_ROUND)
        for j in members:
            lists[j].append(f)

    every = np.ones(len(geo.names), dtype=bool)
    for t, tname in enumerate(d.TYPES):
        for a, area in enumerate(geo.area_names):
            members = np.flatnonzero((P.ptype == t) & (p_area == a))
            if len(members):
                add(
                    f"{TYPE_ABBR[tname]}-{_slug(area)}-{year}",
                    f"{TYPE_NAME_FI[tname]} – {area} {year}",
                    1 << t,
                    geo.area == a,
                    (),
                    members,
                    d.PRIMARY_BUDGET_SHARE,
                )
    for p, (key, _gen) in enumerate(geo.parts):
        in_part = p_part == p
        scope = (geo.part == p) if national else every
        suffix = f"-{key}" if national else ""
        label = geo.part_names[p]
        youth = np.flatnonzero(in_part & ((P.ptype == d.COACHING) | (P.ptype == d.WORK_TRIAL)))
        if len(youth) and "youth" in group_names:
            add(
                f"esf-nuoret{suffix}-{year}",
                f"ESF+ Nuorten polku ({label}) {year}",
                (1 << d.COACHING) | (1 << d.WORK_TRIAL),
                scope,
                ("youth",),
                youth,
                d.OVERLAY_BUDGET_SHARE,
            )
        partial = np.flatnonzero(in_part & ((P.ptype == d.WAGE_SUBSIDY) | (P.ptype == d.COACHING)))
        if len(partial) and "partial_work_ability" in group_names:
            add(
                f"osatyokyky{suffix}-{year}",
                f"Osatyökykyisten polku ({label}) {year}",
                (1 << d.WAGE_SUBSIDY) | (1 << d.COACHING),
                scope,
                ("partial_work_ability",),
                partial,
                d.OVERLAY_BUDGET_SHARE,
            )
        part_munis = np.flatnonzero(geo.part == p)
        city = part_munis[np.argmax(geo.pop[part_munis])]
        third = np.isin(P.v_kind[P.provider], [d.KINDS.index(k) for k in THIRD_SECTOR_KINDS])
        top_up = np.flatnonzero((P.muni == city) & (P.ptype == d.WAGE_SUBSIDY) & third)
        if len(top_up) and "long_term" in group_names:
            add(
                f"{_slug(geo.names[city])}-lisa-{year}",
                f"{geo.names[city]}-lisä {year}",
                1 << d.WAGE_SUBSIDY,
                geo.names == geo.names[city],
                ("long_term",),
                top_up,
                d.OVERLAY_BUDGET_SHARE,
            )

    width = max(1, max(len(x) for x in lists))
    pools = np.full((len(lists), width), -1, dtype=np.int64)
    for j, fl in enumerate(lists):
        pools[j, : len(fl)] = fl
    P.pools = pools
    munis = np.asarray(muni_sets, dtype=bool).reshape(len(ids), len(geo.names))
    # List only municipalities someone lives in (a small queue leaves some empty), unless that
    # leaves nothing; a region-wide pool of a single region lists none (= every municipality).
    homes = np.bincount(C.muni, minlength=len(geo.names)) > 0
    listed = np.where((munis & homes).any(axis=1)[:, None], munis & homes, munis)
    muni_lists = [
        () if m.all() and not national else tuple(geo.names[x])
        for m, x in zip(munis, listed, strict=True)
    ]
    gmask = np.asarray([[g in grp for g in group_names] for grp in groups], dtype=bool).reshape(
        len(ids), len(group_names)
    )
    return _Pools(
        ids=ids,
        names=names,
        budget=np.asarray(budgets, dtype=float),
        types=np.asarray(types, dtype=np.int64),
        munis=munis,
        muni_lists=muni_lists,
        groups=groups,
        group_mask=gmask,
        any_group=np.asarray([not g for g in groups], dtype=bool),
    )


# ---------------------------------------------------------------------------------------------
# feasibility of the generator's own arrays (for decisions), with the engine's formulas
# ---------------------------------------------------------------------------------------------
def _covering(C: _Clients, P: _Placements, F: _Pools, ci: np.ndarray, pj: np.ndarray) -> np.ndarray:
    """``(len, K)`` bool: does the k-th pool of the placement cover this client and type?"""
    assert P.pools is not None and C.groups is not None
    f = P.pools[pj]
    valid = f >= 0
    fc = np.where(valid, f, 0)
    ok = valid & ((F.types[fc] >> P.ptype[pj][:, None]) & 1).astype(bool)
    ok &= F.munis[fc, C.muni[ci][:, None]]
    in_group = (F.group_mask[fc] & C.groups[ci][:, None, :]).any(axis=2)
    return ok & (F.any_group[fc] | in_group)


def _feasible(
    C: _Clients, P: _Placements, F: _Pools, rules: Rules, ci: np.ndarray, pj: np.ndarray
) -> np.ndarray:
    """FORMAT.md's feasibility of (client, placement) pairs, decisions aside."""
    t = P.ptype[pj]
    ok = (C.age[ci] >= rules.age_min) & (C.age[ci] <= rules.age_max)
    ok &= ((C.consents[ci] >> t) & 1).astype(bool)
    max_months = np.asarray([rules.max_months[x] for x in d.TYPES])
    ok &= C.used[ci, t] < max_months[t]
    young = C.age[ci] < rules.participation_youth_age
    ok &= (t != d.PARTICIPATION) | young | (C.days[ci] >= rules.participation_min_benefit_days)
    ok &= C.wa[ci] >= P.min_wa[pj]
    ok &= (C.needs[ci] & ~P.features[pj]) == 0
    ok &= ((C.languages[ci] >> P.language[pj]) & 1).astype(bool)
    levels = np.where(C.has_profile[ci][:, None], C.abilities[ci], C.wa[ci][:, None])
    ok &= (levels >= P.demand[pj]).all(axis=1)
    mode = np.where((P.features[pj] >> d.TRANSPORT_BIT) & 1, d.CAR, C.transport[ci])
    minutes = travel_minutes(rules, C.lat[ci], C.lon[ci], P.lat[pj], P.lon[pj], mode)
    ok &= minutes <= C.commute[ci]
    return ok & _covering(C, P, F, ci, pj).any(axis=1)


def _pair_cost(C: _Clients, P: _Placements, rules: Rules, i: int, j: int) -> float:
    """FORMAT.md pair cost of client i at placement j (the formulas of `models.formulas`)."""
    tname = d.TYPES[P.ptype[j]]
    if tname != "wage_subsidy":
        rate = np.array([rules.type_rate(tname)])
    else:
        third = d.KINDS[P.v_kind[P.provider[j]]] in THIRD_SECTOR_KINDS
        long_term = C.months[i] >= LONG_TERM_MONTHS
        rate = wage_subsidy_rate(
            rules.wage_subsidy_rate, C.partial[[i]], np.array([third and long_term])
        )
    return float(pair_cost(P.weekly_cost[[j]], rate, P.duration[[j]])[0])


def _make_decisions(
    C: _Clients,
    P: _Placements,
    F: _Pools,
    tree: cKDTree,
    lat_ref: float,
    rng: np.random.Generator,
    rules: Rules,
    week: str,
) -> pd.DataFrame:
    """A few locks (feasible, same municipality, free seat, within budget and caps; ≤ 1 per
    client) and forbids (feasible pairs an employer turned down), never on the same pair."""
    n = len(C.age)
    queue = np.flatnonzero(C.current < 0)
    n_lock = min(d.MAX_LOCKS, max(1, round(n * d.LOCKS_PER_CLIENT)))
    n_forbid = min(d.MAX_FORBIDS, max(1, round(n * d.FORBIDS_PER_CLIENT)))
    year, num = parse_week(week)
    at = (date.fromisocalendar(year, num, 1) - timedelta(days=3)).isoformat()
    rows: list[dict[str, Any]] = []
    seats_left = P.seats.astype(float).copy()
    cap_left = P.v_cap.copy()
    pool_left = F.budget * d.LOCK_BUDGET_SHARE
    locked: set[tuple[int, int]] = set()

    cand = rng.permutation(queue)[: n_lock * 10]
    if len(cand):
        nb = _neighbours(tree, C, cand, lat_ref, 30)
        ci, pj = np.repeat(cand, nb.shape[1]), nb.ravel()
        ok = _feasible(C, P, F, rules, ci, pj) & (P.muni[pj] == C.muni[ci]) & (P.seats[pj] >= 1)
        cover = _covering(C, P, F, ci, pj)
        ok, cover = ok.reshape(nb.shape), cover.reshape(*nb.shape, -1)
        for r, i in enumerate(cand):
            if len(locked) >= n_lock:
                break
            for col in np.flatnonzero(ok[r]):
                j = int(nb[r, col])
                v = int(P.provider[j])
                capped = P.ptype[j] == d.WAGE_SUBSIDY and not np.isnan(cap_left[v])
                if seats_left[j] < 1 or (capped and cap_left[v] < 1):
                    continue
                cost = _pair_cost(C, P, rules, int(i), j)
                pools = [int(f) for f in P.pools[j][cover[r, col]] if pool_left[f] >= cost]
                if not pools:
                    continue
                seats_left[j] -= 1
                pool_left[pools[0]] -= cost
                if capped:
                    cap_left[v] -= 1
                locked.add((int(i), j))
                rows.append(
                    {
                        "client_id": int(i),
                        "placement_id": j,
                        "decision": "lock",
                        "reason": "agreed with the client at the weekly team meeting",
                        "by": "weekly-team",
                        "at": at,
                    }
                )
                break

    cand = rng.permutation(queue)[: n_forbid * 10]
    forbidden = 0
    if len(cand):
        nb = _neighbours(tree, C, cand, lat_ref, 30)
        ci, pj = np.repeat(cand, nb.shape[1]), nb.ravel()
        ok = _feasible(C, P, F, rules, ci, pj).reshape(nb.shape)
        pick = np.argmax(ok * rng.random(nb.shape), axis=1)
        for r, i in enumerate(cand):
            if forbidden >= n_forbid:
                break
            j = int(nb[r, pick[r]])
            if not ok[r, pick[r]] or (int(i), j) in locked:
                continue
            forbidden += 1
            rows.append(
                {
                    "client_id": int(i),
                    "placement_id": j,
                    "decision": "forbid",
                    "reason": "employer declined after the interview",
                    "by": "employer-liaison",
                    "at": at,
                }
            )
    frame = pd.DataFrame(
        rows, columns=["client_id", "placement_id", "decision", "reason", "by", "at"]
    )
    frame["client_id"] = [_client_id(i, n) for i in frame["client_id"]]
    frame["placement_id"] = [_placement_id(j, len(P.ptype)) for j in frame["placement_id"]]
    return typed_frame(frame.astype(object), "decisions.csv")


# ---------------------------------------------------------------------------------------------
# frames
# ---------------------------------------------------------------------------------------------
def _width(count: int) -> int:
    return max(2, len(str(count)))


def _client_id(i: int, n: int) -> str:
    return f"c{i + 1:0{_width(n)}d}"


def _placement_id(j: int, m: int) -> str:
    return f"p{j + 1:0{_width(m)}d}"


def _ids(prefix: str, count: int) -> np.ndarray:
    w = _width(count)
    return np.asarray([f"{prefix}{i:0{w}d}" for i in range(1, count + 1)], dtype=object)


def _cells(masks: np.ndarray, vocab: tuple[str, ...]) -> np.ndarray:
    """Tuple cells from bitmasks over `vocab` (one tuple built per distinct mask)."""
    uniq, inv = np.unique(masks, return_inverse=True)
    table = np.empty(len(uniq), dtype=object)
    for u, mask in enumerate(uniq):
        table[u] = tuple(v for b, v in enumerate(vocab) if (int(mask) >> b) & 1)
    return table[inv.reshape(-1)]


def _kv_cells(
    values: np.ndarray, keys: tuple[str, ...], rows: np.ndarray | None = None
) -> list[dict[str, float]]:
    """Dict cells (non-zero entries) of an ``(n, k)`` matrix; only `rows` get entries if given.

    One dict is built per distinct row and copied per client (cells must not share a dict).
    """
    values = np.asarray(values)
    if rows is not None:
        values = np.where(np.asarray(rows, dtype=bool)[:, None], values, 0)
    uniq, inv = np.unique(values, axis=0, return_inverse=True)
    table = [{keys[k]: float(row[k]) for k in np.flatnonzero(row)} for row in uniq]
    return [dict(table[i]) for i in inv.reshape(-1)]


def _object(values: Any) -> pd.Series:
    return pd.Series(values, dtype=object)


def _client_frame(C: _Clients, P: _Placements, geo: _Geo) -> pd.DataFrame:
    n, m = len(C.age), len(P.ptype)
    pid = _ids("p", m)
    wishes = C.wishes or [()] * n
    frame = pd.DataFrame(
        {
            "id": _ids("c", n),
            "municipality": geo.names[C.muni],
            "lat": C.lat,
            "lon": C.lon,
            "age": C.age,
            "benefit_days": C.days,
            "unemployed_months": C.months,
            "work_ability": C.wa,
            "partial_work_ability": C.partial,
            "languages": _object(_cells(C.languages, d.LANGUAGES)),
            "needs": _object(_cells(C.needs, d.NEEDS)),
            "interests": _object(_cells(C.interests, d.SECTORS)),
            "transport": np.asarray(TRANSPORT_MODES, dtype=object)[C.transport],
            "max_commute_min": C.commute,
            "consents": _object(_cells(C.consents, d.TYPES)),
            "wishes": _object([tuple(pid[list(w)]) if w else () for w in wishes]),
            "current_placement": np.where(C.current >= 0, pid[np.maximum(C.current, 0)], ""),
            "months_used": _object(_kv_cells(C.used, d.TYPES)),
            "weeks_since_activation": C.weeks,
            "abilities": _object(_kv_cells(C.abilities, d.ABILITY_KEYS, rows=C.has_profile)),
        }
    )
    frame["current_placement"] = frame["current_placement"].astype(object)
    return typed_frame(frame, "clients.csv")


def _placement_frame(P: _Placements, F: _Pools, geo: _Geo) -> pd.DataFrame:
    m = len(P.ptype)
    assert P.pools is not None
    pool_ids = np.asarray(F.ids, dtype=object)
    funding = [tuple(pool_ids[row[row >= 0]]) for row in P.pools]
    frame = pd.DataFrame(
        {
            "id": _ids("p", m),
            "type": np.asarray(d.TYPES, dtype=object)[P.ptype],
            "provider_id": _ids("v", len(P.v_kind))[P.provider],
            "municipality": geo.names[P.muni],
            "lat": P.lat,
            "lon": P.lon,
            "seats": P.seats,
            "min_work_ability": P.min_wa,
            "language": np.asarray(d.LANGUAGES, dtype=object)[P.language],
            "features": _object(_cells(P.features, d.FEATURES)),
            "sector": np.asarray(d.SECTORS, dtype=object)[P.sector],
            "duration_weeks": P.duration,
            "weekly_cost": P.weekly_cost.astype(float),
            "funding_pools": _object(funding),
            "demands": _object(_kv_cells(P.demand, d.ABILITY_KEYS)),
        }
    )
    return typed_frame(frame, "placements.csv")


def _pool_frame(F: _Pools) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": _object(F.ids),
            "name": _object(F.names),
            "budget": F.budget,
            "types": _object(_cells(F.types, d.TYPES)),
            "municipalities": _object(F.muni_lists),
            "groups": _object(F.groups),
        }
    )
    return typed_frame(frame, "funding.csv")


# Provider names: built from parts so that they read like real Finnish (or Swedish) organisations.
SURNAMES = (
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
    "Salo",
    "Laitinen",
    "Tuominen",
    "Rantanen",
    "Karjalainen",
    "Jokinen",
    "Mattila",
    "Savolainen",
    "Lahtinen",
    "Ahonen",
)
BUSINESS_WORDS: dict[str, tuple[str, ...]] = {
    "care": ("Hoivapalvelut", "Kotihoito"),
    "cleaning": ("Siivouspalvelu", "Puhtaanapito"),
    "construction": ("Rakennus", "Remontti"),
    "logistics": ("Kuljetus", "Logistiikka"),
    "retail": ("Kauppa", "Rautakauppa"),
    "food_service": ("Ravintola", "Lounaskeittiö"),
    "manufacturing": ("Metalli", "Konepaja"),
    "office": ("Tilitoimisto", "Toimistopalvelu"),
    "it": ("IT-palvelut", "Datatalo"),
    "property_maintenance": ("Kiinteistöhuolto", "Isännöinti"),
    "recycling": ("Kierrätys", "Kierrätyskeskus"),
    "agriculture": ("Maatalous", "Puutarha"),
    "crafts": ("Puuseppä", "Käsityö"),
}
ASSOCIATION_WORDS = (
    "Työttömät",
    "Kierrätyskeskus",
    "Mielenterveysseura",
    "Nuorisoseura",
    "Työpaja",
    "Setlementti",
    "Martat",
    "Kansalaistoiminnan keskus",
)
FOUNDATION_WORDS = ("Työvalmennussäätiö", "Nuorisosäätiö", "Kuntoutussäätiö", "Diakoniasäätiö")
SOCIAL_WORDS = ("Työpaja Oy", "Kierrätyspaja Oy", "Palvelupaja Oy", "Työosuuskunta")
MUNICIPAL_UNITS = (
    "työllisyyspalvelut",
    "tekninen toimi",
    "nuorisopalvelut",
    "ruokapalvelut",
    "kotihoito",
    "liikuntapalvelut",
)
FARM_NAMES = (
    "Mäkelän",
    "Ylitalon",
    "Rantalan",
    "Koivurannan",
    "Peltolan",
    "Kotiniemen",
    "Honkalan",
    "Mustikkamäen",
    "Kuusiston",
    "Järvelän",
    "Alatalon",
    "Niittylän",
)
FARM_WORDS = ("tila", "hoivatila", "luomutila", "hevostila")
SV_FARMS = ("Backgården", "Strandgården", "Ängsgården", "Bergsgården", "Åkergården", "Skogsgården")
SV_WORDS = {
    d.COMPANY: ("Transport Ab", "Bygg Ab", "Service Ab", "Handel Ab", "Metall Ab"),
    d.ASSOCIATION: ("Arbetscenter rf", "Ungdomsförening rf", "Marthaförening rf"),
    d.FOUNDATION: ("Arbetsverkstad sr",),
    d.SOCIAL_ENTERPRISE: ("Arbetsverkstad Ab", "Återbruk Ab"),
    d.MUNICIPALITY: ("sysselsättningstjänster", "tekniska sektorn"),
}


def _provider_names(P: _Placements, geo: _Geo, rng: np.random.Generator) -> list[str]:
    picks = rng.integers(0, 1 << 30, size=(len(P.v_kind), 3))
    region_gen = [geo.parts[p][1] for p in geo.part]
    names: list[str] = []
    for v, (muni, kind, sector) in enumerate(zip(P.v_muni, P.v_kind, P.v_sector, strict=True)):
        a, b, c = (int(x) for x in picks[v])
        mgen, rgen, svname = geo.genitive[muni], region_gen[muni], geo.sv_name[muni]
        swedish = bool(svname) and geo.sv[muni] >= 0.5
        word = BUSINESS_WORDS[d.SECTORS[sector]][b % 2]
        if swedish:
            name = (
                SV_FARMS[a % len(SV_FARMS)]
                if kind == d.FARM
                else f"{svname} {SV_WORDS[kind][a % len(SV_WORDS[kind])]}"
            )
        elif kind == d.COMPANY:
            name = (
                f"{word} {SURNAMES[c % len(SURNAMES)]} Oy",
                f"{mgen} {word} Oy",
                f"{rgen} {word} Oy",
            )[a % 3]
        elif kind == d.ASSOCIATION:
            name = f"{mgen} {ASSOCIATION_WORDS[a % len(ASSOCIATION_WORDS)]} ry"
        elif kind == d.FOUNDATION:
            name = f"{(mgen, rgen)[b % 2]} {FOUNDATION_WORDS[a % len(FOUNDATION_WORDS)]} sr"
        elif kind == d.SOCIAL_ENTERPRISE:
            word = SOCIAL_WORDS[a % len(SOCIAL_WORDS)]
            name = f"{mgen} {word}" if word != "Työosuuskunta" else f"{rgen} Työosuuskunta"
        elif kind == d.MUNICIPALITY:
            name = f"{mgen} {MUNICIPAL_UNITS[a % len(MUNICIPAL_UNITS)]}"
        else:
            name = (
                f"{FARM_NAMES[a % len(FARM_NAMES)]} {FARM_WORDS[c % len(FARM_WORDS)]}",
                f"{rgen} Hoivafarmi Oy",
            )[b % 4 == 0]
        names.append(name)
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}, toimipiste {seen[name]}")
    return out


def _provider_frame(P: _Placements, geo: _Geo, rng: np.random.Generator) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": _ids("v", len(P.v_kind)),
            "name": _object(_provider_names(P, geo, rng)),
            "kind": np.asarray(d.KINDS, dtype=object)[P.v_kind],
            "municipality": geo.names[P.v_muni],
            "max_subsidised": P.v_cap,
        }
    )
    return typed_frame(frame, "providers.csv")


def summary(inst: Instance) -> str:
    """One line: name, sizes, seats, pools and decisions of an instance."""
    pl = inst.placements
    locks = int((inst.decisions["decision"] == "lock").sum()) if len(inst.decisions) else 0
    seats = int(pl["seats"].sum())
    budget = inst.pools["budget"].sum()
    return (
        f"{inst.name}: {len(inst.clients)} clients, {len(pl)} placements ({seats} seats), "
        f"{len(inst.providers)} providers, {len(inst.pools)} pools (€{budget:,.0f}), "
        f"{locks} locks, {len(inst.decisions) - locks} forbids"
    )
