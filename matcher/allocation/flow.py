"""Max-weight assignment by min-cost flow: the weekly allocation without its budget rows.

source → client (capacity 1) → placement (one arc per triple, cost −profit) → [capped provider]
→ sink, plus a bypass source → sink so that leaving a client out costs nothing. Seats and
provider caps nest (a capped provider's wage-subsidy placements feed one provider node), so
every row but the budgets is a capacity of the network and the optimum is integral. Locked pairs
are fixed before the flow (they use up their seat and cap). With budgets priced at λ (profit =
score − λ·cost) this is the Lagrangian subproblem of `matcher.allocation.lagrange`.

Large tables are solved by column generation: OR-Tools' SimpleMinCostFlow runs on a small active
set of arcs (each placement's best candidates and every arc used before); placement prices t
come from the flow by a longest-path pass, and every client's best arc at those prices is priced
out over the whole table (one numpy pass). Arcs that would improve are added and the flow is
solved again, until none is left: the answer is then optimal for the whole table. At every
round, u_i = max(0, max_j profit_ij − t_j) with t split into seat and cap prices is a feasible
dual, so Σu + Σ seats·v + Σ cap·w is a valid upper bound even before the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.allocation.constraints import Rows

SOURCE, SINK = 0, 1
FAMILIES = ("client", "seats", "budget", "cap", "lock")
PROFIT_RANGE = 2.0**40  # |scaled profit| stays below this (× nodes within OR-Tools' cost range)
FINE_SCALE, COARSE_SCALE = 10_000, 100  # profits are rounded to 1/scale (coarse for big tables);
COARSE_FROM = 200_000  # the rounding error enters the bound

NEG = np.iinfo(np.int64).min // 4  # "no arc" in scaled-profit arrays
FIRST_PER_SEAT = 3  # initial active arcs per placement: this many per seat …
FIRST_EXTRA = 10  # … plus this many
MAX_ROUNDS = 60


class FlowError(RuntimeError):
    """The min-cost flow solver did not return an optimum (a bug, never bad input)."""


@dataclass(frozen=True)
class FlowNet:
    """The static part of the network over a Rows structure: each triple's rows and the client
    runs (a client's triples are adjacent, placements ascending)."""

    rows: Rows
    client_row: np.ndarray  # per triple
    seats_row: np.ndarray
    cap_row: np.ndarray  # −1 when the placement has no capped provider
    budget_row: np.ndarray  # −1 when no budget row charges the triple
    lock_row: np.ndarray  # −1 when the triple belongs to no locked pair
    client_start: np.ndarray  # first triple of each client run
    run_of: np.ndarray  # per triple: its client run
    seats_cap_row: np.ndarray  # per row (seats rows used): the cap row of the placement or −1
    by_seat: np.ndarray  # triples ordered by seats row
    seat_start: np.ndarray  # boundaries of the seats rows' runs in by_seat (with the end)
    scale: int  # profits are multiplied by this and rounded for the flow

    @property
    def n(self) -> int:
        return len(self.client_row)


@dataclass
class FlowResult:
    """One max-weight assignment: the chosen triples, their exact profit, and an upper bound on
    the best profit of any assignment; `prices` are the placement prices t of the last round."""

    chosen: np.ndarray
    value: float
    bound: float
    feasible: bool  # False when the locks cannot all be kept within seats and caps
    seconds: float
    rounds: int = 0
    active: np.ndarray | None = None  # arcs of the last round (warm start for a next call)
    prices: np.ndarray | None = None  # per row: t (seats rows) in profit units
    stats: dict[str, float] = field(default_factory=dict)


def distinct(values: np.ndarray, size: int) -> np.ndarray:
    """The distinct values of an array of indices in [0, size), ascending (a bincount, O(n))."""
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.bincount(values, minlength=size) > 0)


def family_rows(rows: Rows) -> dict[str, np.ndarray]:
    """For each family, the row index of each triple (−1 when none), from the CSR rows directly."""
    m = rows.matrix
    n = m.shape[1]
    out = {f: np.full(n, -1, dtype=np.int64) for f in FAMILIES}
    if not m.nnz:
        return out
    row_of_entry = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    codes = {f: i for i, f in enumerate(FAMILIES)}
    fam_code = np.array([codes.get(str(f), -1) for f in rows.family], dtype=np.int64)
    fam_of_entry = fam_code[row_of_entry]
    for f, code in codes.items():
        sel = fam_of_entry == code
        out[f][m.indices[sel]] = row_of_entry[sel]
    return out


def profit_scale(score: np.ndarray, n_nodes: int) -> int:
    """The rounding scale for fractional profits of magnitude up to max|score|: fine for small
    tables, coarse (faster flows, error ≈ 1e-6 of the objective) for large ones."""
    top = float(np.abs(score).max()) if len(score) else 1.0
    wanted = FINE_SCALE if len(score) < COARSE_FROM else COARSE_SCALE
    return int(max(1, min(wanted, PROFIT_RANGE / max(top, 1.0) / max(n_nodes, 1))))


def flow_net(rows: Rows, score: np.ndarray | None = None) -> FlowNet:
    """Index the rows of `rows` per triple (one client, one seats, at most one cap/budget/lock row)."""
    pr = family_rows(rows)
    return index_net(
        rows, pr["client"], pr["seats"], pr["cap"], pr["budget"], pr["lock"], score=score
    )


def index_net(
    rows: Rows,
    client_row: np.ndarray,
    seats_row: np.ndarray,
    cap_row: np.ndarray,
    budget_row: np.ndarray,
    lock_row: np.ndarray,
    *,
    score: np.ndarray | None = None,
    by_seat: np.ndarray | None = None,
) -> FlowNet:
    """A FlowNet from each triple's rows (`rows` gives the row bounds; `by_seat`, the triples in
    stable seats-row order, is computed when not given): client runs, seat runs, seats → cap."""
    n = len(client_row)
    if n and (client_row.min() < 0 or seats_row.min() < 0):
        raise ValueError("every triple needs a client row and a seats row")
    start = np.ones(n, dtype=bool)
    if n:
        same = client_row[1:] == client_row[:-1]
        start[1:] = ~same
        if int(start.sum()) != int((np.bincount(client_row) > 0).sum()):
            raise ValueError("triples must be grouped by client (as build_pairs makes them)")
    client_start = np.flatnonzero(start)
    seats_cap_row = np.full(len(rows.hi), -1, dtype=np.int64)
    has_cap = cap_row >= 0
    seats_cap_row[seats_row[has_cap]] = cap_row[has_cap]
    s = np.asarray(score if score is not None else np.zeros(0), dtype=np.float64)
    if by_seat is None:
        by_seat = np.argsort(seats_row, kind="stable")
    sr = seats_row[by_seat]
    seat_start = (
        np.flatnonzero(np.concatenate([[True], sr[1:] != sr[:-1]])) if n else np.zeros(0, np.int64)
    )
    return FlowNet(
        rows=rows,
        client_row=client_row,
        seats_row=seats_row,
        cap_row=cap_row,
        budget_row=budget_row,
        lock_row=lock_row,
        client_start=client_start,
        run_of=np.cumsum(start) - 1,
        seats_cap_row=seats_cap_row,
        by_seat=by_seat,
        seat_start=np.append(seat_start, n),
        scale=profit_scale(s, 2 + len(rows.hi)) if len(s) else COARSE_SCALE,
    )


def _fix_locks(
    net: FlowNet, ip: np.ndarray, allowed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Fix the best allowed triple of every locked pair: (fixed triples, capacities left,
    locked client rows mask, feasible)."""
    hi = net.rows.hi.astype(np.int64).copy()
    locked_rows = np.zeros(len(hi), dtype=bool)
    lock_idx = np.flatnonzero(net.lock_row >= 0)
    if not len(lock_idx):
        return np.zeros(0, dtype=np.int64), hi, locked_rows, True
    ok = np.ones(len(lock_idx), dtype=bool) if allowed is None else allowed[lock_idx]
    cand = lock_idx[ok]
    order = cand[np.lexsort((-ip[cand], net.lock_row[cand]))]
    first = np.ones(len(order), dtype=bool)
    first[1:] = net.lock_row[order][1:] != net.lock_row[order][:-1]
    fixed = order[first]
    feasible = len(np.unique(net.lock_row[lock_idx])) == len(fixed)
    np.subtract.at(hi, net.client_row[fixed], 1)
    np.subtract.at(hi, net.seats_row[fixed], 1)
    capped = net.cap_row[fixed]
    np.subtract.at(hi, capped[capped >= 0], 1)
    locked_rows[net.client_row[lock_idx]] = True
    if (hi < 0).any():
        feasible = False
        hi = np.maximum(hi, 0)
    return fixed, hi, locked_rows, feasible


def _solve_flow(net: FlowNet, arc: np.ndarray, ip: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Max-weight flow over the triples `arc` (scaled integer profits `ip` > 0): chosen arcs."""
    if not len(arc):
        return arc
    size = len(hi)
    clients = distinct(net.client_row[arc], size)
    seats = distinct(net.seats_row[arc], size)
    cap_of = net.seats_cap_row[seats]
    caps = distinct(cap_of[cap_of >= 0], size)
    to_node = np.full(len(seats), SINK, dtype=np.int64)
    to_node[cap_of >= 0] = cap_of[cap_of >= 0] + 2
    supply = len(clients)
    tails = np.concatenate(
        [np.full(supply, SOURCE), net.client_row[arc] + 2, seats + 2, caps + 2, [SOURCE]]
    )
    heads = np.concatenate(
        [clients + 2, net.seats_row[arc] + 2, to_node, np.full(len(caps), SINK), [SINK]]
    )
    capacity = np.concatenate(
        [np.minimum(hi[clients], 1), np.ones(len(arc), np.int64), hi[seats], hi[caps], [supply]]
    )
    unit_cost = np.concatenate(
        [np.zeros(supply, np.int64), -ip[arc], np.zeros(len(seats) + len(caps) + 1, np.int64)]
    )
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        capacity.astype(np.int64),
        unit_cost.astype(np.int64),
    )
    solver.set_nodes_supplies(
        np.array([SOURCE, SINK], dtype=np.int32), np.array([supply, -supply], dtype=np.int64)
    )
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise FlowError(f"min-cost flow ended with status {status}")
    flows = np.asarray(solver.flows(np.asarray(arcs)[supply : supply + len(arc)].astype(np.int32)))
    return arc[flows > 0]


def _prices(
    net: FlowNet,
    arc: np.ndarray,
    ip: np.ndarray,
    chosen: np.ndarray,
    hi: np.ndarray,
    used: np.ndarray,
) -> np.ndarray:
    """Placement prices t (per row) for an optimal flow over `arc`: the least t ≥ 0 with
    t_j ≥ profit of every unassigned client's arc to j, and t_j ≥ t_j* + profit_ij − profit_ij*
    for an assigned client moving from j* to j (a longest-path pass); capped providers add a
    node that non-full placements feed and every placement of the provider takes from."""
    t = np.zeros(len(hi), dtype=np.int64)
    assigned_client = np.zeros(len(hi), dtype=bool)
    assigned_client[net.client_row[chosen]] = True
    own = np.full(len(hi), 0, dtype=np.int64)  # per assigned client row: its seats row
    own_p = np.zeros(len(hi), dtype=np.int64)
    own[net.client_row[chosen]] = net.seats_row[chosen]
    own_p[net.client_row[chosen]] = ip[chosen]
    free = ~assigned_client[net.client_row[arc]]
    np.maximum.at(t, net.seats_row[arc[free]], ip[arc[free]])
    moving = arc[~free]
    moving = moving[net.seats_row[moving] != own[net.client_row[moving]]]
    src = own[net.client_row[moving]]
    dst = net.seats_row[moving]
    weight = ip[moving] - own_p[net.client_row[moving]]
    seat_rows = distinct(net.seats_row[arc], len(hi))
    cap_of = net.seats_cap_row[seat_rows]
    capped = cap_of >= 0
    if capped.any():
        cj, cq = seat_rows[capped], cap_of[capped]
        not_full = used[cj] < hi[cj]
        src = np.concatenate([src, cj[not_full], cq])
        dst = np.concatenate([dst, cq[not_full], cj])
        weight = np.concatenate([weight, np.zeros(int(not_full.sum()) + len(cj), np.int64)])
    for _ in range(len(seat_rows) + int(capped.sum()) + 2):
        cand = t[src] + weight
        better = cand > t[dst]
        if not better.any():
            break
        np.maximum.at(t, dst[better], cand[better])
    return t


def _split_caps(
    net: FlowNet, t: np.ndarray, hi: np.ndarray, seat_rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Seat prices v and cap prices w with v_j + w_Q ≥ t_j minimising Σ seats·v + Σ cap·w."""
    v = np.zeros(len(hi), dtype=np.int64)
    w = np.zeros(len(hi), dtype=np.int64)
    v[seat_rows] = t[seat_rows]
    cap_of = net.seats_cap_row[seat_rows]
    capped = np.flatnonzero(cap_of >= 0)
    if not len(capped):
        return v, w
    cj, cq = seat_rows[capped], cap_of[capped]
    order = np.lexsort((-t[cj], cq))
    cj, cq = cj[order], cq[order]
    for q in distinct(cq, len(hi)).tolist():
        members = cj[cq == q]
        tj, sj = t[members], hi[members]
        cum = np.cumsum(sj)
        k = int(np.searchsorted(cum, hi[q], side="right"))  # first k members' seats fit the cap
        best = int(tj[k]) if k < len(members) else 0
        w[q] = max(best, 0)
        v[members] = np.maximum(tj - w[q], 0)
    return v, w


def max_weight_assignment(
    net: FlowNet,
    profit: np.ndarray,
    *,
    allowed: np.ndarray | None = None,
    active: np.ndarray | None = None,
    exact: bool = True,
    max_rounds: int = MAX_ROUNDS,
    add: int = 1,
) -> FlowResult:
    """The assignment maximising Σ profit over the triples (client once, seats, provider caps,
    locks) — budgets are not rows here. `allowed` (bool per triple) restricts the arcs; a lock
    whose triples are all disallowed makes the result infeasible. `active` (triple indices)
    seeds the column generation; `exact=False` stops after the first round (bound still valid);
    `add` arcs of best reduced profit enter per short client and round (more: fewer flow solves).
    """
    t0 = time.perf_counter()
    rows = net.rows
    profit = np.asarray(profit, dtype=np.float64)
    integral = bool(np.all(profit == np.rint(profit)))
    scale = (
        1
        if integral and float(np.abs(profit).max(initial=0)) * (2 + len(rows.hi)) < PROFIT_RANGE
        else net.scale
    )
    ip = np.rint(profit * scale).astype(np.int64)
    usable = ip > 0
    if allowed is not None:
        usable &= allowed
    fixed, hi, locked_rows, feasible = _fix_locks(net, ip, allowed)
    usable &= ~locked_rows[net.client_row]
    usable &= hi[net.client_row] > 0
    locked_value = float(profit[fixed].sum())
    val = np.where(usable, ip, NEG)

    if active is None or not len(active):
        active = _first_active(net, val, hi)
    active = distinct(np.concatenate([active, fixed]), net.n)
    active = active[usable[active]]
    seat_rows_all = distinct(net.seats_row[usable], len(hi))
    rounds = 0
    stats: dict[str, float] = {}
    while True:
        rounds += 1
        chosen_arcs = _solve_flow(net, active, ip, hi)
        used = (
            np.bincount(net.seats_row[chosen_arcs], minlength=len(hi))
            if len(chosen_arcs)
            else np.zeros(len(hi), np.int64)
        )
        if len(chosen_arcs):
            cap_rows = net.cap_row[chosen_arcs]
            used += np.bincount(cap_rows[cap_rows >= 0], minlength=len(hi))
        t = _prices(net, active, ip, chosen_arcs, hi, used)
        # every client's best arc at prices t, over the whole table
        reduced = val - t[net.seats_row]
        if len(reduced):
            best = np.maximum.reduceat(reduced, net.client_start)
            best = np.maximum(best, 0)
        else:
            best = np.zeros(0, np.int64)
        have = np.zeros(len(hi), dtype=np.int64)
        have[net.client_row[chosen_arcs]] = ip[chosen_arcs] - t[net.seats_row[chosen_arcs]]
        run_client = (
            net.client_row[net.client_start] if len(net.client_start) else np.zeros(0, np.int64)
        )
        short = best > np.maximum(have[run_client], 0)
        v, w = _split_caps(net, t, hi, seat_rows_all)
        dual = int(best.sum()) + int((v * hi).sum()) + int((w * hi).sum())
        stats = {"arcs": float(len(active)), "violating_clients": float(short.sum())}
        if not short.any() or not exact or rounds >= max_rounds:
            break
        active = distinct(
            np.concatenate([active, _entering(net, reduced, have, short, add)]), net.n
        )
    chosen = np.zeros(net.n, dtype=bool)
    chosen[fixed] = True
    chosen[chosen_arcs] = True
    value = float(profit[chosen].sum())
    # any assignment's profit ≤ its rounded profit + (clients it places)/(2·scale)
    most = min(int((hi[net.client_row[net.client_start]] > 0).sum()), int(hi[seat_rows_all].sum()))
    rounding = 0.0 if scale == 1 else most / (2.0 * scale)
    bound = locked_value + dual / scale + rounding
    return FlowResult(
        chosen=chosen,
        value=value,
        bound=max(bound, value),
        feasible=feasible,
        seconds=time.perf_counter() - t0,
        rounds=rounds,
        active=active,
        prices=t.astype(np.float64) / scale,
        stats=stats,
    )


def _entering(
    net: FlowNet, reduced: np.ndarray, have: np.ndarray, short: np.ndarray, add: int
) -> np.ndarray:
    """Up to `add` arcs per short client whose reduced profit beats its current arc, best first
    (ties: the first); every short client's best arc is among them."""
    run_client = net.client_row[net.client_start]
    floor = np.maximum(have[run_client], 0)
    runs_short = short[net.run_of]
    hit = np.flatnonzero(runs_short & (reduced > floor[net.run_of]))
    run = net.run_of[hit]
    order = np.lexsort((-reduced[hit], run))
    hit, run = hit[order], run[order]
    first = np.ones(len(hit), dtype=bool)
    first[1:] = run[1:] != run[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(hit)), 0))
    return hit[np.arange(len(hit)) - start < add]


def _first_active(net: FlowNet, val: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Each placement's best FIRST_PER_SEAT·seats + FIRST_EXTRA usable arcs: what its seats are
    most likely to take (pricing adds the rest)."""
    if not net.n:
        return np.zeros(0, dtype=np.int64)
    picked = []
    order, starts = net.by_seat, net.seat_start
    v = val[order]
    for k in range(len(starts) - 1):
        a, b = int(starts[k]), int(starts[k + 1])
        want = FIRST_PER_SEAT * int(hi[net.seats_row[order[a]]]) + FIRST_EXTRA
        if b - a > want:
            top = a + np.argpartition(-v[a:b], want)[:want]
            picked.append(order[top])
        else:
            picked.append(order[a:b])
    out = distinct(np.concatenate(picked), net.n)
    return out[val[out] > NEG]
