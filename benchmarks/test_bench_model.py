"""Benchmark: building the shared constraint rows, the flow network and the CP-SAT model."""

from __future__ import annotations

from matcher.allocation.constraints import build_rows
from matcher.allocation.flow import flow_net
from matcher.allocation.model import build_cp_model


def test_build_rows(benchmark, bench_instance, bench_pairs):
    rows = benchmark.pedantic(
        build_rows, args=(bench_instance, bench_pairs), rounds=3, iterations=1
    )
    assert rows.matrix.shape[1] == len(bench_pairs)


def test_flow_net(benchmark, bench_instance, bench_pairs):
    rows = build_rows(bench_instance, bench_pairs)
    net = benchmark.pedantic(flow_net, args=(rows, bench_pairs.score), rounds=3, iterations=1)
    assert net.n == len(bench_pairs)


def test_build_cp_model(benchmark, bench_instance, bench_pairs, bench_size):
    if len(bench_pairs) > 2_000_000:
        import pytest

        pytest.skip("the full CP-SAT model is built by the naive baseline only up to M")
    rows = build_rows(bench_instance, bench_pairs)
    built = benchmark.pedantic(
        build_cp_model, args=(rows, bench_pairs.score), rounds=2, iterations=1
    )
    assert built.n_pairs == len(bench_pairs)
