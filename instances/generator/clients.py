"""The queue: clients drawn per municipality, then linked to nearby placements (wishes, current
placements).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from instances import distributions as d
from instances.generator.geography import scatter
from instances.generator.state import KM_PER_DEGREE, ClientArrays, Geo, PlacementArrays
from models.rules import Rules


def make_clients(geo: Geo, n: int, rng: np.random.Generator, rules: Rules) -> ClientArrays:
    muni = rng.choice(len(geo.pop), size=n, p=geo.pop / geo.pop.sum())
    urban = geo.urban[muni]
    lat, lon = scatter(rng, geo.lat[muni], geo.lon[muni], urban, d.HOME_SCATTER)
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
    weeks = d.sample_weeks_since_activation(rng, np.asarray(used.any(axis=1)), months)
    has_profile, abilities = d.sample_abilities(rng, wa, age)
    return ClientArrays(
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


def placement_tree(P: PlacementArrays) -> tuple[cKDTree, float]:
    """KD-tree over placement sites in local km, and the latitude the projection is centred on."""
    lat_ref = float(P.lat.mean())
    return cKDTree(_xy(P.lat, P.lon, lat_ref)), lat_ref


def neighbours(
    tree: cKDTree, C: ClientArrays, rows: np.ndarray, lat_ref: float, k: int
) -> np.ndarray:
    """``(len(rows), k)`` placement codes nearest to each client in `rows`, nearest first."""
    k = min(k, tree.n)
    _, idx = tree.query(_xy(C.lat[rows], C.lon[rows], lat_ref), k=k)
    return np.asarray(idx, dtype=np.int64).reshape(len(rows), k)


def _consented(C: ClientArrays, P: PlacementArrays, rows: np.ndarray, nb: np.ndarray) -> np.ndarray:
    return ((C.consents[rows][:, None] >> P.ptype[nb]) & 1).astype(bool)


def link_clients(
    C: ClientArrays,
    P: PlacementArrays,
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
        nb = neighbours(tree, C, cur_rows, lat_ref, 20)
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
        nb = neighbours(tree, C, wish_rows, lat_ref, d.WISH_NEIGHBOURS)
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


def organiser_history(
    C: ClientArrays, P: PlacementArrays, tree: cKDTree, lat_ref: float, rng: np.random.Generator
) -> None:
    """Months per organiser: for ORGANISER_HISTORY_SHARE of the clients with work-trial months,
    those months were at the provider of a work trial near home (so some are at the limit)."""
    n = len(C.age)
    history: list[dict[int, float]] = [{} for _ in range(n)]
    used = C.used[:, d.WORK_TRIAL]
    rows = np.flatnonzero((used > 0) & (rng.random(n) < d.ORGANISER_HISTORY_SHARE))
    trials = P.ptype == d.WORK_TRIAL
    if len(rows) and trials.any():
        nb = neighbours(tree, C, rows, lat_ref, 20)
        ok = trials[nb]
        has = ok.any(axis=1)
        pick = nb[has, np.argmax(ok[has], axis=1)]
        for i, j in zip(rows[has].tolist(), pick.tolist(), strict=True):
            history[i] = {int(P.provider[j]): float(used[i])}
    C.by_provider = history
