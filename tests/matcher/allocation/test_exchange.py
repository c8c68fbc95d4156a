"""The exchange between side-by-side searches: it keeps the best offered and hands out copies
only when they beat the asker's score."""

from __future__ import annotations

import numpy as np

from matcher.allocation.exchange import Exchange


def test_keeps_the_best_offered_and_gives_it_only_to_worse() -> None:
    ex = Exchange(np.array([True, False]), 5.0)
    ex.offer(np.array([False, True]), 4.0)  # worse: ignored
    assert ex.take(3.0) is not None and ex.take(3.0)[1] == 5.0
    mine = np.array([True, True])
    ex.offer(mine, 7.0)
    mine[0] = False  # the exchange holds a copy
    got = ex.take(6.0)
    assert got is not None and got[0].tolist() == [True, True] and got[1] == 7.0
    assert ex.take(7.0) is None  # not better than the asker's
    got[0][1] = False
    assert ex.best().tolist() == [True, True]  # handed-out copies do not reach back
