"""Starting prices from the LP of a sample of the queue: valid prices on the right rows, and a
first Lagrangian bound below the zero start's."""

from __future__ import annotations

import numpy as np
import pytest

from instances.generate import generate_instance
from matcher.national.master import NationalOptions, solve_national
from matcher.national.start import MIN_SAMPLE, sample_prices


@pytest.fixture(scope="module")
def week():
    return generate_instance("national", 1_200, seed=7)


def test_the_sample_prices_are_duals_on_the_shared_rows(week):
    sp = sample_prices(week, 0.25, seed=1)
    queue = int(week.columns.c_queue.sum())
    assert sp.status == "OPTIMAL" and sp.clients == round(0.25 * queue) and sp.pairs > 0
    assert np.all(np.diff(sp.keys) > 0) and np.all(sp.prices >= 0) and sp.prices.max() > 0
    missing = sp.keys.max() + 1
    coupling = np.concatenate([sp.keys[::2], [missing]])
    on = sp.on(coupling)
    assert np.array_equal(on[:-1], sp.prices[::2]) and on[-1] == 0.0
    assert sample_prices(week, 0.0).clients == MIN_SAMPLE  # never below the floor


@pytest.mark.slow  # two national runs: make test-all (CI)
def test_a_sample_start_lowers_the_first_bound(week):
    first = {}
    for share in (0.0, 0.25):
        nat = solve_national(
            week,
            NationalOptions(
                time_limit=8, split="area", explain=False, max_rounds=1, start_sample=share
            ),
        )
        first[share] = nat.result.stats["price_log"][0]["bound"]
    assert first[0.25] < 0.9 * first[0.0]
