"""Funding pools per type and employment area plus region-wide overlays, with budgets sized from
the cost of filling their seats.
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

from instances import distributions as d
from instances import placement_distributions as pdist
from instances.generator.state import ClientArrays, Geo, PlacementArrays, PoolArrays
from models.formulas import LONG_TERM_MONTHS, pair_cost
from models.instance import Instance
from models.lifecycle import days_per_week
from models.rules import THIRD_SECTOR_KINDS, Rules

TYPE_ABBR = {"work_trial": "tk", "wage_subsidy": "pt", "coaching": "tv", "participation": "ktt"}


TYPE_NAME_FI = {
    "work_trial": "Työkokeilu",
    "wage_subsidy": "Palkkatuki",
    "coaching": "Työvalmennus",
    "participation": "Kuntouttava työtoiminta",
}


def _wage_rate_by_kind(C: ClientArrays, rules: Rules) -> np.ndarray:
    queue = C.current < 0
    partial, long_term = C.partial[queue], C.months[queue] >= LONG_TERM_MONTHS
    return np.asarray(
        [
            pdist.expected_wage_rate(
                rules.wage_subsidy_rate, partial, long_term, k in THIRD_SECTOR_KINDS
            )
            for k in d.KINDS
        ]
    )


def _seat_cost(P: PlacementArrays, C: ClientArrays, rules: Rules) -> np.ndarray:
    """Cost of one seat of each placement at the queue's expected rate (FORMAT.md pair cost)."""
    rate = np.asarray(
        [rules.cost_rate.get(t, 1.0) if t != "wage_subsidy" else 0.0 for t in d.TYPES]
    )[P.ptype]
    ws = P.ptype == d.WAGE_SUBSIDY
    rate = np.where(ws, _wage_rate_by_kind(C, rules)[P.v_kind[P.provider]], rate)
    return pair_cost(P.week_cost(), rate, P.duration)


def full_seat_costs(inst: Instance, default_rate: bool = False) -> np.ndarray:
    """Per placement: seats × weekly_cost × days/5 × rate × duration_weeks ("filling every seat").

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
        k: pdist.expected_wage_rate(rates, partial, long_term, k in THIRD_SECTOR_KINDS)
        for k in d.KINDS
    }
    ws = rates.get("default", 0.5) if default_rate else kind.map(mix).to_numpy(dtype=float)
    rate = np.where(
        pl["type"] == "wage_subsidy", ws, [rules.cost_rate.get(t, 1.0) for t in pl["type"]]
    )
    week_cost = pl["weekly_cost"].to_numpy() * days_per_week(pl, rules.week_days) / rules.week_days
    seat = pair_cost(week_cost, rate, pl["duration_weeks"].to_numpy())
    return pl["seats"].to_numpy() * seat


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def make_pools(
    geo: Geo, P: PlacementArrays, C: ClientArrays, rng: np.random.Generator, rules: Rules, year: int
) -> PoolArrays:
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
        budgets.append(math.ceil(budget / pdist.BUDGET_ROUND) * pdist.BUDGET_ROUND)
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
                    pdist.PRIMARY_BUDGET_SHARE,
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
                pdist.OVERLAY_BUDGET_SHARE,
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
                pdist.OVERLAY_BUDGET_SHARE,
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
                pdist.OVERLAY_BUDGET_SHARE,
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
    listed = np.where(np.asarray((munis & homes).any(axis=1))[:, None], munis & homes, munis)
    muni_lists = [
        () if m.all() and not national else tuple(geo.names[x])
        for m, x in zip(munis, listed, strict=True)
    ]
    gmask = np.asarray([[g in grp for g in group_names] for grp in groups], dtype=bool).reshape(
        len(ids), len(group_names)
    )
    return PoolArrays(
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
