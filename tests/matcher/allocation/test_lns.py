"""Group neighbourhoods of the LNS (matcher/allocation/lns.py): several pools re-packed among
themselves, closed (columns into the group only), and the search stays feasible and exact."""

from __future__ import annotations

import numpy as np

from benchmarks.gap import to_engine
from benchmarks.gap_suite import generate_gap
from matcher.allocation import lns
from matcher.allocation.colgen import solve_lp_columns
from matcher.allocation.constraints import build_rows
from matcher.allocation.flow import flow_net
from matcher.allocation.mip import solve_mip
from matcher.allocation.primal import round_lp, row_use, violated_rows


def _gap(kind: str = "D", agents: int = 6, jobs: int = 60, seed: int = 3):
    model = to_engine(generate_gap(kind, agents, jobs, seed=seed))
    rows = build_rows(model.instance, model.pairs)
    score = model.pairs.score.astype(np.float64)
    net = flow_net(rows, score)
    lp = solve_lp_columns(net, score, time_limit=10)
    return model, rows, score, net, lp


def test_group_neighbourhoods_hold_the_asked_number_of_pools_and_stay_closed():
    model, rows, score, net, lp = _gap()
    start = round_lp(net, score, lp.x, lp.reduced)
    ctx = lns.Context(net, score)
    ctx.use = row_use(net, start)
    hoods = lns.group_neighbourhoods(ctx, start, lp.reduced, np.random.default_rng(1), 3, 4)
    assert len(hoods) == 4
    for hood in hoods:
        assert hood.inside and len(hood.name.split(":")[1].split("+")) == 3
        free = lns.around(ctx, start, lp.reduced, hood.seats, 10_000, inside_only=True)
        assert np.isin(net.seats_row[free], hood.seats).all()  # no column leaves the group
        sitting = np.flatnonzero(start & np.isin(net.seats_row, hood.seats))
        assert np.isin(sitting, free).all()  # every client in the group may move


def test_search_with_groups_reaches_the_whole_table_optimum_of_a_small_gap():
    model, rows, score, net, lp = _gap("C", agents=5, jobs=40, seed=2)
    start = round_lp(net, score, lp.x, lp.reduced)
    exact = solve_mip(rows, score, time_limit=30)
    assert exact.status == "OPTIMAL" and exact.objective is not None
    res = lns.search(
        lns.Context(net, score), start, lp.reduced, lp.duals, time_limit=8, bound=exact.objective
    )
    assert not len(violated_rows(net, res.chosen))
    assert res.objective == float(score[res.chosen].sum())
    assert float(score[start].sum()) <= res.objective <= exact.objective + 1e-6
    assert res.objective >= exact.objective - 0.002 * abs(exact.objective)


def test_groups_off_leaves_only_single_pool_steps():
    model, rows, score, net, lp = _gap()
    start = round_lp(net, score, lp.x, lp.reduced)
    res = lns.search(
        lns.Context(net, score), start, lp.reduced, lp.duals, time_limit=3, group_pools=(0, 0)
    )
    assert all(not str(e["hood"]).startswith("pools:") for e in res.log)


def test_give_way_stops_the_search_with_its_start_and_only_when_asked():
    model, rows, score, net, lp = _gap()
    start = round_lp(net, score, lp.x, lp.reduced)
    asked: list[float] = []

    def give_way(value: float) -> bool:
        asked.append(value)
        return True

    res = lns.search(
        lns.Context(net, score), start, lp.reduced, lp.duals, time_limit=30, give_way=give_way
    )
    assert res.steps == 0 and res.seconds < 5.0 and (res.chosen == start).all()
    assert asked[0] == float(score[start].sum())
    kept = lns.search(
        lns.Context(net, score), start, lp.reduced, lp.duals, time_limit=2, give_way=lambda v: False
    )
    assert kept.steps > 0
