"""The shared constraint rows: one per client, placement, pool, capped provider and lock."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest

from matcher.allocation.constraints import InfeasibleLockError, build_rows
from matcher.allocation.repair import greedy, lock_forced
from matcher.pairs.candidates import build_pairs
from models.instance import Instance
from tests import factories

client = partial(factories.client, unemployed_months=14)
_placement = partial(factories.placement, lon=27.69, funding_pools=["f1"])


def placement(
    pid: str, ptype: str = "wage_subsidy", seats: int = 1, cost: float = 100.0, **kw: Any
) -> dict[str, Any]:
    """A seat 500 m east of the clients, `cost` € a week for 10 weeks, paid by pool f1."""
    return _placement(pid, **{"type": ptype, "seats": seats, "weekly_cost": cost, **kw})


def instance(
    clients: list[dict[str, Any]],
    placements: list[dict[str, Any]],
    decisions: Sequence[dict[str, Any]] = (),
    budget: float = 10_000.0,
    cap: int | None = None,
) -> Instance:
    """Provider v1 (wage-subsidy cap `cap`) and pool f1 of `budget` €."""
    return factories.instance(
        clients,
        placements,
        providers=[factories.provider(name="Yritys", max_subsidised=cap)],
        pools=[factories.pool("f1", budget=budget)],
        decisions=decisions,
    )


def test_every_family_has_its_rows_and_bounds():
    inst = instance(
        [client("c1"), client("c2")],
        [placement("p1", seats=2), placement("p2")],
        cap=1,
        decisions=[dict(client_id="c1", placement_id="p1", decision="lock")],
    )
    pairs = build_pairs(inst)
    rows = build_rows(inst, pairs)
    counts = {fam: len(rows.of(fam)) for fam in ("client", "seats", "budget", "cap", "lock")}
    assert counts == {"client": 2, "seats": 2, "budget": 1, "cap": 1, "lock": 1}
    assert rows.hi[rows.of("seats")].tolist() == [2, 1]
    assert rows.hi[rows.of("budget")].tolist() == [1_000_000]  # cents
    assert rows.lo[rows.of("lock")].tolist() == [1]
    assert rows.cost_cents.tolist() == [50_000] * 4  # 100 € × 0.5 × 10 weeks


def test_greedy_respects_budget_cap_and_takes_locks_first():
    inst = instance(
        [client("c1"), client("c2"), client("c3")],
        [placement("p1", seats=3)],
        budget=1000.0,
        decisions=[dict(client_id="c3", placement_id="p1", decision="lock")],
    )
    pairs = build_pairs(inst)
    rows = build_rows(inst, pairs)
    chosen = greedy(rows, np.argsort(-pairs.score), lock_forced(rows))
    clients = set(inst.columns.client_id[pairs.client[chosen]])
    assert "c3" in clients and len(clients) == 2  # 1000 € pays two 500 € pairs


def test_infeasible_lock_is_a_clear_error():
    inst = instance(
        [client("c1", consents=["coaching"])],
        [placement("p1")],
        decisions=[dict(client_id="c1", placement_id="p1", decision="lock")],
    )
    with pytest.raises(InfeasibleLockError, match="c1 → p1"):
        build_rows(inst, build_pairs(inst))


def test_more_locks_than_seats_is_a_clear_error():
    inst = instance(
        [client("c1"), client("c2")],
        [placement("p1", seats=1)],
        decisions=[
            dict(client_id="c1", placement_id="p1", decision="lock"),
            dict(client_id="c2", placement_id="p1", decision="lock"),
        ],
    )
    with pytest.raises(InfeasibleLockError, match="p1 has 2 locked"):
        build_rows(inst, build_pairs(inst))


def test_locks_over_a_provider_cap_are_a_clear_error():
    inst = instance(
        [client("c1")],
        [placement("p1")],
        cap=0,
        decisions=[dict(client_id="c1", placement_id="p1", decision="lock")],
    )
    with pytest.raises(InfeasibleLockError, match="v1 has 1 locked wage-subsidy"):
        build_rows(inst, build_pairs(inst))
