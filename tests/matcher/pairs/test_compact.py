"""The compact pair table: the same rows and values as build_pairs, in fewer bytes."""

from __future__ import annotations

import numpy as np
import pytest

from instances.generate import generate_instance
from matcher.pairs.candidates import build_pairs
from matcher.pairs.compact import build_compact, restore_travel, with_components
from matcher.pairs.table import COMPONENT_NAMES


@pytest.fixture(scope="module")
def week():
    return generate_instance("national", 1_500, seed=5)


def _same(a, b):
    for f in ("client", "placement", "pool", "cost", "travel_min", "score"):
        x, y = getattr(a, f), getattr(b, f)
        assert x.dtype == y.dtype, f
        assert np.array_equal(x, y), f


def test_compact_table_restores_build_pairs_exactly(week):
    full = build_pairs(week)
    compact = build_compact(week)
    assert len(compact) == len(full) > 1000
    restored = compact.table(week, components=True)
    _same(restored, full)
    for k in COMPONENT_NAMES:
        assert np.array_equal(restored.components[k], full.components[k]), k
    assert compact.table(week).components == {}  # the solve path reads the total only
    assert compact.nbytes <= 28 * len(compact)  # against 96 B a triple in PairTable


def test_compact_part_matches_the_part_table(week):
    clients = np.flatnonzero(week.columns.c_queue)[::3]
    full = build_pairs(week, clients=clients)
    _same(build_compact(week, clients=clients).table(week), full)


def test_with_components_recomputes_the_chosen_rows(week):
    full = build_pairs(week)
    idx = np.arange(0, len(full), 7)
    bare = build_compact(week).table(week).take(idx)
    got = with_components(week, bare)
    for k in COMPONENT_NAMES:
        assert np.array_equal(got.components[k], full.components[k][idx]), k


def test_travel_survives_float32():
    minutes = np.round(np.linspace(0, 600, 60_001), 1)
    assert np.array_equal(restore_travel(minutes.astype(np.float32)), minutes)
