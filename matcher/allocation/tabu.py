"""Tabu search with adaptive overload penalties for tables in knapsack form (GAP weeks).

The LNS re-solves a few pools at a time exactly; on the 80×1600 GAP files it makes a few dozen
steps a minute and stalls 0.6–0.9 % above the bound. This search makes hundreds of small moves a
second instead: shift one client to one of its candidate pools (the WIDTH best at the LP's
prices), or a chain of two shifts — a client to a pool b, and a client of b back to the first
one's pool (a swap) or on to one of its SECOND best pools — the best admissible move each
iteration over every shift and every client's chains (a random sample of clients on tables too
large for that; the pools' member lists make a chain's partners the few clients of b, not every
client). Pools may be over budget while searching; each overloaded unit costs the pool's penalty
α — starting at the pool's budget price at the LP's prices, raised while the pool is over and
lowered while it is not (strategic oscillation around the budget boundary, after Yagiura,
Ibaraki and Glover's work on the GAP, whose candidate lists from the Lagrangian relaxation this
follows too). A client may not go back to a pool it left for a few iterations (tabu), unless
that gives a new best feasible allocation. After RESTART iterations without a gain the search
starts again, in turn from its start (a fresh descent from the LP's rounding, α reset) and from
its best. The best feasible allocation seen is the result; beside the LNS, the LNS's gains reach
it (and its own bests go out) through an `Exchange`. The kernel is compiled by numba (plain
loops over dense client × pool arrays: 128 000 cells on 80×1600).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numba
import numpy as np

from matcher.allocation.exchange import Exchange
from matcher.allocation.knapsack import KnapsackForm

MAX_CELLS = 20_000_000  # dense pool × client arrays at most this large (else no search)
CHUNK = (8, 500)  # iterations per compiled call: from the first, doubled while a call takes
CALL_SECONDS = 0.1  # less than this, halved when it takes 4× as long, at most the second (the
# time limit and the exchange are checked between calls; a chain scans a pool's members, and
# on large tables one call of the largest size could run seconds past the limit)
WIDTH = 5  # each client's candidate pools (best by reduced profit at the LP prices)
CHAIN_EVALS = 1_000_000  # chains of two shifts scanned per iteration at most: every client's
# when they fit (≈ 640 000 on 80×1600: width × (SECOND + 1) × 20 members a pool), else a random
# sample of clients whose chains fit (at least MIN_SAMPLE). On d801600, 20 s standalone: every
# client's chains at width 5 97 189–97 214 (≈ 4 700 iterations), 48 random clients at width 8
# 97 283–97 284 (60 000); e801600 169 607 against 169 848 (benchmarks/notes.md, tenth session)
MIN_SAMPLE = 48
SECOND = 3  # the second shift of a chain: back to the first client's pool or to one of this many
TENURE = (10, 30)  # a client may not return to a pool it left for this many iterations (random)
PENALTY_UP = 1.05  # an overloaded pool's α grows by this factor each iteration …
PENALTY_DOWN = 0.98  # … and every α shrinks by this one while the allocation is feasible
RESTART = 2_000  # iterations without a new best since the last (re)start: start again, in turn
# from the start with α at its start values and from the best with α kept (on d801600 the first
# 2 000–3 000 iterations from the LP's rounding reach 97 26x–97 34x and the next 80 000 improve
# that by < 10, so fresh descents pay there; C and E gain from going on around the best; 20-s
# runs, benchmarks/notes.md)
ALPHA_RANGE = (1e-4, 1e6)  # α stays within these multiples of its start: ×0.97 on every
# feasible iteration would take a pool never over to 0 within ~23 000 (overloading it free for
# thousands of iterations after) and ×1.1 to inf (NaN moves)


@dataclass(frozen=True)
class TabuResult:
    """The best feasible allocation found (None if none beat the start), its score and what the
    search did."""

    chosen: np.ndarray | None
    value: float
    iterations: int
    improved: int
    seconds: float


@dataclass(frozen=True)
class Dense:
    """The knapsack form as dense (pool, client) arrays; pool `sacks` is "unassigned" (profit 0,
    weight 0, no capacity) and pool `sacks + 1` the free items (no budget row)."""

    profit: np.ndarray  # float64 (pools + 2) × clients, −inf where there is no triple
    weight: np.ndarray  # int64 (pools + 2) × clients
    triple: np.ndarray  # int64 (pools + 2) × clients, −1 where there is none
    capacity: np.ndarray  # int64 per pool (+ 2 unbounded)


def dense_form(form: KnapsackForm, score: np.ndarray) -> Dense | None:
    """Dense arrays of `form`, or None when a (client, pool) pair has several triples (the moves
    would have to choose among them) or the arrays would exceed MAX_CELLS."""
    sacks = len(form.capacity)
    pools = sacks + 2
    if pools * form.clients > MAX_CELLS:
        return None
    pool = np.where(form.sack >= 0, form.sack, sacks + 1)
    cell = pool.astype(np.int64) * form.clients + form.client
    if len(np.unique(cell)) != len(cell):
        return None
    profit = np.full(pools * form.clients, -np.inf)
    weight = np.zeros(pools * form.clients, dtype=np.int64)
    triple = np.full(pools * form.clients, -1, dtype=np.int64)
    profit[cell] = score
    weight[cell] = form.weight
    triple[cell] = np.arange(len(cell))
    profit[sacks * form.clients : (sacks + 1) * form.clients] = 0.0  # unassigned
    big = np.iinfo(np.int64).max // 4
    capacity = np.concatenate([form.capacity.astype(np.int64), [big, big]])
    shape = (pools, form.clients)
    return Dense(profit.reshape(shape), weight.reshape(shape), triple.reshape(shape), capacity)


@numba.njit(cache=True, nogil=True)
def _over(load: int, cap: int) -> int:
    return load - cap if load > cap else 0


@numba.njit(cache=True, nogil=True)
def _change(
    load: np.ndarray,
    cap: np.ndarray,
    alpha: np.ndarray,
    a: int,
    da: int,
    b: int,
    db: int,
    c: int,
    dc: int,
) -> tuple[float, int]:
    """Penalty and overload change of adding da, db, dc to the distinct pools a, b, c (c = −1:
    two pools only)."""
    oa = _over(load[a] + da, cap[a]) - _over(load[a], cap[a])
    ob = _over(load[b] + db, cap[b]) - _over(load[b], cap[b])
    pen = alpha[a] * oa + alpha[b] * ob
    if c < 0:
        return pen, oa + ob
    oc = _over(load[c] + dc, cap[c]) - _over(load[c], cap[c])
    return pen + alpha[c] * oc, oa + ob + oc


@numba.njit(cache=True, nogil=True)
def _shift(
    profit: np.ndarray,
    weight: np.ndarray,
    cap: np.ndarray,
    assign: np.ndarray,
    load: np.ndarray,
    members: np.ndarray,
    size: np.ndarray,
    slot: np.ndarray,
    tabu: np.ndarray,
    j: int,
    b: int,
    until: int,
) -> tuple[float, int]:
    """Move client j to pool b (it may not go back before iteration `until`); the score and
    overload changes."""
    a = assign[j]
    before = _over(load[a], cap[a]) + _over(load[b], cap[b])
    load[a] -= weight[j, a]
    load[b] += weight[j, b]
    after = _over(load[a], cap[a]) + _over(load[b], cap[b])
    last = members[a, size[a] - 1]  # j's slot in a's list takes a's last client
    members[a, slot[j]] = last
    slot[last] = slot[j]
    size[a] -= 1
    members[b, size[b]] = j
    slot[j] = size[b]
    size[b] += 1
    assign[j] = b
    tabu[j, a] = until
    return profit[j, b] - profit[j, a], after - before


@numba.njit(cache=True, nogil=True)
def _search(
    profit: np.ndarray,
    weight: np.ndarray,
    cap: np.ndarray,
    cand: np.ndarray,
    assign: np.ndarray,
    load: np.ndarray,
    members: np.ndarray,
    size: np.ndarray,
    slot: np.ndarray,
    alpha: np.ndarray,
    tabu: np.ndarray,
    counters: np.ndarray,
    current: np.ndarray,
    best: np.ndarray,
    best_value: np.ndarray,
    epoch_value: np.ndarray,
    iterations: int,
    sample: int,
    second: int,
    alpha_lo: float,
    alpha_hi: float,
    up: float,
    down: float,
    tenure_lo: int,
    tenure_hi: int,
    restart: int,
    seed: int,
) -> int:
    """`iterations` tabu iterations from (assign, load) with penalties alpha, over each client's
    candidate pools `cand`; members/size/slot list each pool's clients; counters hold
    [iteration, iterations since the epoch's last new best, 1 when no move was left / 2 when
    `restart` iterations passed without one], current[0] the current score, best and
    best_value the best feasible allocation, epoch_value the best score since the last
    (re)start; α within [alpha_lo, alpha_hi], ×up while its pool is over, ×down on a feasible
    iteration; a left pool is tabu for tenure_lo…tenure_hi iterations; the chains of `sample`
    random clients, or of every client once when `sample` ≥ the clients. Returns how many new
    bests were found."""
    np.random.seed(seed)
    tenure_span = tenure_hi - tenure_lo + 1
    clients, pools = profit.shape
    width = cand.shape[1]
    second = min(second, width)
    sacks = pools - 2  # the budget pools; then "unassigned" and the free items, never over
    found = 0
    it = counters[0]
    stale = counters[1]
    value = current[0]
    over_total = 0
    for p in range(pools):
        over_total += _over(load[p], cap[p])
    every = sample >= clients
    for _ in range(iterations):
        it += 1
        best_delta = -np.inf
        mj = -1
        mb = -1
        mk = -1
        mc = -1
        # shifts: client j from its pool a to one of its candidate pools b
        for j in range(clients):
            a = assign[j]
            wa = weight[j, a]
            for q in range(width):
                b = cand[j, q]
                if b < 0 or b == a:
                    continue
                dprofit = profit[j, b] - profit[j, a]
                pen, o = _change(load, cap, alpha, a, -wa, b, weight[j, b], -1, 0)
                if dprofit - pen <= best_delta:
                    continue
                if tabu[j, b] > it:
                    if not (over_total + o == 0 and value + dprofit > best_value[0] + 1e-9):
                        continue
                best_delta = dprofit - pen
                mj, mb, mk = j, b, -1
        # chains of two shifts from every client (or a sample): j from a to b, then a client k
        # of b to a (a swap) or to one of k's first `second` candidate pools c
        for _s in range(min(sample, clients)):
            j = _s if every else np.random.randint(clients)
            a = assign[j]
            wa = weight[j, a]
            for q in range(width):
                b = cand[j, q]
                if b < 0 or b == a:
                    continue
                wjb = weight[j, b]
                tj = tabu[j, b] > it
                for r in range(size[b]):
                    k = members[b, r]
                    wkb = weight[k, b]
                    base = profit[j, b] - profit[j, a] - profit[k, b]
                    for t in range(second + 1):
                        c = a if t == second else cand[k, t]
                        if c < 0 or c == b or (t < second and c == a):
                            continue
                        pkc = profit[k, c]
                        if pkc == -np.inf:
                            continue
                        if c == a:
                            pen, o = _change(
                                load, cap, alpha, a, weight[k, a] - wa, b, wjb - wkb, -1, 0
                            )
                        else:
                            pen, o = _change(
                                load, cap, alpha, a, -wa, b, wjb - wkb, c, weight[k, c]
                            )
                        delta = base + pkc - pen
                        if delta <= best_delta:
                            continue
                        if tj or tabu[k, c] > it:
                            if not (
                                over_total + o == 0 and value + base + pkc > best_value[0] + 1e-9
                            ):
                                continue
                        best_delta = delta
                        mj, mb, mk, mc = j, b, k, c
        if mj < 0:
            counters[2] = 1
            break
        for who, to in ((mj, mb), (mk, mc)):  # the shift, then the chain's second (if any)
            if who < 0:
                break
            dv, do = _shift(
                profit, weight, cap, assign, load, members, size, slot, tabu, who, to,
                it + tenure_lo + np.random.randint(tenure_span),
            )  # fmt: skip
            value += dv
            over_total += do
        if over_total == 0:
            for p in range(sacks):
                alpha[p] = max(alpha[p] * down, alpha_lo)
            if value > best_value[0] + 1e-9:
                best_value[0] = value
                best[:] = assign
                found += 1
            if value > epoch_value[0] + 1e-9:
                epoch_value[0] = value
                stale = 0
            else:
                stale += 1
        else:
            for p in range(sacks):
                if load[p] > cap[p]:
                    alpha[p] = min(alpha[p] * up, alpha_hi)
            stale += 1
        if stale > restart:
            counters[2] = 2
            break
    counters[0] = it
    counters[1] = stale
    current[0] = value
    return found


@numba.njit(cache=True, nogil=True)
def _rebuild(
    weight: np.ndarray,
    assign: np.ndarray,
    load: np.ndarray,
    members: np.ndarray,
    size: np.ndarray,
    slot: np.ndarray,
) -> None:
    """Loads and member lists of the pools from `assign`."""
    load[:] = 0
    size[:] = 0
    for j in range(len(assign)):
        p = assign[j]
        load[p] += weight[j, p]
        members[p, size[p]] = j
        slot[j] = size[p]
        size[p] += 1


def client_prices(dense: Dense, prices: np.ndarray | None) -> np.ndarray:
    """The client prices to rank and penalise by: `prices` (the LP's client duals), or without
    them each client's best profit."""
    if prices is not None:
        return np.asarray(prices, dtype=np.float64)
    return np.where(np.isfinite(dense.profit), dense.profit, -np.inf).max(axis=0)


def budget_prices(dense: Dense, u: np.ndarray) -> np.ndarray:
    """Each pool's budget price at client prices u: the smallest that prices every triple of the
    pool at or below zero (the LP's own where its budget binds, when u are its duals); 0 for the
    two unbounded pools."""
    pools = dense.profit.shape[0]
    finite = np.isfinite(dense.profit)
    ratio = np.where(
        finite & (dense.weight > 0),
        (np.where(finite, dense.profit, 0) - u) / np.maximum(dense.weight, 1),
        0.0,
    )
    lam = np.zeros(pools)
    lam[: pools - 2] = np.maximum(ratio[: pools - 2].max(axis=1), 0.0)
    return lam


def candidates(dense: Dense, prices: np.ndarray | None, width: int) -> np.ndarray:
    """Each client's `width` most promising pools (−1 pads): by profit less the client's price
    and the pool's budget price (`budget_prices`; without prices each client's best profit, which
    ranks by profit), best first."""
    pools = dense.profit.shape[0]
    finite = np.isfinite(dense.profit)
    u = client_prices(dense, prices)
    lam = budget_prices(dense, u)
    reduced = np.where(finite, dense.profit - u - lam[:, None] * dense.weight, -np.inf)
    width = min(width, pools)
    order = np.argsort(-reduced, axis=0, kind="stable")[:width].T  # clients × width
    keep = np.take_along_axis(finite.T, order, axis=1)
    return np.ascontiguousarray(np.where(keep, order, -1).astype(np.int64))


def penalties(dense: Dense, prices: np.ndarray | None) -> np.ndarray:
    """Each pool's α at the start: its budget price at the LP's client prices, at least the
    typical profit step per weight unit (pools whose budget does not bind there); 0 for the two
    unbounded pools. The step alone (a median gap between a client's sorted profits over the
    median weight) is what is left without prices; on d801600 it is 1/50 of the LP's budget
    prices, and a search started that low wanders far over budget first and settles ~0.1 %
    worse (benchmarks/notes.md)."""
    pools = dense.profit.shape[0]
    finite = np.isfinite(dense.profit)
    gaps = np.abs(np.diff(np.sort(np.where(finite, dense.profit, 0), 0), axis=0))
    unit_gain = float(np.median(gaps[gaps > 0])) if (gaps > 0).any() else 1.0
    positive = dense.weight > 0
    unit_weight = float(np.median(dense.weight[positive])) if positive.any() else 1.0
    step = unit_gain / max(unit_weight, 1.0)
    lam = budget_prices(dense, client_prices(dense, prices)) if prices is not None else 0.0
    alpha = np.maximum(lam, step) * np.ones(pools)
    alpha[pools - 2 :] = 0.0
    return alpha


def chain_sample(clients: int, sacks: int, width: int, second: int) -> int:
    """How many clients' chains an iteration scans: all of them when their chains (width ×
    (second + 1) × a pool's mean membership each) fit CHAIN_EVALS, else as many as fit."""
    each = max(1, width * (min(second, width) + 1) * max(1, clients // max(1, sacks)))
    if clients * each <= CHAIN_EVALS:
        return clients
    return max(MIN_SAMPLE, CHAIN_EVALS // each)


def search(
    dense: Dense,
    chosen: np.ndarray,
    *,
    time_limit: float,
    seed: int = 0,
    target: float | None = None,
    prices: np.ndarray | None = None,
    exchange: Exchange | None = None,
    width: int = WIDTH,
    sample: int | None = None,
    second: int = SECOND,
) -> TabuResult:
    """Tabu search from the feasible allocation `chosen` (bool per triple) for `time_limit`
    seconds or until its score reaches `target`; the best feasible allocation found. With an
    `exchange`, new bests are offered to it between compiled calls and a better one there is
    taken (the search goes on from it). `sample` clients' chains are scanned each iteration
    (every client's when ≥ the clients; by default as many as CHAIN_EVALS allows)."""
    t0 = time.perf_counter()
    pools, clients = dense.profit.shape
    assign = assignment(dense, chosen)
    load = np.zeros(pools, dtype=np.int64)  # counted by _rebuild below, with the member lists
    start_value = float(dense.profit[assign, np.arange(clients)].sum())
    alpha = penalties(dense, prices)
    alpha0 = float(np.median(alpha[: pools - 2])) if pools > 2 else 1.0  # the clamp's base
    alpha_start = alpha.copy()
    tabu = np.zeros((clients, pools), dtype=np.int64)
    counters = np.zeros(3, dtype=np.int64)
    current = np.array([start_value])
    best = assign.copy()
    loads = np.bincount(assign, weights=dense.weight[assign, np.arange(clients)], minlength=pools)
    feasible0 = bool((loads <= dense.capacity).all())
    best_value = np.array([start_value if feasible0 else -np.inf])
    origin = assign.copy()
    epoch_value = best_value.copy()
    rng = np.random.default_rng(seed)
    improved = 0
    profit_t = np.ascontiguousarray(dense.profit.T)  # client-major: a client's pools side by side
    weight_t = np.ascontiguousarray(dense.weight.T)
    cand = candidates(dense, prices, width)
    if sample is None:
        sample = chain_sample(clients, pools - 2, width, second)
    members = np.empty((pools, clients), dtype=np.int64)
    size = np.zeros(pools, dtype=np.int64)
    slot = np.zeros(clients, dtype=np.int64)
    _rebuild(weight_t, assign, load, members, size, slot)
    offered = float(best_value[0])
    chunk = CHUNK[0]
    restarts = 0
    cleared = -1  # the iteration the tabu list was last cleared at (no admissible move left)
    # at least one compiled call: on a cold numba cache compiling takes seconds of the limit
    while target is None or best_value[0] < target:
        called = time.perf_counter()
        improved += _search(
            profit_t,
            weight_t,
            dense.capacity,
            cand,
            assign,
            load,
            members,
            size,
            slot,
            alpha,
            tabu,
            counters,
            current,
            best,
            best_value,
            epoch_value,
            chunk,
            sample,
            second,
            alpha0 * ALPHA_RANGE[0],
            alpha0 * ALPHA_RANGE[1],
            PENALTY_UP,
            PENALTY_DOWN,
            TENURE[0],
            TENURE[1],
            RESTART,
            int(rng.integers(2**31)),  # (seed + rounds would repeat another seed's calls)
        )
        took = time.perf_counter() - called
        if took < CALL_SECONDS:
            chunk = min(2 * chunk, CHUNK[1])
        elif took > 4 * CALL_SECONDS:
            chunk = max(chunk // 2, 1)
        if exchange is not None:
            if best_value[0] > offered:
                exchange.offer(to_chosen(dense, best, len(chosen)), float(best_value[0]))
                offered = float(best_value[0])
            got = exchange.take(float(best_value[0]))
            if got is not None:
                best[:] = assignment(dense, got[0])
                assign[:] = best
                _rebuild(weight_t, assign, load, members, size, slot)
                best_value[0] = current[0] = offered = epoch_value[0] = got[1]
                counters[1] = 0
                tabu[:, :] = 0
        if counters[2] == 2:  # RESTART iterations without a new best of the epoch: again,
            restarts += 1  # from the start with α at its start, or from the best (α kept)
            again = best if restarts % 2 == 0 else origin
            assign[:] = again
            _rebuild(weight_t, assign, load, members, size, slot)
            current[0] = float(profit_t[np.arange(clients), assign].sum())
            feasible = bool((load <= dense.capacity).all())
            epoch_value[0] = current[0] if feasible else -np.inf
            if again is origin:
                alpha[:] = alpha_start
            counters[1:] = 0
            tabu[:, :] = 0
        if counters[2] == 1:  # no admissible move: every one tabu and none a new best (small
            if cleared == counters[0]:  # tables), so the tabu list is cleared; with none tabu
                break  # and still no move there is none at all
            cleared = int(counters[0])
            tabu[:, :] = 0
            counters[2] = 0
        if time.perf_counter() - t0 >= time_limit:
            break
    seconds = time.perf_counter() - t0
    if not np.isfinite(best_value[0]) or best_value[0] <= start_value and feasible0:
        return TabuResult(None, start_value, int(counters[0]), 0, seconds)
    out = to_chosen(dense, best, len(chosen))
    return TabuResult(out, float(best_value[0]), int(counters[0]), improved, seconds)


def assignment(dense: Dense, chosen: np.ndarray) -> np.ndarray:
    """Each client's pool under `chosen` (bool per triple; "unassigned" where it has none)."""
    pools, clients = dense.profit.shape
    where = np.argwhere(dense.triple >= 0)
    pool_of = np.empty(int(dense.triple.max()) + 1, dtype=np.int64)
    client_of = np.empty_like(pool_of)
    pool_of[dense.triple[where[:, 0], where[:, 1]]] = where[:, 0]
    client_of[dense.triple[where[:, 0], where[:, 1]]] = where[:, 1]
    assign = np.full(clients, pools - 2, dtype=np.int64)
    picked = np.flatnonzero(chosen)
    assign[client_of[picked]] = pool_of[picked]
    return assign


def to_chosen(dense: Dense, assign: np.ndarray, triples: int) -> np.ndarray:
    """The bool-per-triple allocation of `assign` (each client's pool)."""
    out = np.zeros(triples, dtype=bool)
    t = dense.triple[assign, np.arange(len(assign))]
    out[t[t >= 0]] = True
    return out
