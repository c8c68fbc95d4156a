"""Placements and providers by type and place (farms in the countryside, wage-subsidy posts in
towns), and the providers' wage-subsidy caps.
"""

from __future__ import annotations

import math

import numpy as np

from instances import distributions as d
from instances import placement_distributions as pdist
from instances.generator.geography import offset, scatter
from instances.generator.state import Geo, PlacementArrays


def _choice_by(
    rng: np.random.Generator, values: tuple[int, ...], p: tuple[float, ...], n: int
) -> np.ndarray:
    return rng.choice(np.asarray(values), size=n, p=np.asarray(p) / np.sum(p))


def make_placements(geo: Geo, m: int, rng: np.random.Generator) -> PlacementArrays:
    ptype = rng.choice(len(d.TYPES), size=m, p=pdist.TYPE_SHARES)
    if m >= len(d.TYPES):
        ptype[: len(d.TYPES)] = np.arange(len(d.TYPES))  # every type present
        ptype = rng.permutation(ptype)
    muni = np.empty(m, dtype=np.int64)
    for t in range(len(d.TYPES)):
        idx = np.flatnonzero(ptype == t)
        w = geo.pop * np.asarray(pdist.TYPE_CLASS_WEIGHT[t])[geo.urban]
        muni[idx] = rng.choice(len(w), size=len(idx), p=w / w.sum())
    urban = geo.urban[muni]
    kind = np.empty(m, dtype=np.int64)
    for t in range(len(d.TYPES)):
        for c in (d.CITY, d.TOWN, d.RURAL):
            idx = np.flatnonzero((ptype == t) & (urban == c))
            kind[idx] = rng.choice(len(d.KINDS), size=len(idx), p=pdist.KIND_P[t][c])

    # Providers: the placements of one (municipality, kind) split among ~count/mean providers.
    group = muni * len(d.KINDS) + kind
    uniq, inv, counts = np.unique(group, return_inverse=True, return_counts=True)
    per = np.asarray(pdist.PLACEMENTS_PER_PROVIDER)[uniq % len(d.KINDS)]
    n_prov = np.ceil(counts / per).astype(np.int64)
    local = rng.integers(0, n_prov[inv])
    keys, provider = np.unique(group * (m + 1) + local, return_inverse=True)
    v_group = keys // (m + 1)
    v_muni, v_kind = v_group // len(d.KINDS), v_group % len(d.KINDS)
    v_lat, v_lon = scatter(rng, geo.lat[v_muni], geo.lon[v_muni], geo.urban[v_muni], d.SITE_SCATTER)
    farm = np.flatnonzero(v_kind == d.FARM)
    ring = np.asarray([d.FARM_RING_KM[c] for c in (d.CITY, d.TOWN, d.RURAL)])[
        geo.urban[v_muni[farm]]
    ]
    r = rng.uniform(ring[:, 0], ring[:, 1])
    angle = rng.uniform(0, 2 * math.pi, len(farm))
    v_lat[farm], v_lon[farm] = offset(
        geo.lat[v_muni[farm]], geo.lon[v_muni[farm]], r * np.cos(angle), r * np.sin(angle)
    )
    v_sector = pdist.sample_sector(rng, v_kind)

    seats = np.empty(m, dtype=np.int64)
    min_wa = np.empty(m, dtype=np.int64)
    duration = np.empty(m, dtype=np.int64)
    for t in range(len(d.TYPES)):
        idx = np.flatnonzero(ptype == t)
        seats[idx] = _choice_by(rng, *pdist.SEATS[t], len(idx))
        min_wa[idx] = _choice_by(rng, (1, 2, 3, 4, 5), pdist.MIN_WORK_ABILITY_P[t], len(idx))
        duration[idx] = _choice_by(rng, *pdist.DURATION[t], len(idx))
    own_sector = pdist.sample_sector(rng, kind)
    sector = np.where(rng.random(m) < 0.7, v_sector[provider], own_sector)
    has_demand, demand_key, demand_level = pdist.sample_demands(rng, sector, min_wa)
    demand = np.zeros((m, len(d.ABILITY_KEYS)), dtype=np.int64)
    demand[np.flatnonzero(has_demand), demand_key[has_demand]] = demand_level[has_demand]
    weekly_cost, days = pdist.sample_weekly_cost(rng, ptype, kind)
    return PlacementArrays(
        ptype=ptype,
        muni=muni,
        provider=provider.astype(np.int64),
        lat=v_lat[provider],
        lon=v_lon[provider],
        seats=seats,
        min_wa=min_wa,
        language=pdist.sample_language(rng, geo.sv[muni], urban),
        features=pdist.with_part_time(pdist.sample_features(rng, ptype, kind), days),
        sector=sector,
        duration=duration,
        weekly_cost=weekly_cost,
        days=days,
        demand=demand,
        v_muni=v_muni,
        v_kind=v_kind,
        v_sector=v_sector,
        v_cap=np.full(len(keys), np.nan),
    )


def make_caps(P: PlacementArrays, rng: np.random.Generator) -> None:
    """Cap the wage-subsidy hires of a share of the providers with ≥ 2 wage-subsidy seats."""
    ws_seats = np.bincount(
        P.provider, weights=P.seats * (P.ptype == d.WAGE_SUBSIDY), minlength=len(P.v_kind)
    )
    eligible = ws_seats >= 2
    pick = eligible & (rng.random(len(ws_seats)) < pdist.CAP_SHARE)
    cap = np.maximum(1, np.floor(ws_seats * rng.uniform(*pdist.CAP_FRACTION, len(ws_seats))))
    P.v_cap = np.where(pick, cap, np.nan)
