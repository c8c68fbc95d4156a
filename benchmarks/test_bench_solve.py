"""Benchmark: the LP bound by column generation and a whole solve at the size's time limit."""

from __future__ import annotations

from matcher.allocation.colgen import solve_lp_columns
from matcher.allocation.constraints import build_rows
from matcher.allocation.flow import flow_net
from matcher.allocation.solve import SolveOptions, solve


def test_lp_by_column_generation(benchmark, bench_instance, bench_pairs):
    rows = build_rows(bench_instance, bench_pairs)
    net = flow_net(rows, bench_pairs.score)
    res = benchmark.pedantic(
        solve_lp_columns,
        args=(net, bench_pairs.score),
        kwargs={"time_limit": 600},
        rounds=2,
        iterations=1,
    )
    assert res.status == "OPTIMAL"
    benchmark.extra_info.update(bound=res.bound, rounds=res.rounds, columns=len(res.active))


def test_solve(benchmark, bench_instance, bench_size):
    options = SolveOptions(time_limit=bench_size.time_limit)
    result = benchmark.pedantic(solve, args=(bench_instance, options), rounds=1, iterations=1)
    assert result.status in ("OPTIMAL", "FEASIBLE")
    benchmark.extra_info.update(objective=result.objective, bound=result.bound, gap=result.gap)
