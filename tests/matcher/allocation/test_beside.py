"""The tabu search beside the LNS (matcher/allocation/beside.py): the second search in the time
the LNS leaves, and the rule by which the LNS gives way."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.allocation import beside, tabu
from matcher.allocation.exchange import Exchange
from matcher.allocation.primal import violated_rows
from tests.matcher.allocation.gaps import small_gap


def test_a_second_search_fills_the_time_the_lns_left() -> None:
    # the LNS "stopped" at once: finish runs a second search in this thread until the first ends
    net, form, score, dense, start = small_gap(5, 8, 40)
    duals = np.zeros(int(form.client_row.max()) + 1)
    tabu.search(dense, start, time_limit=0.01)  # compiled before the clock runs
    side = beside.start(form, score, start, 3.0, 0, None, duals)
    assert side is not None
    stats: dict[str, float] = {}
    found = beside.finish(side, 0, stats)
    assert stats["tabu2_seconds"] > 1.5 and stats["tabu_seconds"] > 2.9
    assert found and all(not len(violated_rows(net, c)) for c in found)
    assert max(float(score[c].sum()) for c in found) == side.exchange.value


def test_the_lns_gives_way_when_its_gap_is_twice_the_exchanges_after_its_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exchange = Exchange(np.zeros(1, dtype=bool), 90.0)  # gap 10 to the bound 100
    monkeypatch.setattr(beside, "GIVE_WAY", (0.0, 2.0))
    behind = beside.give_way(exchange, 100.0, 60.0)
    assert behind is not None and beside.give_way(exchange, None, 60.0) is None
    assert behind(70.0) and not behind(85.0) and not behind(80.0)  # gaps 30, 15, 20 (not > 20)
    monkeypatch.setattr(beside, "GIVE_WAY", (0.5, 2.0))
    later = beside.give_way(exchange, 100.0, 60.0)
    assert later is not None and not later(70.0)  # not before 30 s
