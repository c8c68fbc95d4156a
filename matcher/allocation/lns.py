"""Large-neighbourhood search around the budget-binding parts of an allocation.

The LP optimum tells where an integral allocation loses against the bound: every unit of
budget left unspent in a priced pool, every priced seat left empty and every assignment with a
negative reduced profit (the bound minus the objective is exactly the sum of those terms). A
neighbourhood frees the placements one pool pays for (or that have priced empty seats), the
clients in them and the unassigned clients who could take them, keeps everything else fixed, and
re-solves that part exactly — a knapsack-like repacking of the pool's budget that greedy rounding
cannot do. Neighbourhoods are visited worst loss first, with the columns nearest to the LP optimum
(highest reduced profit) kept when a neighbourhood is too large.

The part is solved by HiGHS (LP-based branch-and-cut: its LP is almost integral here) or CP-SAT;
why HiGHS and these part sizes: benchmarks/RESULTS.md, "Design measurements".
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model

from matcher.allocation.aggregate import solve_aggregate, worth_aggregating
from matcher.allocation.constraints import Rows
from matcher.allocation.exchange import Exchange
from matcher.allocation.flow import FlowNet, distinct, flow_net
from matcher.allocation.mip import solve_mip
from matcher.allocation.model import build_cp_model
from matcher.allocation.primal import row_use

MAX_COLUMNS = 1_500  # columns of one neighbourhood (the highest reduced profit kept)
STEP_SECONDS = 1.0  # solver time per neighbourhood (it usually proves the part optimal sooner)
ENGINE = "highs"
GROUP_POOLS = (3, 8)  # pools freed together in a group neighbourhood: first, most
GROUP_BATCH = 16  # group neighbourhoods drawn per pass


@dataclass
class LnsResult:
    """The improved allocation and what the search did."""

    chosen: np.ndarray
    objective: float
    steps: int
    improved: int
    seconds: float
    log: list[dict[str, float | str]] = field(default_factory=list)


@dataclass
class Neighbourhood:
    """A named set of seats rows whose placements are re-solved, and the loss it may recover."""

    name: str
    seats: np.ndarray
    loss: float
    inside: bool = False  # free the clients' columns into `seats` only (a closed sub-problem)


class Context:
    """Per-search data: the column-wise matrix, columns grouped by seats row, by client and by
    budget row (so a neighbourhood is gathered without scanning the table), and the current
    row activities."""

    def __init__(self, net: FlowNet, score: np.ndarray) -> None:
        self.net = net
        self.rows = net.rows
        self.score = np.asarray(score, dtype=np.float64)
        self.csc = self.rows.matrix.tocsc()
        self.n_rows = len(self.rows.hi)
        sr = net.seats_row[net.by_seat]
        self.seat_run = np.full(self.n_rows, -1, dtype=np.int64)  # seats row → run in by_seat
        starts = net.seat_start[:-1]
        self.seat_run[sr[starts]] = np.arange(len(starts))
        self.client_run = np.full(self.n_rows, -1, dtype=np.int64)  # client row → client run
        self.client_run[net.client_row[net.client_start]] = np.arange(len(net.client_start))
        self.client_end = np.append(net.client_start[1:], net.n)
        charged = np.flatnonzero(net.budget_row >= 0)
        order = charged[np.argsort(net.budget_row[charged], kind="stable")]
        b = net.budget_row[order]
        self.pool_seats: dict[int, np.ndarray] = {}
        if len(order):
            cuts = np.flatnonzero(np.concatenate([[True], b[1:] != b[:-1]]))
            for k, a in enumerate(cuts.tolist()):
                z = int(cuts[k + 1]) if k + 1 < len(cuts) else len(order)
                self.pool_seats[int(b[a])] = distinct(net.seats_row[order[a:z]], self.n_rows)
        self.use = np.zeros(self.n_rows, dtype=np.int64)

    def columns_of_seats(self, seats: np.ndarray) -> np.ndarray:
        net = self.net
        runs = self.seat_run[seats]
        runs = runs[runs >= 0]
        parts = [net.by_seat[net.seat_start[r] : net.seat_start[r + 1]] for r in runs.tolist()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def columns_of_clients(self, clients: np.ndarray) -> np.ndarray:
        runs = self.client_run[clients]
        runs = runs[runs >= 0]
        parts = [np.arange(self.net.client_start[r], self.client_end[r]) for r in runs.tolist()]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def sub_rows(ctx: Context, free: np.ndarray, fixed_use: np.ndarray) -> tuple[Rows, np.ndarray]:
    """Rows over the columns `free`, capacities reduced by the fixed part's use; only the rows
    the columns touch are kept. Returns (rows, kept row indices)."""
    rows = ctx.rows
    m = ctx.csc[:, free].tocsr()
    used = np.flatnonzero(np.diff(m.indptr) > 0)
    m = m[used]
    lo = rows.lo[used] - np.where(rows.lo[used] >= 1, fixed_use[used], 0)
    hi = rows.hi[used] - fixed_use[used]
    return (
        Rows(
            matrix=sp.csr_matrix(m),
            lo=np.maximum(lo, 0),
            hi=np.maximum(hi, 0),
            family=rows.family[used],
            owner=rows.owner[used],
            cost_cents=rows.cost_cents[free],
        ),
        used,
    )


def solve_part(
    ctx: Context,
    chosen: np.ndarray,
    free: np.ndarray,
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    engine: str = ENGINE,
    use: np.ndarray | None = None,
) -> tuple[np.ndarray, float] | None:
    """Re-solve the columns `free` (sorted, distinct) with the rest of `chosen` fixed, by HiGHS
    (or CP-SAT when `engine` is "cpsat"); `use` (default `ctx.use`) holds the row activities of
    `chosen`. Returns (new values of the free columns, gain) when the part got strictly better."""
    if not len(free):
        return None
    sub = ctx.csc[:, free]
    old = chosen[free]
    base = ctx.use if use is None else use
    fixed_use = base - np.asarray(sub @ old.astype(np.int64)).ravel()
    part, _ = sub_rows(ctx, free, fixed_use)
    current = float(ctx.score[free][old].sum())
    if engine == "highs":
        net = flow_net(part)
        whole = partial(solve_aggregate, net=net) if worth_aggregating(net) else solve_mip
        res = whole(part, ctx.score[free], time_limit=time_limit, start=old)
        if res.objective is None or res.objective <= current + 1e-9:
            return None
        return res.chosen, float(res.objective) - current
    built = build_cp_model(part, ctx.score[free].astype(np.int64), hint=old)
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, time_limit)
    p.num_workers = workers
    p.random_seed = seed
    status = solver.solve(built.model)
    if (
        status not in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        or solver.objective_value <= current + 1e-9
    ):
        return None
    new = np.asarray(solver.response_proto.solution, dtype=np.int64)[: len(free)].astype(bool)
    return new, float(solver.objective_value) - current


def pool_neighbourhoods(ctx: Context, duals: np.ndarray) -> list[Neighbourhood]:
    """One neighbourhood per priced budget row and one for priced empty seats, worst loss first
    (losses at the current allocation: price × unspent budget, price × empty seats)."""
    rows = ctx.rows
    slack = rows.hi - ctx.use
    y = np.maximum(duals, 0.0)
    seat_loss = np.where(rows.family == "seats", y * np.maximum(slack, 0), 0.0)
    out: list[Neighbourhood] = []
    for f, seats in ctx.pool_seats.items():
        loss = float(y[f] * max(slack[f], 0) + seat_loss[seats].sum())
        if loss <= 0 and y[f] <= 0:
            continue
        out.append(Neighbourhood(f"pool:{int(rows.owner[f])}", seats, loss))
    empty = np.flatnonzero(seat_loss > 0)
    if len(empty):
        out.append(Neighbourhood("empty-seats", empty, float(seat_loss.sum())))
    out.sort(key=lambda nb: -nb.loss)
    return out


def group_neighbourhoods(
    ctx: Context,
    chosen: np.ndarray,
    reduced: np.ndarray,
    rng: np.random.Generator,
    pools: int,
    count: int,
) -> list[Neighbourhood]:
    """`count` closed neighbourhoods of `pools` budget pools each: a random seed pool and the
    pools its clients would move to most readily (highest reduced profit of their columns into
    them, with Gumbel noise so that repeated draws differ). Their clients are re-packed among
    these pools' placements only — an ejection chain across several pools solved exactly."""
    net = ctx.net
    keys = np.array(sorted(ctx.pool_seats), dtype=np.int64)
    if len(keys) < 2:
        return []
    pools = min(pools, len(keys))
    out: list[Neighbourhood] = []
    for seed in rng.choice(keys, size=min(count, len(keys)), replace=False).tolist():
        cols = ctx.columns_of_seats(ctx.pool_seats[seed])
        sitting = distinct(net.client_row[cols[chosen[cols]]], ctx.n_rows)
        theirs = ctx.columns_of_clients(sitting)
        to = net.budget_row[theirs]
        ok = (to >= 0) & (to != seed)
        link = np.full(ctx.n_rows, -np.inf)
        np.maximum.at(link, to[ok], reduced[theirs[ok]])
        cand = np.flatnonzero(np.isfinite(link))
        cand = cand[np.isin(cand, keys)]
        if not len(cand):
            cand = keys[keys != seed]
            link[cand] = 0.0
        spread = float(np.std(link[cand])) or 1.0
        noisy = link[cand] + spread * rng.gumbel(size=len(cand))
        group = [seed, *cand[np.argsort(-noisy)[: pools - 1]].tolist()]
        seats = distinct(np.concatenate([ctx.pool_seats[f] for f in group]), ctx.n_rows)
        name = "pools:" + "+".join(str(int(ctx.rows.owner[f])) for f in group)
        out.append(Neighbourhood(name, seats, 0.0, inside=True))
    return out


def around(
    ctx: Context,
    chosen: np.ndarray,
    reduced: np.ndarray,
    seats: np.ndarray,
    max_columns: int,
    inside_only: bool = False,
) -> np.ndarray:
    """Free columns around the seats rows `seats`: every column into them of a client who is
    unassigned or sits in one of them, plus those clients' other columns (only those into `seats`
    when `inside_only`); the chosen ones always, then the highest reduced profit up to
    `max_columns`."""
    net = ctx.net
    into = ctx.columns_of_seats(seats)
    taken = into[chosen[into]]
    inside = distinct(net.client_row[taken], ctx.n_rows)  # clients sitting in `seats`
    theirs = (
        into[np.isin(net.client_row[into], inside)]
        if inside_only
        else (ctx.columns_of_clients(inside))
    )
    free_client = ctx.use[net.client_row[into]] == 0
    idx = distinct(np.concatenate([into[free_client], theirs]), net.n)
    keep = chosen[idx]
    must, rest = idx[keep], idx[~keep]
    room = max_columns - len(must)
    if len(rest) > room > 0:
        rest = rest[np.argpartition(-reduced[rest], room)[:room]]
    elif room <= 0:
        rest = rest[:0]
    return np.concatenate([must, rest])


def search(
    ctx: Context,
    chosen: np.ndarray,
    reduced: np.ndarray,
    duals: np.ndarray,
    *,
    time_limit: float,
    bound: float | None = None,
    workers: int = 2,
    seed: int = 0,
    max_columns: int = MAX_COLUMNS,
    engine: str = ENGINE,
    step_seconds: float = STEP_SECONDS,
    group_pools: tuple[int, int] = GROUP_POOLS,
    stall: float | None = None,
    on_improve: Callable[[float], None] | None = None,
    exchange: Exchange | None = None,
    give_way: Callable[[float], bool] | None = None,
) -> LnsResult:
    """Visit pool and empty-seat neighbourhoods (worst loss first, again while any improves; wider
    after a pass without gain), then groups of `group_pools` (first, most) pools re-packed among
    themselves (`group_neighbourhoods`; (0, 0) turns them off), until `time_limit` or the
    objective reaches floor(bound), or `stall` seconds have passed without a gain, or `give_way`
    says so of its objective (the tabu search beside it leads by far: its core serves better there). Each gain is
    offered to `exchange` (the tabu search beside it goes on from it when better); the LNS takes
    nothing back: on e801600 its result with two-way exchange was 0.03 % worse (notes.md).

    `workers` threads solve neighbourhoods at the same time when they share no row (HiGHS runs
    without Python's lock); each part is then independent of the other, so their results add up.
    """
    t0 = time.perf_counter()
    best = chosen.copy()
    ctx.use = row_use(ctx.net, best)
    lock = threading.Lock()
    busy = np.zeros(ctx.n_rows, dtype=bool)  # rows of the parts being solved
    state: dict[str, float] = {
        "value": float(ctx.score[best].sum()),
        "steps": 0,
        "improved": 0,
        "gained": 0,
        "last_gain": t0,
    }
    log: list[dict[str, float | str]] = []
    target = None if bound is None else math.floor(bound + 1e-6)

    def time_left() -> float:
        return time_limit - (time.perf_counter() - t0)

    def stop() -> bool:
        stalled = stall is not None and time.perf_counter() - state["last_gain"] > stall
        stalled = stalled or (give_way is not None and give_way(state["value"]))
        return time_left() <= 0.05 or stalled or (target is not None and state["value"] >= target)

    def work(queue: deque[Neighbourhood], size: int) -> None:
        waits = 0
        while True:
            with lock:
                if stop() or not queue:
                    return
                hood = queue.popleft()
                free = distinct(
                    around(ctx, best, reduced, hood.seats, size, hood.inside), ctx.net.n
                )
                touched = distinct(ctx.csc[:, free].indices, ctx.n_rows) if len(free) else free
                if busy[touched].any():  # overlaps a part in flight: later
                    queue.append(hood)
                    waits += 1
                    if waits > len(queue):
                        waits = 0
                        time.sleep(0.01)
                    continue
                waits = 0
                busy[touched] = True
                snapshot = best[free].copy()
                use = ctx.use.copy()
                state["steps"] += 1
                step = int(state["steps"])
            res = None
            try:
                left = time_left()
                if left > 0.05:
                    res = solve_part(
                        ctx,
                        best,
                        free,
                        time_limit=min(step_seconds, left),
                        seed=seed + step,
                        engine=engine,
                        use=use,
                    )
            finally:
                with lock:
                    busy[touched] = False
                    entry: dict[str, float | str] = {
                        "t": round(time.perf_counter() - t0, 3),
                        "hood": hood.name,
                        "columns": float(len(free)),
                    }
                    if res is not None:
                        new, gain = res
                        best[free] = new
                        delta = new.astype(np.int64) - snapshot.astype(np.int64)
                        ctx.use += np.asarray(ctx.csc[:, free] @ delta).ravel()
                        state["value"] += gain
                        state["improved"] += 1
                        state["gained"] += 1
                        state["last_gain"] = time.perf_counter()
                        entry["gain"] = gain
                        if exchange is not None:
                            exchange.offer(best, state["value"])
                        if on_improve:
                            on_improve(state["value"])
                    log.append(entry)

    size = max_columns
    threads = max(1, int(workers))
    rng = np.random.default_rng(seed)
    first, most = group_pools
    pools = first
    grouped = False  # single pools and empty seats first; groups once they stop paying
    while not stop():
        if grouped:
            hoods = group_neighbourhoods(ctx, best, reduced, rng, pools, GROUP_BATCH)
        else:
            hoods = pool_neighbourhoods(ctx, duals)
        if not hoods:
            if grouped or most < 2:
                break
            grouped = True
            continue
        state["gained"] = 0
        queue = deque(hoods)
        if threads == 1:
            work(queue, size)
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                for future in [pool.submit(work, queue, size) for _ in range(threads)]:
                    future.result()
        if state["gained"]:
            continue
        if grouped:
            pools = first + (pools - first + 1) % (most - first + 1)  # vary the group size
            if pools == first:
                size = min(2 * size, 16 * max_columns)  # a whole cycle without gain: wider
        elif most >= 2:
            grouped = True
        elif size < 16 * max_columns:
            size *= 2  # nothing moved at this size: look wider
        else:
            break
    return LnsResult(
        best,
        state["value"],
        int(state["steps"]),
        int(state["improved"]),
        time.perf_counter() - t0,
        log,
    )
