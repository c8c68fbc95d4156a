"""Shared test factories: client, placement, provider and pool records with a full set of
fields, a one-provider one-pool instance around them, tiny constraint Rows built by hand, and
brute force over those Rows (the oracle of the solver tests).

Each test module keeps its own defaults by `functools.partial(client, work_ability=5, ...)`:
keywords given at the call override the partial's, which override the base row here.
"""

from __future__ import annotations

import copy
import itertools
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from instances.build import build_instance
from matcher.allocation.constraints import Rows
from models.instance import Instance

ROOT = Path(__file__).resolve().parents[1]  # the repository (the folder `polku serve` runs in)
KUOPIO = (62.89, 27.68)
TYPES = ["work_trial", "wage_subsidy", "coaching", "participation"]


def client(cid: str = "c", /, **changes: Any) -> dict[str, Any]:
    """A clients.csv record: a queue client in Kuopio, by car, open to every placement type."""
    row: dict[str, Any] = dict(
        id=cid,
        municipality="Kuopio",
        lat=KUOPIO[0],
        lon=KUOPIO[1],
        age=40,
        benefit_days=600,
        unemployed_months=6,
        work_ability=4,
        partial_work_ability=False,
        languages=["fi"],
        needs=[],
        interests=[],
        transport="car",
        max_commute_min=60,
        consents=TYPES,
        wishes=[],
        current_placement="",
        months_used={},
        weeks_since_activation=None,
        abilities={},
    )
    row.update(copy.deepcopy(changes))  # no list shared between rows
    return row


def placement(pid: str = "p", /, **changes: Any) -> dict[str, Any]:
    """A placements.csv record: one coaching seat in Kuopio by provider v1, 100 € × 10 weeks
    paid by pool f."""
    row: dict[str, Any] = dict(
        id=pid,
        type="coaching",
        provider_id="v1",
        municipality="Kuopio",
        lat=KUOPIO[0],
        lon=KUOPIO[1],
        seats=1,
        min_work_ability=1,
        language="fi",
        features=[],
        sector="",
        duration_weeks=10,
        weekly_cost=100.0,
        funding_pools=["f"],
        demands={},
    )
    row.update(copy.deepcopy(changes))  # no list shared between rows
    return row


def provider(vid: str = "v1", /, **changes: Any) -> dict[str, Any]:
    """A providers.csv record: a company in Kuopio with no wage-subsidy cap."""
    row: dict[str, Any] = dict(
        id=vid, name="Paja", kind="company", municipality="Kuopio", max_subsidised=None
    )
    row.update(copy.deepcopy(changes))  # no list shared between rows
    return row


def pool(fid: str = "f", /, **changes: Any) -> dict[str, Any]:
    """A pools.csv record: a pool for every type and municipality."""
    row: dict[str, Any] = dict(id=fid, name="Pool", budget=10_000.0, types=[], municipalities=[])
    row.update(copy.deepcopy(changes))  # no list shared between rows
    return row


def instance(
    clients: Iterable[Mapping[str, Any]],
    placements: Iterable[Mapping[str, Any]],
    *,
    providers: Iterable[Mapping[str, Any]] | None = None,
    pools: Iterable[Mapping[str, Any]] | None = None,
    decisions: Iterable[Mapping[str, Any]] = (),
    **kw: Any,
) -> Instance:
    """An instance of these clients and placements; by default provider v1 and pool f."""
    return build_instance(
        clients=clients,
        placements=placements,
        providers=[provider()] if providers is None else providers,
        pools=[pool()] if pools is None else pools,
        decisions=list(decisions),
        **kw,
    )


def make_rows(
    triples: Sequence[tuple[int, int, int, int]],
    seats: Sequence[int],
    budgets: Sequence[int] = (),
    provider_of: Sequence[int] | None = None,
    caps: dict[int, int] | None = None,
    locks: Sequence[tuple[int, int]] = (),
) -> Rows:
    """Rows over `triples` = (client, placement, pool or −1, cost in cents), grouped by client.

    Families in the engine's order: client, seats, budget, cap (wage-subsidy caps per provider
    for every placement of `provider_of` whose provider is in `caps`), lock (exactly one triple of
    each locked (client, placement))."""
    t = np.asarray(triples, dtype=np.int64).reshape(-1, 4)
    client, placement, pool, cents = t[:, 0], t[:, 1], t[:, 2], t[:, 3]
    entries: list[tuple[int, int, int]] = []
    lo: list[int] = []
    hi: list[int] = []
    family: list[str] = []
    owner: list[int] = []

    def add(name: str, own: int, cols: np.ndarray, vals: np.ndarray, low: int, high: int) -> None:
        r = len(lo)
        entries.extend((r, int(c), int(v)) for c, v in zip(cols, vals, strict=True))
        lo.append(low)
        hi.append(high)
        family.append(name)
        owner.append(own)

    for c in sorted(set(client.tolist())):
        cols = np.flatnonzero(client == c)
        add("client", c, cols, np.ones(len(cols), np.int64), 0, 1)
    for p in sorted(set(placement.tolist())):
        cols = np.flatnonzero(placement == p)
        add("seats", p, cols, np.ones(len(cols), np.int64), 0, int(seats[p]))
    for f in sorted(set(pool[pool >= 0].tolist())):
        cols = np.flatnonzero((pool == f) & (cents > 0))
        if len(cols):
            add("budget", f, cols, cents[cols], 0, int(budgets[f]))
    if caps and provider_of is not None:
        prov = np.asarray(provider_of)[placement]
        for v, cap in sorted(caps.items()):
            cols = np.flatnonzero(prov == v)
            if len(cols):
                add("cap", v, cols, np.ones(len(cols), np.int64), 0, int(cap))
    for k, (c, p) in enumerate(locks):
        cols = np.flatnonzero((client == c) & (placement == p))
        add("lock", k, cols, np.ones(len(cols), np.int64), 1, 1)
    r, c, v = (np.array([e[i] for e in entries], dtype=np.int64) for i in range(3))
    matrix = sp.csr_matrix((v, (r, c)), shape=(len(lo), len(t)), dtype=np.int64)
    return Rows(
        matrix=matrix,
        lo=np.array(lo, dtype=np.int64),
        hi=np.array(hi, dtype=np.int64),
        family=np.array(family),
        owner=np.array(owner, dtype=np.int64),
        cost_cents=cents.copy(),
    )


def feasible(rows: Rows, chosen: np.ndarray) -> bool:
    """Does the 0/1 choice satisfy every row?"""
    use = rows.matrix @ np.asarray(chosen, dtype=np.int64)
    return bool(np.all(use <= rows.hi) and np.all(use >= rows.lo))


def brute_force(rows: Rows, score: np.ndarray) -> tuple[float, np.ndarray]:
    """The best feasible 0/1 choice by enumeration (tiny tables only): (value, chosen)."""
    n = rows.matrix.shape[1]
    if n > 16:
        raise ValueError(f"brute force over {n} triples is too slow")
    score = np.asarray(score, dtype=np.float64)
    best, best_x = -np.inf, np.zeros(n, dtype=bool)
    for bits in itertools.product((False, True), repeat=n):
        x = np.array(bits, dtype=bool)
        if feasible(rows, x):
            value = float(score[x].sum())
            if value > best:
                best, best_x = value, x
    return best, best_x


def english_fragments() -> set[str]:
    """The literal parts of every English message with two words or more, that are not also part
    of the Finnish message (a place name or unit the languages share)."""
    from matcher.messages import CATALOGUE

    found = set()
    for entry in CATALOGUE.values():
        fi = entry["fi"]
        for literal, *_ in string.Formatter().parse(entry["en"]):
            for part in re.split(r"[():;,—]", literal):
                part = part.strip()
                if len(re.findall(r"[A-Za-z]+", part)) >= 2 and part not in fi:
                    found.add(part)
    return found


def english_in(texts: list[str]) -> list[str]:
    """The English catalogue fragments found in `texts` (a Finnish output should hold none)."""
    fragments = english_fragments()
    joined = "\n".join(texts)
    return sorted(f for f in fragments if f in joined)
