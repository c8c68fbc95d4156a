"""The tabu search on GAP tables: feasible, never worse than its start, the brute-force optimum on
small tables, and no search where the dense form does not apply."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from benchmarks.gap import GapProblem, to_engine
from matcher.allocation import tabu
from matcher.allocation.exchange import Exchange
from matcher.allocation.knapsack import KnapsackForm, knapsack_form
from matcher.allocation.primal import violated_rows
from matcher.allocation.solve import SolveOptions, solve
from tests.matcher.allocation.gaps import brute_allocation, gap_net, random_gap, small_gap

KNOBS = (tabu.PENALTY_UP, tabu.PENALTY_DOWN, *tabu.TENURE)  # the kernel's α factors, tenure


def test_a_two_agent_swap_is_found() -> None:
    # agent 0 holds job 1, agent 1 job 0 (cost 10 + 10); the swap costs 1 + 1 and fits
    cost = np.array([[1, 10], [10, 1]])
    resource = np.array([[5, 5], [5, 5]])
    net, score = gap_net(cost, resource, np.array([5, 5]))
    form, _ = knapsack_form(net)
    assert form is not None
    dense = tabu.dense_form(form, score)
    assert dense is not None
    start = np.zeros(len(score), dtype=bool)
    start[[int(np.flatnonzero((form.client == 1) & (form.sack == 0))[0])]] = True
    start[[int(np.flatnonzero((form.client == 0) & (form.sack == 1))[0])]] = True
    res = tabu.search(dense, start, time_limit=1.0)
    assert res.chosen is not None
    assert res.value == brute_allocation(form, score)
    model = to_engine(GapProblem("t", cost, resource, np.array([5, 5])))
    assert model.total_cost(res.chosen) == (2, 2)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 3), st.integers(3, 6))
def test_feasible_never_worse_and_optimal_on_small_gaps(seed: int, m: int, n: int) -> None:
    net, form, score, dense, start = small_gap(seed, m, n)
    best = brute_allocation(form, score)  # the target only ends the search once it is reached
    res = tabu.search(dense, start, time_limit=0.3, seed=seed, target=best)
    if res.chosen is None:  # nothing better than the start: the start was optimal
        assert float(score[start].sum()) == best
        return
    assert not len(violated_rows(net, res.chosen))
    assert res.value == float(score[res.chosen].sum())
    assert float(score[start].sum()) < res.value <= best + 1e-9
    assert res.value == best


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 3))
def test_narrow_candidate_lists_stay_feasible_and_consistent(seed: int, width: int) -> None:
    # 8 agents, each client sees only `width` of them: chains through the member lists move
    # thousands of times; the result must still be feasible and its score what it says
    net, form, score, dense, start = small_gap(seed, 8, 40)
    res = tabu.search(dense, start, time_limit=0.3, seed=seed, width=width, sample=8, second=1)
    if res.chosen is None:
        return
    assert not len(violated_rows(net, res.chosen))
    assert res.value == float(score[res.chosen].sum()) > float(score[start].sum())


def two_pools() -> tabu.Dense:
    """Two clients, budget pools 0 and 1, then "unassigned" (2) and the free items (3, none)."""
    inf = -np.inf
    return tabu.Dense(
        profit=np.array([[10.0, 6.0], [8.0, 9.0], [0.0, 0.0], [inf, inf]]),
        weight=np.array([[5, 1], [1, 5], [0, 0], [0, 0]]),
        triple=np.array([[0, 1], [2, 3], [-1, -1], [-1, -1]]),
        capacity=np.array([5, 5, 10**9, 10**9]),
    )


def test_candidates_rank_pools_by_profit_at_the_prices() -> None:
    # pools 0, 1 budget, 2 "unassigned", 3 the free items; client prices 4 and 4: pool 0's
    # budget price is max((10-4)/5, (6-4)/1) = 2, pool 1's max((8-4)/1, (9-4)/5) = 4
    dense = two_pools()
    # client 0: pool 1 at 0, pool 0 and "unassigned" at -4; client 1: pool 0 at 0, then -4, -15
    assert tabu.candidates(dense, np.array([4.0, 4.0]), 4).tolist() == [
        [1, 0, 2, -1],
        [0, 2, 1, -1],
    ]
    assert tabu.candidates(dense, np.array([4.0, 4.0]), 1).tolist() == [[1], [0]]


def test_target_stops_the_search_early() -> None:
    net, form, score, dense, start = small_gap(7, 3, 6)
    res = tabu.search(dense, start, time_limit=30.0, target=float(score[start].sum()))
    assert res.seconds < 5.0 and res.chosen is None


def test_no_dense_form_for_two_triples_of_one_client_and_pool() -> None:
    form = KnapsackForm(
        client=np.array([0, 0]),
        sack=np.array([0, 0]),
        weight=np.array([1, 2]),
        capacity=np.array([3]),
        unit=1,
        clients=1,
        client_row=np.array([0]),
    )
    assert tabu.dense_form(form, np.array([1.0, 2.0])) is None


def test_solve_runs_the_tabu_search_on_gap_tables_and_not_when_off() -> None:
    cost, resource, capacity = random_gap(3, 3, 40)
    model = to_engine(GapProblem("t", cost, resource, capacity))
    on = solve(model.instance, SolveOptions(time_limit=4), pairs=model.pairs)
    off = solve(model.instance, SolveOptions(time_limit=4, tabu=False), pairs=model.pairs)
    assert "tabu_iterations" in on.stats or on.status == "OPTIMAL"
    assert "tabu_iterations" not in off.stats


def test_the_search_goes_on_from_a_better_exchanged_allocation() -> None:
    # prices that rank "unassigned" first and one candidate pool per client: the search alone
    # can only unassign (it finds nothing); with a full search's result in the exchange it takes
    # it, stays feasible and reports it
    net, form, score, dense, start = small_gap(11, 8, 40)
    good = tabu.search(dense, start, time_limit=1.0, seed=1)
    assert good.chosen is not None
    narrow = {"width": 1, "sample": 0, "second": 0, "prices": np.full(form.clients, -1e9)}
    assert (tabu.candidates(dense, narrow["prices"], 1) == dense.profit.shape[0] - 2).all()
    alone = tabu.search(dense, start, time_limit=0.1, **narrow)
    assert alone.value < good.value
    ex = Exchange(good.chosen.copy(), good.value)
    res = tabu.search(dense, start, time_limit=0.1, exchange=ex, **narrow)
    assert res.chosen is not None and res.value >= good.value
    assert not len(violated_rows(net, res.chosen))
    assert res.value == float(score[res.chosen].sum())


def test_a_better_find_is_offered_to_the_exchange() -> None:
    net, form, score, dense, start = small_gap(11, 3, 6)
    ex = Exchange(start.copy(), float(score[start].sum()))
    res = tabu.search(dense, start, time_limit=0.3, seed=1, exchange=ex)
    assert res.chosen is not None
    assert ex.value == res.value and ex.best().tolist() == res.chosen.tolist()


def _kernel_state(dense: tabu.Dense, start: np.ndarray, width: int):  # type: ignore[no-untyped-def]
    """The arrays `search` hands the compiled kernel, set up from `start`."""
    pools, clients = dense.profit.shape
    profit = np.ascontiguousarray(dense.profit.T)
    weight = np.ascontiguousarray(dense.weight.T)
    assign = tabu.assignment(dense, start)
    load = np.zeros(pools, dtype=np.int64)
    members = np.empty((pools, clients), dtype=np.int64)
    size = np.zeros(pools, dtype=np.int64)
    slot = np.zeros(clients, dtype=np.int64)
    tabu._rebuild(weight, assign, load, members, size, slot)
    return profit, weight, tabu.candidates(dense, None, width), assign, load, members, size, slot


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_the_kernels_bookkeeping_matches_a_rebuild(seed: int) -> None:
    # after many shifts and chains, loads, member lists, the score and the best agree with what
    # a fresh count from the assignment gives; each chain's predicted overload change is exact
    net, form, score, dense, start = small_gap(seed, 6, 30)
    profit, weight, cand, assign, load, members, size, slot = _kernel_state(dense, start, 3)
    cap = dense.capacity
    pools, clients = dense.profit.shape
    value = float(profit[np.arange(clients), assign].sum())
    alpha = np.full(pools, 1.0)
    alpha[-2:] = 0.0
    tabu_until = np.zeros((clients, pools), dtype=np.int64)
    counters = np.zeros(3, dtype=np.int64)
    current, best, best_value = np.array([value]), assign.copy(), np.array([value])
    epoch_value = np.array([value])
    args = (profit, weight, cap, cand, assign, load, members, size, slot, alpha, tabu_until)
    best_args = (counters, current, best, best_value, epoch_value)
    tabu._search(*args, *best_args, 400, 6, 2, 1e-4, 1e6, *KNOBS, 10**9, seed)
    again = [np.zeros(pools, dtype=np.int64), np.empty_like(members), np.zeros_like(size)]
    tabu._rebuild(weight, assign, again[0], again[1], again[2], np.zeros_like(slot))
    assert load.tolist() == again[0].tolist() and size.tolist() == again[2].tolist()
    for p in range(pools):
        held = members[p, : size[p]]
        assert sorted(held.tolist()) == np.flatnonzero(assign == p).tolist()
        assert (slot[held] == np.arange(size[p])).all()
    assert current[0] == float(profit[np.arange(clients), assign].sum())
    assert best_value[0] == float(profit[np.arange(clients), best].sum())
    assert epoch_value[0] == best_value[0]  # one epoch: its best is the best
    assert not len(violated_rows(net, tabu.to_chosen(dense, best, len(score))))
    rng = np.random.default_rng(seed)
    for _ in range(50):  # a chain j: a -> b, k: b -> c, predicted against applied
        j = int(rng.integers(clients))
        a, b = int(assign[j]), int(cand[j, rng.integers(cand.shape[1])])
        if b < 0 or b == a or size[b] == 0:
            continue
        k = int(members[b, rng.integers(size[b])])
        c = int(cand[k, 0]) if rng.random() < 0.5 else a
        if c < 0 or c == b:
            continue
        over = sum(max(int(load[q] - cap[q]), 0) for q in range(pools))
        if c == a:
            _, o = tabu._change(
                load,
                cap,
                alpha,
                a,
                weight[k, a] - weight[j, a],
                b,
                weight[j, b] - weight[k, b],
                -1,
                0,
            )
        else:
            _, o = tabu._change(
                load, cap, alpha, a, -weight[j, a], b, weight[j, b] - weight[k, b], c, weight[k, c]
            )
        state = (profit, weight, cap, assign, load, members, size, slot, tabu_until)
        do1 = tabu._shift(*state, j, b, 0)[1]
        do2 = tabu._shift(*state, k, c, 0)[1]
        assert o == do1 + do2 == sum(max(int(load[q] - cap[q]), 0) for q in range(pools)) - over


def test_candidates_without_prices_rank_by_profit() -> None:
    dense = two_pools()
    # "unassigned" (profit 0) last among the finite pools, not first
    assert tabu.candidates(dense, None, 4).tolist() == [[0, 1, 2, -1], [1, 0, 2, -1]]


def test_penalties_start_at_the_budget_prices_or_the_profit_step() -> None:
    # at client prices 4 and 4 the budget prices are 2 and 4 (above); the profit step is the
    # median gap between a client's sorted profits (8, 2, 6, 3 -> 4.5) over the median weight 3
    dense = two_pools()
    assert tabu.penalties(dense, np.array([4.0, 4.0])).tolist() == [2.0, 4.0, 0.0, 0.0]
    assert tabu.penalties(dense, None).tolist() == [1.5, 1.5, 0.0, 0.0]
    assert tabu.penalties(dense, np.array([9.0, 9.0])).tolist() == [1.5, 1.5, 0.0, 0.0]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 3), st.integers(3, 6))
@example(461, 2, 3)  # every move was tabu after 6 iterations and the search ended at 88, not 92
def test_an_overloaded_start_ends_feasible_and_optimal(seed: int, m: int, n: int) -> None:
    # every client in its most profitable pool: the budgets overflow; the penalties must bring
    # the search back, and only a feasible allocation may come out
    net, form, score, dense, _ = small_gap(seed, m, n)
    greedy = np.zeros(len(score), dtype=bool)
    for c in range(form.clients):
        own = np.flatnonzero((form.client == c) & (form.sack >= 0))
        greedy[own[np.argmax(score[own])]] = True
    best = brute_allocation(form, score)  # the target only ends the search once it is reached
    res = tabu.search(dense, greedy, time_limit=0.3, seed=seed, target=best)
    if not len(violated_rows(net, greedy)):  # it fit: nothing can beat it
        assert res.chosen is None
        return
    assert res.chosen is not None and not len(violated_rows(net, res.chosen))
    assert res.value == float(score[res.chosen].sum()) == best


def test_the_kernel_hands_back_after_restart_iterations_without_an_epoch_best() -> None:
    net, form, score, dense, start = small_gap(3, 4, 12)
    profit, weight, cand, assign, load, members, size, slot = _kernel_state(dense, start, 4)
    pools, clients = dense.profit.shape
    value = float(profit[np.arange(clients), assign].sum())
    alpha = np.full(pools, 1.0)
    alpha[-2:] = 0.0
    counters = np.zeros(3, dtype=np.int64)
    best_value = np.array([value])
    epoch_value = np.array([np.inf])  # nothing can beat it: every iteration is stale
    args = (profit, weight, dense.capacity, cand, assign, load, members, size, slot, alpha)
    state = (np.zeros((clients, pools), dtype=np.int64), counters, np.array([value]))
    bests = (assign.copy(), best_value, epoch_value)
    tabu._search(*args, *state, *bests, 1_000, 4, 2, 1e-4, 1e6, *KNOBS, 25, 0)
    assert counters[2] == 2 and counters[0] == 26  # stale 26 > 25: handed back, not 1 000


def test_chain_sample_scans_every_client_while_the_chains_fit() -> None:
    # 80×1600: 5 × 4 × 20 members = 400 chains a client, 640 000 in all: every client
    assert tabu.chain_sample(1_600, 80, 5, 3) == 1_600
    # 20×1600: 5 × 4 × 80 = 1 600 a client; 1 000 000 // 1 600 = 625 clients
    assert tabu.chain_sample(1_600, 20, 5, 3) == 625
    assert tabu.chain_sample(10**6, 2, 8, 3) == tabu.MIN_SAMPLE  # never below the floor


def _penalised(dense: tabu.Dense, assign: np.ndarray, alpha: np.ndarray) -> float:
    """Profit less α × each pool's overload: what one tabu move maximises."""
    pools, clients = dense.profit.shape
    load = np.bincount(assign, weights=dense.weight[assign, np.arange(clients)], minlength=pools)
    over = np.maximum(load - dense.capacity, 0)
    return float(dense.profit[assign, np.arange(clients)].sum() - (alpha * over).sum())


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_with_every_client_sampled_a_move_is_the_best_shift_or_chain(seed: int) -> None:
    # one iteration from a poor start, nothing tabu: the move taken must be the best over every
    # shift and every chain (enumerated here), which a random sample of clients would miss
    net, form, score, dense, start = small_gap(seed, 6, 30)
    profit, weight, cand, assign, load, members, size, slot = _kernel_state(dense, start, 3)
    pools, clients = dense.profit.shape
    alpha = np.random.default_rng(seed).uniform(0.5, 3.0, pools)
    alpha[-2:] = 0.0
    before = assign.copy()
    best_f = -np.inf
    for j in range(clients):
        a = int(before[j])
        for b in cand[j]:
            if b < 0 or b == a or dense.profit[b, j] == -np.inf:
                continue
            moved = before.copy()
            moved[j] = b
            best_f = max(best_f, _penalised(dense, moved, alpha))
            for k in np.flatnonzero(before == b):
                for c in {a, *(int(x) for x in cand[k, :2])} - {b, -1}:
                    if dense.profit[c, k] == -np.inf:
                        continue
                    chain = moved.copy()
                    chain[k] = c
                    best_f = max(best_f, _penalised(dense, chain, alpha))
    value = float(profit[np.arange(clients), assign].sum())
    counters = np.zeros(3, dtype=np.int64)
    args = (profit, weight, dense.capacity, cand, assign, load, members, size, slot, alpha.copy())
    state = (np.zeros((clients, pools), dtype=np.int64), counters, np.array([value]))
    bests = (assign.copy(), np.array([value]), np.array([value]))
    tabu._search(*args, *state, *bests, 1, clients, 2, 1e-4, 1e6, *KNOBS, 10**9, seed)
    assert counters[0] == 1
    assert abs(_penalised(dense, assign, alpha) - best_f) < 1e-6
