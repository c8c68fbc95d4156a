"""Employer shortlists: for every placement with s free seats a ranked list of up to K·s feasible
candidates, each client on at most L lists, and budgets and caps that hold whatever the employers
pick (GUARANTEE below). Modelled over the allocation's pair table (CP-SAT; HiGHS on large ones), not post-processed.

The pieces, beside this module in matcher/shortlists/: `problem` (the problem and its top-s
reservations), `model` (the CP-SAT model), `lp` (the LP relaxation), `bound` (a Lagrangian bound
that, unlike the LP, knows a pool funds whole seats), `mip` (the level model for HiGHS), `search`
(greedy, min-cost flow, repair), `picks` (the check of an employer's pick). `shortlist` runs them: greedy lists; on small
instances the exact LP, the Lagrangian bound, whose funding plans become lists, then CP-SAT on the
whole model; on large ones two HiGHS runs of the level model side by side (every candidate for
the bound, each client's best candidates for the lists); on the largest (a 10 000-client region)
`price` — clients priced, the rest solved exactly per price, each plan turned into lists. The
reported bound is the smallest one proved. Here too: the JSON output (`to_shortlists`).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.allocation.colgen import highs_available
from matcher.allocation.cpsat import run_cpsat
from matcher.pairs.candidates import build_pairs
from matcher.pairs.table import PairTable
from matcher.progress import Progress, ProgressFn, recorder, relative_gap
from matcher.shortlists.lp import solve_list_lp
from matcher.shortlists.mip import ListMipResult, prune, solve_list_mip
from matcher.shortlists.model import CPSAT_PARAMS, build_list_model
from matcher.shortlists.price import price_search
from matcher.shortlists.problem import (
    ListProblem,
    ShortlistError,
    ShortlistOptions,
    build_problem,
    is_feasible,
    list_lengths,
    objective_value,
    reservations,
    top_s_sum,
)
from matcher.shortlists.search import (
    choose_lock_pools,
    greedy_lists,
    greedy_open,
    improve,
    lagrangian_phase,
    list_state,
    repair_lists,
)
from models.instance import Instance

if TYPE_CHECKING:
    from models.shortlists import Shortlists

__all__ = [
    "GUARANTEE",
    "ListProblem",
    "ShortlistError",
    "ShortlistOptions",
    "ShortlistResult",
    "build_problem",
    "list_lengths",
    "objective_value",
    "reservations",
    "shortlist",
    "to_shortlists",
]

# CP-SAT's presolve (probing) takes most of a minute on ~80 000 candidates without changing the
# model much; beyond this size the search starts from the hint at once, neighbourhood by
# neighbourhood.
PRESOLVE_MAX_CANDIDATES = 20_000
# The LP with the exact top-s form (one extra column and row per candidate) is solved up to this
# size; beyond it the Lagrangian bound (tighter anyway) is the bound.
EXACT_LP_MAX_CANDIDATES = 20_000
# Share of the time left that the Lagrangian bound and its plans get on small instances (the rest
# goes to CP-SAT).
LAGRANGE_SHARE = 0.2
# Large instances: each client's best candidates that the HiGHS run for lists keeps (pruning by
# client keeps the LP close, by list it does not), and the seconds kept back for explanations
# and writing the result. Figures for these constants: benchmarks/RESULTS.md, "Design measurements".
PRUNE_PER_CLIENT = 12
FINISH_SECONDS = 3.0
# The bound run's share of the time when a lists run goes beside it: its root cuts level off well
# before the limit, and HiGHS may overrun its limit by a cut round, which the share absorbs.
BOUND_SHARE = 0.5
# Above this many candidates HiGHS does not finish the level model's root LP in a minute; the
# bound and lists then come from pricing the clients (matcher.shortlists.price).
LEVEL_BOUND_MAX_CANDIDATES = 300_000
# HiGHS on the level model: presolve probing and strong branching spend the time for little;
# pseudo-costs from the start (mip_pscost_minreliable 0) find better lists in the same time
# (benchmarks/RESULTS.md, "Shortlists": what was tried).
LEVEL_OPTIONS: dict[str, Any] = {"presolve": "off", "mip_pscost_minreliable": 0}

GUARANTEE = (
    "Budgets and provider caps hold for every combination of picks. Each employer picks at most "
    "`seats` candidates of its list, and a pick is charged to the pool named on the list. For each "
    "list and pool the reservation is the cost of the locked clients charged to that pool plus the "
    "sum of the `seats` costliest candidates the list charges to that pool; each pool's "
    "reservations over all lists are within its budget. For a provider with max_subsidised, the "
    "wage-subsidy seats that could be filled — its locked clients plus min(seats, list length) per "
    "list — are within the cap. A client on several lists (max_lists > 1) is counted in every "
    "list's reservation, as if each of those employers picked them, although they can take only "
    "one seat: the conservative choice."
)


# --- solve ----------------------------------------------------------------------------------------


@dataclass
class ShortlistResult:
    """The chosen candidates (`listed`, triple indices, and `y` over the problem's candidates), the
    pool of each lock, and the solver's figures."""

    problem: ListProblem
    y: np.ndarray
    z: np.ndarray
    status: str
    objective: float
    bound: float | None
    seconds: float
    options: ShortlistOptions
    history: list[Progress] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def pairs(self) -> PairTable:
        return self.problem.pairs

    @property
    def listed(self) -> np.ndarray:
        """Triple indices on a list."""
        return self.problem.cand[self.y]

    @property
    def lock_picks(self) -> np.ndarray:
        """Triple index of each lock (the pool it is charged to)."""
        return self.problem.lock_triples[self.z]

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)


def shortlist(
    inst: Instance,
    options: ShortlistOptions | None = None,
    on_progress: ProgressFn | None = None,
    pairs: PairTable | None = None,
) -> ShortlistResult:
    """Build the shortlists of `inst` within options.time_limit seconds (pair building included)."""
    options = options or ShortlistOptions()
    start = time.perf_counter()
    history, report = recorder(on_progress)

    def left() -> float:
        return options.time_limit - (time.perf_counter() - start)

    if pairs is None:
        pairs = build_pairs(inst)
    stats: dict[str, Any] = {
        "pairs": len(pairs),
        "pairs_seconds": round(time.perf_counter() - start, 3),
    }
    prob = build_problem(inst, pairs, options)
    stats.update(
        candidates=prob.m,
        binding_pools=int(prob.binding_pools.sum()),
        binding_caps=int(prob.binding_caps.sum()),
    )
    bound: float | None = None
    score_order = np.lexsort((prob.c_client, -prob.c_score))
    z, locks_fit = choose_lock_pools(prob, np.argsort(prob.cents[prob.lock_triples], kind="stable"))
    opened = greedy_lists(prob, score_order, z, True, state=greedy_open(prob, z))
    y = improve(prob, z, opened, score_order)
    value = objective_value(prob, y)
    stats["greedy_objective"] = objective_value(prob, opened)
    stats["first_objective"] = value
    stats["first_feasible_seconds"] = round(time.perf_counter() - start, 3)
    report(Progress(time.perf_counter() - start, value, None, "greedy"))
    small = prob.m <= EXACT_LP_MAX_CANDIDATES
    if options.use_lp and small and (prob.m or prob.n_locks):
        lp = solve_list_lp(prob, max(1.0, left() * options.lp_time_share), exact_top=True)
        stats.update(lp_seconds=round(lp.seconds, 3), lp_status=lp.status)
        if lp.status == "INFEASIBLE":
            raise ShortlistError(
                "the locked pairs alone break a pool budget (no choice of pools for the locks fits); "
                "remove or change a lock"
            )
        if lp.bound is not None:
            bound = lp.bound
            stats["lp_bound"] = lp.bound
            stats["lp_fractional"] = int(np.sum((lp.y > 1e-6) & (lp.y < 1 - 1e-6)))
            order = np.lexsort((prob.c_client, -prob.c_score, -np.round(lp.y, 6)))
            lz, lz_fit = choose_lock_pools(
                prob, np.lexsort((prob.cents[prob.lock_triples], -np.round(lp.z, 6)))
            )
            rounded = improve(prob, lz, greedy_lists(prob, order, lz, True), order)
            r_value = objective_value(prob, rounded)
            stats["lp_rounding_objective"] = r_value
            if lz_fit and (r_value > value or not locks_fit):
                y, z, value, locks_fit = rounded, lz, r_value, True
        report(Progress(time.perf_counter() - start, value, bound, "lp"))
    levels = not small and highs_available()  # the level model needs HiGHS' own binding
    if (
        not levels
        and prob.m
        and locks_fit
        and left() > 1.0
        and (bound is None or value < math.floor(bound + 1e-6))
    ):
        y, lag = lagrangian_phase(
            prob, z, y, left() * LAGRANGE_SHARE, score_order, report, start, bound
        )
        value = objective_value(prob, y)
        stats.update(lagrange_bound=round(float(lag), 3), lagrange_objective=value)
        bound = lag if bound is None else min(bound, lag)
        bound = max(bound, float(value))
    status = "FEASIBLE"
    if not prob.m and not prob.n_locks:
        status, bound = "OPTIMAL", 0.0
    elif bound is not None and locks_fit and value >= math.floor(bound + 1e-6):
        status = "OPTIMAL"
    elif left() > 0.5 and locks_fit and levels and prob.m > LEVEL_BOUND_MAX_CANDIDATES:
        y, value, bound = price_search(
            prob, y, z, left() - FINISH_SECONDS, score_order, report, start, stats, PRUNE_PER_CLIENT
        )
        status = "OPTIMAL" if relative_gap(value, bound) == 0.0 else "FEASIBLE"
    elif left() > 0.5 and locks_fit and levels:
        # keep back what the greedy took: rounding and refilling the lists costs about as much
        refill = stats["first_feasible_seconds"] - stats["pairs_seconds"]
        y, z, value, bound = _levels_search(
            prob, y, z, left() - FINISH_SECONDS - refill, score_order, options, report, start, stats
        )
        status = "OPTIMAL" if relative_gap(value, bound) == 0.0 else "FEASIBLE"
    elif left() > 0.5:
        t_build = time.perf_counter()
        built = build_list_model(prob, y, z)
        stats["model_build_seconds"] = round(time.perf_counter() - t_build, 3)
        cp = run_cpsat(
            built,
            time_limit=max(0.2, left()),
            workers=options.workers,
            seed=options.seed,
            outer_bound=bound,
            on_progress=report,
            start=start,
            log=options.log,
            presolve=prob.m <= PRESOLVE_MAX_CANDIDATES,
            params=CPSAT_PARAMS,
        )
        stats.update(cpsat_seconds=round(cp.seconds, 3), cpsat_status=cp.status)
        if cp.status == "INFEASIBLE":
            raise ShortlistError(
                "the locked pairs alone break a pool budget or provider cap; remove or change a lock"
            )
        if cp.objective is not None:
            cy, cz = cp.chosen[: prob.m], cp.chosen[prob.m :]
            cvalue = objective_value(prob, cy)
            if cvalue > value or not locks_fit:
                y, z, value, locks_fit = cy, cz, cvalue, True
            if cp.bound is not None:
                bound = cp.bound if bound is None else min(bound, cp.bound)
        status = "OPTIMAL" if relative_gap(value, bound) == 0.0 else "FEASIBLE"
    if not locks_fit:
        raise ShortlistError(
            "no lists found in time that fund every locked pair; raise the time limit or check the locks"
        )
    seconds = time.perf_counter() - start
    report(Progress(seconds, value, bound, "done"))
    return ShortlistResult(
        prob, y, z, status, float(value), bound, seconds, options, history, stats
    )


def _levels_search(
    prob: ListProblem,
    y: np.ndarray,
    z: np.ndarray,
    seconds: float,
    order: np.ndarray,
    options: ShortlistOptions,
    report: ProgressFn,
    start: float,
    stats: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray, int, float | None]:
    """Large instances: two HiGHS runs of the level model (matcher.shortlists.mip) side by side —
    over every candidate for the bound, over each client's best candidates for the lists — with
    list membership continuous (branching on funding levels only), from the lists `y`. The lists
    found are rounded, repaired if a fraction broke a rule, and refilled. Returns lists, lock
    pools, objective and bound."""
    value = objective_value(prob, y)
    sub, sel = prune(prob, PRUNE_PER_CLIENT, keep=y)
    stats["pruned_candidates"] = sub.m
    runs: dict[str, ListMipResult] = {}

    def run(name: str, p: ListProblem, y0: np.ndarray) -> None:
        limit = seconds * (BOUND_SHARE if name == "bound" and sub.m < prob.m else 1.0)
        runs[name] = solve_list_mip(
            p, limit, y0, z, relax_y=True, options=LEVEL_OPTIONS, log=options.log
        )

    jobs = [("bound", prob, y)]
    if sub.m < prob.m:
        jobs.append(("lists", sub, y[sel]))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for future in [pool.submit(run, *job) for job in jobs]:
            future.result()
    bound = runs["bound"].bound
    for name, res in runs.items():
        stats[f"levels_{name}_status"] = res.status
        stats[f"levels_{name}_seconds"] = round(res.seconds, 3)
        stats[f"levels_{name}_bound"] = res.bound
    for name, res in runs.items():
        if res.y is None or res.z is None or res.objective is None or res.objective <= value:
            continue  # nothing better than the start (refilling it again would find nothing)
        found = np.zeros(prob.m, dtype=bool)
        found[sel[res.y] if name == "lists" else res.y] = True
        lz = res.z
        if not is_feasible(prob, found, lz):
            found = repair_lists(prob, found, lz)
        filled = greedy_lists(prob, order, lz, True, state=list_state(prob, lz, found))
        lists = improve(prob, lz, filled, order)
        new = objective_value(prob, lists)
        stats[f"levels_{name}_objective"] = new
        if new > value and is_feasible(prob, lists, lz):
            y, z, value = lists, lz, new
            report(Progress(time.perf_counter() - start, value, bound, "levels"))
    if bound is not None:
        bound = max(bound, float(value))
    return y, z, value, bound


# --- output ---------------------------------------------------------------------------------------


def to_shortlists(inst: Instance, result: ShortlistResult, *, explain: bool = True) -> Shortlists:
    """shortlists.json of `result`: one list per placement with seats or locks, ranked by score."""
    from matcher.explain import shortlists as sx
    from models.shortlists import PoolReservation, Shortlist, ShortlistEntry, Shortlists, Unlisted

    cols = inst.columns
    prob = result.problem
    pairs = prob.pairs
    listed = result.listed
    order = listed[
        np.lexsort((pairs.client[listed], -pairs.score[listed], pairs.placement[listed]))
    ]
    why = sx.why_listed(inst, result) if explain else {}
    pool_ids = np.append(cols.pool_id.astype(object), "")
    by_place: dict[int, list[int]] = {}
    for t in order.tolist():
        by_place.setdefault(int(pairs.placement[t]), []).append(t)
    locks_at: dict[int, list[int]] = {}
    for t in result.lock_picks.tolist():
        locks_at.setdefault(int(pairs.placement[t]), []).append(t)
    has_lock = np.zeros(cols.n_placements, dtype=bool)
    has_lock[prob.lock_placement] = True
    shown = np.flatnonzero((cols.p_seats > 0) | has_lock)
    reserved_pool = np.zeros(len(cols.pool_id))
    lists = []
    for p in shown.tolist():
        s = int(prob.seats[p])
        entries = []
        per_pool: dict[int, list[float]] = {}
        for rank, t in enumerate(by_place.get(p, []), start=1):
            f = int(pairs.pool[t])
            if f >= 0:
                per_pool.setdefault(f, []).append(float(pairs.cost[t]))
            entries.append(
                ShortlistEntry(
                    client_id=str(cols.client_id[pairs.client[t]]),
                    pool_id=str(pool_ids[f]),
                    rank=rank,
                    score={k: int(v[t]) for k, v in pairs.components.items()},
                    cost=round(float(pairs.cost[t]), 2),
                    travel_min=round(float(pairs.travel_min[t]), 1),
                    why=why.get(t, []),
                )
            )
        reserved = {f: top_s_sum(c, s) for f, c in per_pool.items()}
        lock_pools = {}
        for t in locks_at.get(p, []):
            f = int(pairs.pool[t])
            lock_pools[str(cols.client_id[pairs.client[t]])] = str(pool_ids[f])
            if f >= 0:
                reserved[f] = reserved.get(f, 0.0) + float(pairs.cost[t])
        for f, amount in reserved.items():
            reserved_pool[f] += amount
        provider = int(cols.p_provider[p])
        lists.append(
            Shortlist(
                placement_id=str(cols.placement_id[p]),
                provider_id=str(cols.provider_id[provider]) if provider >= 0 else "",
                seats=s,
                locked=list(lock_pools),
                candidates=entries,
                reserved={
                    str(pool_ids[f]): round(v, 2) for f, v in sorted(reserved.items()) if v > 0
                },
                lock_pools=lock_pools,
            )
        )
    on_list = np.zeros(cols.n_clients, dtype=bool)
    on_list[pairs.client[listed]] = True
    on_list[prob.lock_client] = True
    left = np.flatnonzero(cols.c_queue & ~on_list)
    reasons = sx.reasons_unlisted(inst, result, left) if explain else {}
    unlisted = [
        Unlisted(client_id=str(cols.client_id[c]), reasons=reasons.get(int(c), ["not on a list"]))
        for c in left.tolist()
    ]
    pools = [
        PoolReservation(
            str(cols.pool_id[f]), float(cols.f_budget[f]), round(float(reserved_pool[f]), 2)
        )
        for f in range(len(cols.pool_id))
    ]
    lengths = list_lengths(prob, result.y)
    extra = {
        "summary": {
            "queue": int(cols.c_queue.sum()),
            "lists": len(lists),
            "seats": int(prob.seats.sum()),
            "seats_covered": int(np.minimum(prob.seats, lengths).sum()),
            "candidates": int(len(listed)),
            "clients_listed": int(len(np.unique(pairs.client[listed]))),
            "locked": int(prob.n_locks),
            "unlisted": len(unlisted),
        },
        "solver": {**result.stats, "history": [h.as_dict() for h in result.history[-200:]]},
    }
    return Shortlists(
        instance=inst.name,
        status=result.status,
        objective=int(round(result.objective)),
        bound=None if result.bound is None else int(math.floor(result.bound + 1e-6)),
        solve_seconds=result.seconds,
        per_seat=prob.per_seat,
        max_lists=prob.max_lists,
        guarantee=GUARANTEE,
        cover_bonus=prob.cover_bonus,
        lists=lists,
        unlisted=unlisted,
        pools=pools,
        extra=extra,
    )
