"""Synthetic regional instances: a week's queue, seats, providers, pools and decisions for a region.

`generate_instance` draws everything from `instances.distributions` (where every distribution is
documented) over the municipalities of `instances.regions`, vectorised with numpy so that a
300 000-client national instance takes seconds, and deterministic per seed: each part (region,
placements, clients, links, pools, decisions, organiser history, later starts) has its own
random stream, spawned from the seed.
"""

from __future__ import annotations

import numpy as np

from instances import distributions as d
from instances import placement_distributions as pdist
from instances.generator.clients import (
    link_clients,
    make_clients,
    organiser_history,
    placement_tree,
)
from instances.generator.decisions import make_decisions
from instances.generator.frames import clients_frame, placements_frame, pools_frame
from instances.generator.funding import make_pools
from instances.generator.geography import region_arrays
from instances.generator.placements import make_caps, make_placements
from instances.generator.providers import providers_frame
from instances.generator.state import parse_week
from instances.regions import resolve_region
from models.columnar import client_groups
from models.instance import FORMAT_VERSION, Instance
from models.rules import Rules
from models.weights import Weights

DEFAULT_WEEK = "2026-W48"  # a fixed default keeps the output a function of the arguments only


def default_placements(clients: int) -> int:
    """Default number of placements for a queue of `clients` (≈ N/12, at least 15)."""
    return max(d.MIN_PLACEMENTS, int(round(clients * d.PLACEMENTS_PER_CLIENT)))


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
    # a new stream is spawned last, so the streams before it (and what they draw) stay the same
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    r_region, r_place, r_client, r_link, r_pool, r_decide, r_history, r_start = streams
    reg = resolve_region(region, r_region)
    rules = Rules.from_dict({})
    geo = region_arrays(reg)
    P = make_placements(geo, m, r_place)
    P.start_offset = pdist.sample_start_offsets(r_start, m)
    C = make_clients(geo, clients, r_client, rules)
    tree, lat_ref = placement_tree(P)
    link_clients(C, P, tree, lat_ref, r_link, rules)
    organiser_history(C, P, tree, lat_ref, r_history)
    client_frame = clients_frame(C, P, geo)
    C.groups = client_groups(client_frame, rules.groups)
    F = make_pools(geo, P, C, r_pool, rules, year)
    make_caps(P, r_pool)
    decisions = make_decisions(C, P, F, tree, lat_ref, r_decide, rules, week)
    inst_name = name or f"{reg.key}-{week}"
    return Instance(
        name=inst_name,
        week=week,
        rules=rules,
        weights=Weights.from_dict({}),
        clients=client_frame,
        placements=placements_frame(P, F, geo, week),
        providers=providers_frame(P, geo, r_place),
        pools=pools_frame(F),
        decisions=decisions,
        format_version=FORMAT_VERSION,
    )


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
