"""Benchmark: employer shortlists (K = 3 per seat, L = 1) at the size's time limit."""

from __future__ import annotations

from matcher.shortlists.solve import ShortlistOptions, shortlist


def test_shortlist(benchmark, bench_instance, bench_size):
    options = ShortlistOptions(per_seat=3, time_limit=min(bench_size.time_limit, 60.0))
    result = benchmark.pedantic(shortlist, args=(bench_instance, options), rounds=1, iterations=1)
    assert result.status in ("OPTIMAL", "FEASIBLE")
    benchmark.extra_info.update(
        objective=result.objective, bound=result.bound, gap=result.gap, candidates=result.problem.m
    )
