"""Benchmark: reading the instance folder and generating the candidate pair table."""

from __future__ import annotations

from instances.read import read_instance
from matcher.pairs.candidates import build_pairs


def test_read_instance(benchmark, bench_folder):
    inst = benchmark.pedantic(read_instance, args=(bench_folder,), rounds=3, iterations=1)
    assert inst.columns.n_clients > 0


def test_build_pairs(benchmark, bench_instance):
    pairs = benchmark.pedantic(build_pairs, args=(bench_instance,), rounds=3, iterations=1)
    assert len(pairs) > 0
    benchmark.extra_info["pairs"] = len(pairs)
