"""Fixtures of the pytest-benchmark suites: one generated instance per size, cached on disk.

Run with `pytest benchmarks/ --benchmark-enable` (POLKU_BENCH_SIZE=S|M|L|XL, default S); without
--benchmark-enable every benchmark runs once as a plain test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.sizes import Size, ensure_instance, size_of

CACHE = Path(os.environ.get("POLKU_BENCH_CACHE", Path(__file__).parent / ".instances"))


@pytest.fixture(scope="session")
def bench_size() -> Size:
    return size_of(os.environ.get("POLKU_BENCH_SIZE", "S"))


@pytest.fixture(scope="session")
def bench_folder(bench_size: Size) -> Path:
    return ensure_instance(bench_size, CACHE)


@pytest.fixture(scope="session")
def bench_instance(bench_folder: Path):
    from instances.read import read_instance

    return read_instance(bench_folder)


@pytest.fixture(scope="session")
def bench_pairs(bench_instance):
    from matcher.pairs.candidates import build_pairs

    return build_pairs(bench_instance)
