"""The shared constraint rows: one per client, placement, pool, capped provider and lock."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest

from instances.generate import generate_instance
from instances.read import read_instance
from matcher.allocation.constraints import (
    InfeasibleLockError,
    budget_rows,
    build_rows,
    cap_rows,
    client_rows,
    lock_rows,
    seat_rows,
)
from matcher.allocation.repair import greedy, lock_forced
from matcher.pairs.candidates import build_pairs
from models.instance import Instance
from models.rules import WAGE_SUBSIDY
from tests import factories

EXAMPLE = factories.ROOT / "instances" / "examples" / "small"


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


def rows_by_loops(inst, pairs) -> dict[tuple[str, int], tuple[dict[int, int], int, int]]:
    """The rows written out pair by pair from FORMAT.md, independently of build_rows:
    (family, owner) → ({pair: coefficient}, lo, hi)."""
    cols = inst.columns
    ws = cols.types.index.get(WAGE_SUBSIDY, -2)
    out: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    locks = {
        (int(cols.d_client[d]), int(cols.d_placement[d])): d for d in np.flatnonzero(cols.d_lock)
    }
    for i in range(len(pairs)):
        c, p, f = int(pairs.client[i]), int(pairs.placement[i]), int(pairs.pool[i])
        out[("client", c)][i] = 1
        out[("seats", p)][i] = 1
        cents = int(round(float(pairs.cost[i]) * 100))
        if f >= 0 and cents > 0:
            out[("budget", f)][i] = cents
        v = int(cols.p_provider[p])
        if int(cols.p_type[p]) == ws and int(cols.v_max_subsidised[v]) >= 0:
            out[("cap", v)][i] = 1
        if (c, p) in locks:
            out[("lock", int(locks[(c, p)]))][i] = 1
    bounds = {
        "client": lambda k: (0, 1),
        "seats": lambda k: (0, int(cols.p_seats[k])),
        "budget": lambda k: (0, math.floor(float(cols.f_budget[k]) * 100 + 1e-6)),
        "cap": lambda k: (0, int(cols.v_max_subsidised[k])),
        "lock": lambda k: (1, 1),
    }
    return {key: (coef, *bounds[key[0]](key[1])) for key, coef in out.items()}


@pytest.mark.parametrize("source", ["example", "generated"])
def test_build_rows_equals_the_rows_written_out_pair_by_pair(source: str):
    inst = (
        read_instance(EXAMPLE)
        if source == "example"
        else generate_instance("pohjois-savo", 400, seed=48)
    )
    pairs = build_pairs(inst)
    rows = build_rows(inst, pairs)
    got = {}
    m = rows.matrix.tocsr()
    for r in range(m.shape[0]):
        lo, hi = m.indptr[r], m.indptr[r + 1]
        coef = dict(zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True))
        got[(str(rows.family[r]), int(rows.owner[r]))] = (coef, int(rows.lo[r]), int(rows.hi[r]))
    assert got == rows_by_loops(inst, pairs)
    # families in a fixed order, owners ascending within each
    order = [str(f) for f in rows.family]
    assert order == sorted(order, key=["client", "seats", "budget", "cap", "lock"].index)
    for fam in ("client", "seats", "budget", "cap", "lock"):
        owners = rows.owner[rows.of(fam)]
        assert np.all(np.diff(owners) > 0)


def test_each_family_function_binds_on_its_own():
    inst = instance(
        [client("c1"), client("c2"), client("c3")],
        [placement("p1", seats=2, cost=100.0), placement("p2", ptype="coaching", cost=0.0)],
        budget=600.0,
        cap=1,
        decisions=[dict(client_id="c2", placement_id="p2", decision="lock")],
    )
    pairs = build_pairs(inst)
    at_p1 = np.flatnonzero(pairs.placement == 0)
    assert len(client_rows(inst, pairs)) == 3
    seats = seat_rows(inst, pairs)
    assert seats.hi.tolist() == [2, 1] and seats.owner.tolist() == [0, 1]
    budget = budget_rows(inst, pairs)  # only p1's triples are priced
    assert budget.hi.tolist() == [60_000] and sorted(budget.col.tolist()) == at_p1.tolist()
    assert set(budget.value.tolist()) == {50_000}  # one 500 € seat fits the 600 € pool, two do not
    cap = cap_rows(inst, pairs)  # the wage-subsidy placement p1 only
    assert cap.hi.tolist() == [1] and sorted(cap.col.tolist()) == at_p1.tolist()
    lock = lock_rows(inst, pairs)
    assert lock.lo.tolist() == lock.hi.tolist() == [1]
    assert pairs.client[lock.col].tolist() == [1] and pairs.placement[lock.col].tolist() == [1]


def test_no_cap_and_no_lock_give_no_rows():
    inst = instance([client("c1")], [placement("p1")])
    pairs = build_pairs(inst)
    assert len(cap_rows(inst, pairs)) == 0 and len(lock_rows(inst, pairs)) == 0
    assert build_rows(inst, pairs).matrix.shape[0] == 3  # client, seats, budget
