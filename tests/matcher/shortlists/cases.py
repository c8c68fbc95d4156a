"""Shared pieces of the shortlist tests (no tests here): queue clients and coaching seats in
Kuopio, a one-pool instance, list ids, random small instances for the property tests, and brute
force over every combination of employer picks."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from typing import Any

from hypothesis import strategies as st

from models.instance import Instance
from models.shortlists import Shortlists
from tests import factories
from tests.factories import TYPES


def client(cid: str, days: int = 600, **kw: Any) -> dict[str, Any]:
    """A queue client in Kuopio; `days` (benefit days) orders the priorities."""
    return factories.client(cid, **{"benefit_days": days, "weeks_since_activation": 10, **kw})


def placement(
    pid: str, seats: int = 1, weekly: float = 100.0, weeks: int = 10, **kw: Any
) -> dict[str, Any]:
    """A coaching placement in Kuopio costing weekly × weeks € per seat, paid by pool f."""
    return factories.placement(
        pid, **{"seats": seats, "weekly_cost": weekly, "duration_weeks": weeks, **kw}
    )


def make(
    clients: list[dict[str, Any]],
    placements: list[dict[str, Any]],
    budget: float = 1e6,
    decisions: list[dict[str, Any]] | None = None,
    providers: list[dict[str, Any]] | None = None,
    pools: list[dict[str, Any]] | None = None,
) -> Instance:
    """An instance of provider v1 and one pool f of `budget` € unless others are given."""
    return factories.instance(
        clients,
        placements,
        providers=providers or [factories.provider()],
        pools=pools or [factories.pool(budget=budget)],
        decisions=decisions or [],
        name="shortlist-test",
    )


def ids(lists: Shortlists, pid: str) -> list[str]:
    sl = lists.list_of(pid)
    assert sl is not None
    return [c.client_id for c in sl.candidates]


@st.composite
def small_instances(draw: st.DrawFn) -> tuple[Instance, int, int]:
    n_c = draw(st.integers(2, 5))
    n_p = draw(st.integers(1, 3))
    clients = [
        client(
            f"c{i}",
            days=draw(st.integers(0, 1200)),
            partial_work_ability=draw(st.booleans()),
            consents=draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=4, unique=True)),
        )
        for i in range(n_c)
    ]
    places = [
        placement(
            f"p{j}",
            seats=draw(st.integers(0, 2)),
            weekly=float(draw(st.sampled_from([0, 50, 100, 150]))),
            type=draw(st.sampled_from(["coaching", "wage_subsidy", "work_trial"])),
            provider_id=draw(st.sampled_from(["v1", "v2"])),
            funding_pools=draw(
                st.lists(st.sampled_from(["a", "b"]), min_size=1, max_size=2, unique=True)
            ),
        )
        for j in range(n_p)
    ]
    providers = [
        {
            "id": "v1",
            "name": "A",
            "kind": "association",
            "municipality": "Kuopio",
            "max_subsidised": draw(st.one_of(st.none(), st.integers(0, 2))),
        },
        {"id": "v2", "name": "B", "kind": "company", "municipality": "Kuopio"},
    ]
    pools = [
        {
            "id": f,
            "name": f,
            "budget": float(draw(st.sampled_from([0, 500, 1000, 1500, 2500, 5000]))),
            "types": [],
            "municipalities": [],
        }
        for f in ("a", "b")
    ]
    inst = make(clients, places, providers=providers, pools=pools)
    return inst, draw(st.integers(1, 3)), draw(st.integers(1, 2))


def every_pick_combination_holds(inst: Instance, lists: Shortlists) -> bool:
    """Brute force: each employer picks any subset of ≤ seats of its list; every pool's spending
    and every capped provider's wage-subsidy hires stay within limits, for every combination."""
    budget = {str(r["id"]): float(r["budget"]) for _, r in inst.pools.iterrows()}
    cap = {str(r["id"]): r["max_subsidised"] for _, r in inst.providers.iterrows()}
    ptype = {str(r["id"]): str(r["type"]) for _, r in inst.placements.iterrows()}
    choices = []
    for sl in lists.lists:
        subsets = [
            combo for k in range(sl.seats + 1) for combo in itertools.combinations(sl.candidates, k)
        ]
        choices.append([(sl, combo) for combo in subsets])
    for combination in itertools.product(*choices):
        spent: defaultdict[str, float] = defaultdict(float)
        hires: Counter[str] = Counter()
        for sl, combo in combination:
            for c in combo:
                spent[c.pool_id] += c.cost
            if ptype[sl.placement_id] == "wage_subsidy":
                hires[sl.provider_id] += len(combo)
        if any(spent[f] > budget[f] + 0.01 for f in spent if f):
            return False
        if any(cap[v] == cap[v] and cap[v] is not None and n > cap[v] for v, n in hires.items()):
            return False
    return True
