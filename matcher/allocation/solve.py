"""Solve the weekly allocation: candidate pairs → LP bound → rounding → LNS and MIP repacking.

Weighted mode (no fairness floor), the default path ("columns"): the LP relaxation is solved by
column generation (`matcher.allocation.colgen`: exact LP bound and duals while touching only the columns that
matter), rounded to a first allocation (`matcher.allocation.primal.round_lp`), then improved by large-
neighbourhood search around the budget-binding pools (`matcher.allocation.lns`, each neighbourhood re-solved
exactly by HiGHS). On tables of up to FULL_MIP_COLUMNS triples, HiGHS branch-and-cut over every
column then continues from the LNS result (`matcher.allocation.mip`); its cuts tighten the bound beyond the
LP's (the LP bound alone can be ~1 % loose on small regions, where budgets are few seats wide).
The reported bound is valid for the whole table at every step.

The "cpsat" path (used with fairness floors, for lexicographic stages, or when asked) solves the
LP with HiGHS directly, rounds it greedily and lets CP-SAT improve the rounding as a hint.
Lexicographic mode maximises priority, then quality (wish + interest + pathway), then travel,
then cost, each stage keeping the one before.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import scipy.sparse as sp

from matcher.allocation import beside, lns
from matcher.allocation.aggregate import solve_aggregate, worth_aggregating
from matcher.allocation.colgen import highs_available, solve_lp_columns
from matcher.allocation.constraints import Rows, build_rows
from matcher.allocation.cpsat import run_cpsat
from matcher.allocation.cuts import separate, tighten, with_cuts
from matcher.allocation.exchange import Exchange
from matcher.allocation.fairness import FairnessUnits, fairness_units, shortfall
from matcher.allocation.flow import FlowNet, flow_net
from matcher.allocation.groupbound import group_phase
from matcher.allocation.knapsack import knapsack_form, knapsack_phase
from matcher.allocation.lp import solve_lp
from matcher.allocation.mip import solve_mip
from matcher.allocation.model import build_cp_model
from matcher.allocation.primal import round_lp, violated_rows
from matcher.allocation.repair import greedy, lock_forced, lp_order
from matcher.pairs.candidates import build_pairs
from matcher.pairs.table import PairTable
from matcher.progress import Progress, ProgressFn, recorder, relative_gap
from models.instance import Instance

MODES = ("weighted", "lexicographic")
METHODS = ("auto", "columns", "cpsat")
SMALL_TABLE = 20_000  # up to this many triples the whole-table MIP gets all the time after rounding
FULL_MIP_COLUMNS = 300_000  # up to this many, LNS first, then the whole-table MIP (valid bound)
CUT_SHARE = 0.15  # at most this share of the time for cover-cut rounds on the whole-table LP
# (run only when twice column generation's LP time fits in it)
LNS_STALL_SHARE = 0.3  # the LNS hands over to the whole-table MIP after this share without gain
GROUP_SHARE = 0.25  # above FULL_MIP_COLUMNS: this share of the time after the LP for the
# whole-seat pool filling (`groupbound`: a tighter valid bound, its filling a start for the LNS)
GROUP_MIN_SECONDS = 30.0  # … but at least this (or half the time left): under load 15 on XL,
# 25 % was too little for HiGHS' root on the counts, and the bound is worth more than the LNS
MEDIUM_GROUP_SHARE = 0.15  # the same for grouped tables from SMALL_TABLE to FULL_MIP_COLUMNS
# (the demo week: the bound settles in 2-5 s, the filling improves to ~9 s)
KNAPSACK_SHARE = 0.2  # knapsack-form tables (GAP weeks): at most this share of the time after
# the LP for the Lagrangian over the client rows (`matcher.allocation.knapsack`: bound and start)
KNAPSACK_MIP_SHARE = 0.1  # mip_share on knapsack-form (GAP) tables: there the LNS pays, the MIP not
RESERVE_SECONDS = 1.5  # kept for the last LNS step's overrun and writing the result …
RESERVE_PER_MILLION = 0.8  # … plus this per million triples (XL under load 10 ended 9–17 s late)
LEXICOGRAPHIC_STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("priority", ("priority",)),
    ("quality", ("wish", "interest", "pathway")),
    ("travel", ("travel",)),
    ("cost", ("cost",)),
)


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: time limit (s, pair building included), CP-SAT workers and seed, objective
    mode, LP use and its share of the time, and the method: "auto" (column generation + LNS +
    MIP when no fairness floor is set, else the CP-SAT path), "columns" or "cpsat". `mip_share`
    is the share of the time after rounding given to the whole-table MIP when the table is small
    enough for one, kept for it whatever the LNS does; the LNS first has the rest and hands over
    to the MIP early once it has gone `LNS_STALL_SHARE` of the time without a gain. With
    `parallel_mip` and two or more workers, a table between SMALL_TABLE and
    FULL_MIP_COLUMNS triples runs the whole-table MIP (one thread) alongside the LNS (the other
    workers) for all the time instead, and `mip_share` is not used. `cuts`: cover cuts on the
    budget rows (`matcher.allocation.cuts`) tighten the LP bound and go into the whole-table MIP.
    `aggregate`: where grouping pays (`aggregate.worth_aggregating`), the whole-table MIP counts
    seats per (placement, pool, cost) group (`matcher.allocation.aggregate`, exact, no client
    symmetry) instead of branching on triples; LNS parts do so whatever this says.
    `group_bound`: on tables above FULL_MIP_COLUMNS triples, the Lagrangian bound over whole-seat
    pool fillings (`matcher.allocation.groupbound`) tightens the LP bound and its filling starts
    the LNS, in GROUP_SHARE of the time after the LP (at least GROUP_MIN_SECONDS or half of it);
    on aggregated tables above SMALL_TABLE (the demo week) too, in MEDIUM_GROUP_SHARE, before
    the LNS and the whole-table MIP. `knapsack`: on tables in knapsack form (every triple in its
    client row and one budget row, seats implied: GAP weeks), the Lagrangian over the client
    rows (`matcher.allocation.knapsack`) in KNAPSACK_SHARE of the time after the LP, and with
    `tabu` the tabu search (`matcher.allocation.tabu`) on one worker beside the LNS."""

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    mode: str = "weighted"
    use_lp: bool = True
    lp_time_share: float = 0.6
    log: bool = False
    method: str = "auto"
    mip_share: float = 0.65
    parallel_mip: bool = False
    cuts: bool = True
    aggregate: bool = True
    group_bound: bool = True
    knapsack: bool = True
    tabu: bool = True

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if not 0.0 <= self.mip_share <= 1.0:
            raise ValueError(f"mip_share must be within 0..1, got {self.mip_share}")
        if not self.time_limit > 0:
            raise ValueError(f"time limit must be positive, got {self.time_limit}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")


@dataclass
class SolveResult:
    """Chosen pairs with the solver's figures; `to_allocation` turns it into allocation.json."""

    pairs: PairTable
    chosen: np.ndarray
    status: str
    objective: float
    bound: float | None
    seconds: float
    fairness: dict[str, Any] = field(default_factory=dict)
    history: list[Progress] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)


def _objective_value(
    pairs: PairTable,
    chosen: np.ndarray,
    units: FairnessUnits | None,
    weight: float,
    objective: np.ndarray | None = None,
) -> float:
    """Σ objective (default: the score) of the chosen triples minus the fairness penalty."""
    value = float((pairs.score if objective is None else np.asarray(objective))[chosen].sum())
    if units is not None and len(units):
        value -= weight * float(shortfall(units, chosen.astype(float)).sum())
    return value


def _fairness_report(
    inst: Instance, units: FairnessUnits | None, chosen: np.ndarray
) -> dict[str, Any]:
    if units is None or not len(units):
        return {"floor": inst.rules.fairness_floor, "penalty": 0, "units": []}
    short = shortfall(units, chosen.astype(float))
    placed = units.member @ chosen.astype(float)
    total = float(chosen.sum())
    return {
        "floor": units.floor,
        "penalty": int(round(inst.weights.fairness * float(short.sum()))),
        "units": [
            {
                "unit": name,
                "queue": int(units.queue[u]),
                "placed": int(placed[u]),
                "target": round(units.floor * float(units.share[u]) * total, 2),
                "shortfall": int(short[u]),
            }
            for u, name in enumerate(units.names)
        ],
    }


def solve(
    inst: Instance,
    options: SolveOptions | None = None,
    on_progress: ProgressFn | None = None,
    pairs: PairTable | None = None,
) -> SolveResult:
    """Allocate `inst` within options.time_limit seconds (pair building included)."""
    options = options or SolveOptions()
    start = time.perf_counter()
    history, report = recorder(on_progress)

    if pairs is None:
        pairs = build_pairs(inst)
    t_pairs = time.perf_counter() - start
    rows = build_rows(inst, pairs)
    units = fairness_units(inst, pairs)
    weight = float(inst.weights.fairness)
    stats: dict[str, Any] = {
        "pairs": len(pairs),
        "pairs_seconds": round(t_pairs, 3),
        "rows_seconds": round(time.perf_counter() - start - t_pairs, 3),
    }
    if options.mode == "lexicographic":
        result = _solve_lexicographic(inst, pairs, rows, units, options, start, report, stats)
    elif _use_columns(options, units):
        stats["method"] = "columns"
        result = solve_columns(pairs, rows, pairs.score, options, start, report, stats)
    else:
        stats["method"] = "cpsat"
        result = _solve_weighted(
            pairs, rows, units, weight, pairs.score, options, start, report, stats
        )
    chosen, status, bound = result
    objective = _objective_value(pairs, chosen, units, weight)
    seconds = time.perf_counter() - start
    report(Progress(seconds, objective, bound, "done"))
    return SolveResult(
        pairs=pairs,
        chosen=chosen,
        status=status,
        objective=objective,
        bound=bound,
        seconds=seconds,
        fairness=_fairness_report(inst, units, chosen),
        history=history,
        stats=stats,
    )


def _remaining(options: SolveOptions, start: float) -> float:
    return options.time_limit - (time.perf_counter() - start)


def _use_columns(options: SolveOptions, units: FairnessUnits | None) -> bool:
    """The column-generation path serves the weighted objective without fairness floors."""
    if options.method == "cpsat" or not options.use_lp or not highs_available():
        return False
    return units is None or not len(units)


def solve_columns(
    pairs: PairTable,
    rows: Rows,
    objective: np.ndarray,
    options: SolveOptions,
    start: float,
    report: ProgressFn,
    stats: dict[str, Any],
    start_from: np.ndarray | None = None,
) -> tuple[np.ndarray, str, float | None]:
    """LP by column generation (bound, duals) → rounding → LNS around budget-binding pools
    (HiGHS per neighbourhood) → on tables small enough, HiGHS over every column from the LNS
    result, whose cuts also tighten the bound. `start_from` (a feasible choice) competes with
    the rounding."""
    n = len(pairs)
    if n == 0:
        return np.zeros(0, dtype=bool), "OPTIMAL", 0.0
    score = np.asarray(objective, dtype=np.float64)
    elapsed = lambda: time.perf_counter() - start  # noqa: E731
    t0 = time.perf_counter()
    net = flow_net(rows, score)
    stats["net_seconds"] = round(time.perf_counter() - t0, 3)

    lp = solve_lp_columns(
        net, score, time_limit=max(1.0, _remaining(options, start) * options.lp_time_share)
    )
    bound = lp.bound
    stats.update(
        lp_seconds=round(lp.seconds, 3),
        lp_status=lp.status,
        lp_rounds=lp.rounds,
        lp_columns=int(len(lp.active)),
        lp_bound=lp.bound,
        lp_fractional=int(np.sum((lp.x > 1e-6) & (lp.x < 1 - 1e-6))),
    )
    report(Progress(elapsed(), None, bound, "lp"))

    candidates = [round_lp(net, score, lp.x, lp.reduced if lp.value is not None else None)]
    if start_from is not None:
        candidates.append(np.asarray(start_from, dtype=bool))
    feasible = [c for c in candidates if not len(violated_rows(net, c))]
    if not feasible:  # cannot happen without extra rows; keep the greedy of the CP-SAT path
        feasible = [greedy(rows, np.lexsort((-score,)), lock_forced(rows))]
    chosen = max(feasible, key=lambda c: float(score[c].sum()))
    value = float(score[chosen].sum())
    stats["first_feasible_seconds"] = round(elapsed(), 3)
    stats["first_objective"] = value
    report(Progress(elapsed(), value, bound, "rounding"))

    def done() -> bool:
        return bound is not None and value >= math.floor(bound + 1e-6)

    exact_mip = n <= FULL_MIP_COLUMNS
    # the aggregated MIP cuts its count rows itself: covers on the triples would only cost time
    aggregate = exact_mip and options.aggregate and worth_aggregating(net)
    # grouped tables above SMALL_TABLE (the demo week) get the filling too: under load the
    # whole-table MIP may not finish its root, and the filling starts the LNS far above the rounding
    medium = aggregate and n > SMALL_TABLE
    # knapsack-form tables (GAP weeks): the Lagrangian over the client rows replaces the
    # whole-seat filling (seats never bind there; on d801600 its bound was the LP's in 9 s)
    form, why = knapsack_form(net) if options.knapsack else (None, "off")
    stats["knapsack_form"] = why
    if (
        (medium or not exact_mip)
        and form is None
        and options.group_bound
        and lp.value is not None
        and not done()
    ):
        after_lp = _remaining(options, start)
        group_time = (
            MEDIUM_GROUP_SHARE * after_lp
            if exact_mip
            else max(GROUP_SHARE * after_lp, min(GROUP_MIN_SECONDS, 0.5 * after_lp))
        )
        tighter, filled = group_phase(net, score, lp.duals, group_time, stats)
        bound, chosen, value = _keep_best(score, bound, chosen, value, tighter, filled)
        report(Progress(elapsed(), value, bound, "groups"))
    if form is not None and lp.value is not None and not done():
        tighter, start_at = knapsack_phase(
            net, form, score, lp.duals, chosen, KNAPSACK_SHARE * _remaining(options, start), stats
        )
        bound, chosen, value = _keep_best(score, bound, chosen, value, tighter, start_at)
        report(Progress(elapsed(), value, bound, "knapsack"))
    mip_rows = rows
    cut_time = CUT_SHARE * _remaining(options, start)
    covers = exact_mip and options.cuts and not aggregate and not done()
    if covers and 2 * lp.seconds > cut_time:
        # no time to re-solve the whole-table LP: the covers of the LP point go to the MIP only
        mip_rows = with_cuts(rows, separate(rows, lp.x))
        stats.update(cuts=int(len(mip_rows.hi) - len(rows.hi)), cut_rounds=0)
    elif covers:
        cut = tighten(rows, score, time_limit=cut_time, x=lp.x)
        stats.update(cut_seconds=round(cut.seconds, 3), cuts=cut.cuts, cut_rounds=cut.rounds)
        if cut.bound is not None and cut.rounds:
            stats["cut_bound"] = cut.bound
            bound = cut.bound if bound is None else min(bound, cut.bound)
            report(Progress(elapsed(), value, bound, "cuts"))
        mip_rows = cut.rows
    reserve = RESERVE_SECONDS + RESERVE_PER_MILLION * n / 1e6
    left = _remaining(options, start) - reserve
    can_lns = n > SMALL_TABLE and lp.value is not None
    shared = {"value": value}

    def lns_improved(v: float) -> None:
        shared["value"] = v
        report(Progress(elapsed(), v, bound, "lns"))

    def run_lns(
        time_limit: float, workers: int, stall: float | None, exchange: Exchange | None = None
    ) -> None:
        called = time.perf_counter()
        ctx = lns.Context(net, score)  # seconds on XL (a CSC copy): counted in the limit
        res = lns.search(
            ctx,
            chosen,
            lp.reduced,
            lp.duals,
            time_limit=max(0.1, time_limit - (time.perf_counter() - called)),
            bound=bound,
            workers=workers,
            seed=options.seed,
            stall=stall,
            on_improve=lns_improved,
            exchange=exchange,
            give_way=None if exchange is None else beside.give_way(exchange, bound, time_limit),
        )
        stats.update(
            lns_seconds=round(res.seconds, 3),
            lns_steps=res.steps,
            lns_improved=res.improved,
            lns_value=float(score[res.chosen].sum()),
        )
        found.append(res.chosen)

    def run_mip(time_limit: float, begin: np.ndarray, alongside: bool) -> None:
        whole = (
            partial(solve_aggregate, rows, start_after_root=True, net=net) if aggregate else None
        )
        mip = (whole or partial(solve_mip, mip_rows))(
            score,
            time_limit=time_limit,
            start=begin,
            stop_at=bound,
            on_improve=lambda v: report(Progress(elapsed(), max(v, shared["value"]), bound, "mip")),
            should_stop=(
                (lambda b: math.isfinite(b) and shared["value"] >= math.floor(b + 1e-6))
                if alongside
                else None
            ),
            log=options.log,
        )
        stats.update(mip_seconds=round(mip.seconds, 3), mip_status=mip.status, mip_bound=mip.bound)
        if mip.objective is not None:
            found.append(mip.chosen)
        if mip.bound is not None:  # every column was in: a valid bound, tightened by its cuts
            bounds.append(mip.bound)

    found: list[np.ndarray] = []
    bounds: list[float] = []
    if done() or left <= 0.5:
        pass
    elif exact_mip and can_lns and options.parallel_mip and options.workers >= 2:
        stats["parallel_mip"] = True
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = pool.submit(run_mip, left, chosen.copy(), True)
            run_lns(left, options.workers - 1, None)
            job.result()
    else:
        share = KNAPSACK_MIP_SHARE if form is not None else options.mip_share
        lns_time = left if not exact_mip else left * (1 - share)
        use_tabu = can_lns and options.tabu and options.workers >= 2 and lns_time > 0.5
        side = (
            beside.start(form, score, chosen, lns_time, options.seed, bound, lp.duals)
            if use_tabu
            else None
        )
        if can_lns and lns_time > 0.5:
            stall = left * LNS_STALL_SHARE if exact_mip else None
            ex = None if side is None else side.exchange
            run_lns(lns_time, options.workers - (side is not None), stall, ex)
            found.extend(beside.finish(side, options.seed, stats))
            chosen, value = _best_of(net, score, [chosen, *found])
        left = _remaining(options, start) - reserve
        if exact_mip and not done() and left > 0.5:
            run_mip(left, chosen, False)
    chosen, value = _best_of(net, score, [chosen, *found])
    if bounds:
        bound = min(bounds) if bound is None else min(bound, *bounds)
    status = "OPTIMAL" if done() else "FEASIBLE"
    return chosen, status, bound


def _keep_best(
    score: np.ndarray,
    bound: float | None,
    chosen: np.ndarray,
    value: float,
    tighter: float | None,
    candidate: np.ndarray | None,
) -> tuple[float | None, np.ndarray, float]:
    """A bounding phase's result against the best so far: the tighter bound, the better
    allocation and its value (the whole-seat filling and the knapsack Lagrangian both end so)."""
    if tighter is not None and (bound is None or tighter < bound):
        bound = tighter
    if candidate is not None and float(score[candidate].sum()) > value:
        chosen, value = candidate, float(score[candidate].sum())
    return bound, chosen, value


def _best_of(
    net: FlowNet, score: np.ndarray, candidates: list[np.ndarray]
) -> tuple[np.ndarray, float]:
    """The feasible candidate of highest score (the first is feasible) and its score."""
    ok = [c for c in candidates if not len(violated_rows(net, c))]
    best = max(ok, key=lambda c: float(score[c].sum()))
    return best, float(score[best].sum())


def _solve_weighted(
    pairs: PairTable,
    rows: Rows,
    units: FairnessUnits | None,
    weight: float,
    objective: np.ndarray,
    options: SolveOptions,
    start: float,
    report: ProgressFn,
    stats: dict[str, Any],
    start_from: np.ndarray | None = None,
) -> tuple[np.ndarray, str, float | None]:
    """LP bound + rounding, then CP-SAT from the rounded hint (or from `start_from`, a feasible
    choice that then also serves as the fallback)."""
    n = len(pairs)
    forced = lock_forced(rows)
    bound: float | None = None
    if n == 0:
        return np.zeros(0, dtype=bool), "OPTIMAL", 0.0
    order = np.lexsort((-objective,))
    if options.use_lp:
        lp = solve_lp(
            rows,
            objective,
            units,
            weight,
            time_limit=max(1.0, _remaining(options, start) * options.lp_time_share),
        )
        stats["lp_seconds"] = round(lp.seconds, 3)
        stats["lp_status"] = lp.status
        if lp.bound is not None:
            bound = lp.bound
            stats["lp_bound"] = lp.bound
            stats["lp_fractional"] = int(np.sum((lp.x > 1e-6) & (lp.x < 1 - 1e-6)))
            order = lp_order(lp.x, objective)
    hint = greedy(rows, order, forced) if start_from is None else start_from
    hint_value = _objective_value(pairs, hint, units, weight, objective)
    stats["first_feasible_seconds"] = round(time.perf_counter() - start, 3)
    stats["first_objective"] = hint_value
    report(Progress(time.perf_counter() - start, hint_value, bound, "rounding"))
    if bound is not None and hint_value >= math.floor(bound + 1e-6):
        return hint, "OPTIMAL", bound
    t_build = time.perf_counter()
    built = build_cp_model(rows, objective, units, int(round(weight)), hint=hint)
    stats["model_build_seconds"] = round(time.perf_counter() - t_build, 3)
    left = _remaining(options, start)
    if left <= 0.2:
        return hint, "FEASIBLE", bound
    cp = run_cpsat(
        built,
        time_limit=left,
        workers=options.workers,
        seed=options.seed,
        outer_bound=bound,
        on_progress=report,
        start=start,
        log=options.log,
    )
    stats["cpsat_seconds"] = round(cp.seconds, 3)
    stats["cpsat_status"] = cp.status
    if cp.objective is None:
        if cp.status == "INFEASIBLE":
            return hint, "INFEASIBLE", bound
        return hint, "FEASIBLE", bound
    chosen = cp.chosen
    value = cp.objective
    if hint_value > cp.objective:
        chosen, value = hint, hint_value
    final_bound = cp.bound if cp.bound is not None else bound
    status = "OPTIMAL" if relative_gap(value, final_bound) == 0.0 else "FEASIBLE"
    return chosen, status, final_bound


def _solve_lexicographic(
    inst: Instance,
    pairs: PairTable,
    rows: Rows,
    units: FairnessUnits | None,
    options: SolveOptions,
    start: float,
    report: ProgressFn,
    stats: dict[str, Any],
) -> tuple[np.ndarray, str, float | None]:
    """Stage by stage: each stage's optimum (or best found) becomes a floor for the next."""
    weight = float(inst.weights.fairness)
    stage_rows = rows
    chosen = np.zeros(len(pairs), dtype=bool)
    statuses = []
    stages = []
    for i, (name, comps) in enumerate(LEXICOGRAPHIC_STAGES):
        objective: np.ndarray = sum(
            (pairs.components[c] for c in comps), np.zeros(len(pairs.client), dtype=np.int64)
        )
        share = 1.0 / (len(LEXICOGRAPHIC_STAGES) - i)
        sub = SolveOptions(
            time_limit=max(0.5, _remaining(options, start) * share),
            workers=options.workers,
            seed=options.seed,
            mode="weighted",
            use_lp=options.use_lp,
            log=options.log,
        )
        sub_start = time.perf_counter()
        chosen, status, bound = _solve_weighted(
            pairs,
            stage_rows,
            units if i == 0 else None,
            weight,
            objective,
            sub,
            sub_start,
            report,
            {},
            start_from=chosen if i else None,
        )
        achieved = int(objective[chosen].sum())
        stages.append({"stage": name, "objective": achieved, "bound": bound, "status": status})
        statuses.append(status)
        # keep this stage: Σ objective·x ≥ achieved (as −Σ objective·x ≤ −achieved)
        row = sp.csr_matrix(-np.asarray(objective, dtype=np.int64)[None, :])
        stage_rows = Rows(
            matrix=sp.csr_matrix(sp.vstack([stage_rows.matrix, row])),
            lo=np.append(stage_rows.lo, -int(np.abs(objective).sum())),
            hi=np.append(stage_rows.hi, -achieved),
            family=np.append(stage_rows.family, f"stage:{name}"),
            owner=np.append(stage_rows.owner, i),
            cost_cents=stage_rows.cost_cents,
        )
    stats["stages"] = stages
    status = "OPTIMAL" if all(s == "OPTIMAL" for s in statuses) else "FEASIBLE"
    return chosen, status, None
