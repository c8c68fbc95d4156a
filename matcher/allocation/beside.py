"""The tabu search on a worker of its own beside the LNS on GAP tables: its start, the rule by
which the LNS gives way to it, and a second search in the LNS' thread after the LNS stops."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.allocation.exchange import Exchange
from matcher.allocation.knapsack import KnapsackForm
from matcher.allocation.tabu import Dense, TabuResult, dense_form, search

SECOND_SEED = 7_919  # the second search's seed, offset from the first's
GIVE_WAY = (0.2, 2.0)  # beside a tabu search, the LNS stops after this share of its time when
# its gap to the bound is this many times the best allocation's (a second tabu search gets its
# core: on d801600 the LNS ends ~0.3 % behind the tabu search)


@dataclass(frozen=True)
class Beside:
    """A search running in a thread of its own beside the LNS, the exchange they share and what
    a second search in the LNS' thread needs when the LNS stops early."""

    job: Future[TabuResult]
    exchange: Exchange
    dense: Dense
    prices: np.ndarray
    target: float | None
    ends: float  # time.perf_counter() when the first search stops
    start: np.ndarray  # the allocation both searches start (and restart) from


def start(
    form: KnapsackForm | None,
    score: np.ndarray,
    chosen: np.ndarray,
    time_limit: float,
    seed: int,
    bound: float | None,
    duals: np.ndarray,
) -> Beside | None:
    """For `solve`: the search from `chosen` in a thread of its own for `time_limit` seconds (up
    to floor(bound)), beside the LNS on the other workers, its candidate pools ranked at the LP
    duals `duals`; None where there is no dense form."""
    dense = dense_form(form, score) if form is not None else None
    if dense is None or form is None:
        return None
    target = None if bound is None else math.floor(bound + 1e-6)
    exchange = Exchange(chosen.copy(), float(score[chosen].sum()))
    prices = duals[form.client_row]
    pool = ThreadPoolExecutor(max_workers=1)
    ends = time.perf_counter() + time_limit
    job = pool.submit(
        search,
        dense,
        chosen.copy(),
        time_limit=time_limit,
        seed=seed,
        target=target,
        prices=prices,
        exchange=exchange,
    )
    pool.shutdown(wait=False)
    return Beside(job, exchange, dense, prices, target, ends, chosen.copy())


def finish(beside: Beside | None, seed: int, stats: dict[str, Any]) -> list[np.ndarray]:
    """After the LNS: when it stopped more than a second before the first search's end, a second
    search in this thread (another seed, the same start: its restarts need that, and the
    exchange hands it the best so far) until then; the searches'
    allocations (empty when they found nothing better); their figures go into `stats`."""
    if beside is None:
        return []
    found = []
    left = beside.ends - time.perf_counter()
    if left > 1.0:
        try:  # its own copies of the arrays: at MAX_CELLS ≈ 0.7 GB more
            second = search(
                beside.dense,
                beside.start,
                time_limit=left,
                seed=seed + SECOND_SEED,
                target=beside.target,
                prices=beside.prices,
                exchange=beside.exchange,
            )
            stats.update(tabu2_seconds=round(second.seconds, 3), tabu2_value=second.value)
            found += [] if second.chosen is None else [second.chosen]
        except MemoryError:
            stats["tabu2"] = "out of memory"
    res = beside.job.result()
    stats.update(
        tabu_seconds=round(res.seconds, 3),
        tabu_iterations=res.iterations,
        tabu_improved=res.improved,
        tabu_value=res.value,
    )
    return found + ([] if res.chosen is None else [res.chosen])


def give_way(
    exchange: Exchange, bound: float | None, seconds: float
) -> Callable[[float], bool] | None:
    """GIVE_WAY's rule for an LNS of `seconds` beside a tabu search sharing `exchange`: true of
    the LNS' objective once the share of time has passed and its gap to `bound` is the factor
    times the exchange's best's; None without a bound."""
    if bound is None:
        return None
    after = time.perf_counter() + GIVE_WAY[0] * seconds

    def behind(value: float) -> bool:
        return time.perf_counter() > after and bound - value > GIVE_WAY[1] * (
            bound - exchange.value
        )

    return behind
