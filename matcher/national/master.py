"""The national master: prices on the relaxed rows by subgradient steps, then shares and repair.

The master prices every row that is not a part's own client, seats or cap row: the seats,
budgets and caps that two or more parts reach (the coupling rows) and, with them, every budget
row. For prices λ ≥ 0
    L(λ) = Σ_r λ_r·b_r + Σ_parts max { Σ_j (score_j − Σ_r λ_r·a_rj)·x_j : the part's network }
bounds the national optimum from above, and each part's maximum is a b-matching solved exactly
by min-cost flow (`matcher.national.flowprice`), so every round gives a valid bound (its best
value is the LP bound of the whole week); the best one met is reported. Steps are deflected
Polyak steps in scaled prices μ_r = λ_r·b_r (the value of a whole row), along the rows' relative
excess (use − b)/b, sized by the distance from the round's bound to the best repaired objective;
they stop when the flows hold every row or the pricing time is spent.

The prices start from the LP duals of a sample of the queue (`matcher.national.start`,
computed while the actors build). Every round, and at the best prices at the end, each priced
row's capacity is shared out by the flows' use (locked pairs' needs first) and each part's flow
choice is cut down to its shares (`flowprice.repair`; every few rounds the flow at the shares,
`flowprice.refill`, competes); at round 1, every `settle_every` rounds and at the end the
parts are also settled one after the other on what the others leave (`_settle`). Each is a
feasible allocation and the best is the Polyak target. The best one starts the part solves (the ordinary column path with the shares as hard rows), and capacity left unused by
a part is offered to the parts that wanted more (refills): shares never sum beyond b, so the
union is feasible and is ONE allocation.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.allocation.solve import SolveResult
from matcher.national.executor import Executor, InProcess, OnRay
from matcher.national.part import (
    FAMILY_SHIFT,
    SHARED_FAMILIES,
    PartInfo,
    PartOutcome,
    PriceEval,
)
from matcher.national.split import pack, split_clients
from matcher.national.start import sample_prices
from matcher.pairs.table import PairTable
from matcher.progress import Progress, ProgressFn, recorder, relative_gap
from models.instance import Instance

BUDGET_CODE = SHARED_FAMILIES.index("budget")
REFILLS = 3  # rounds of offering unused shares to the parts that wanted more
SAMPLE_TIME_SHARE = 0.05  # the most of the time limit the starting-price LP may take


class NationalError(ValueError):
    """A national run asked for what it does not serve (fairness floors, lexicographic mode)."""


@dataclass(frozen=True)
class NationalOptions:
    """Time limit (s, pair building included), workers (one Ray actor or in-process worker
    each), how to split (and the most clients a part may have: larger parts are cut into
    spatial blocks; None = no limit), the share of the time for pricing, the most price rounds,
    and the seed."""

    time_limit: float = 60.0
    workers: int = 2
    split: str = "region"
    max_part_clients: int | None = None
    price_share: float = 0.6
    max_rounds: int = 1000
    seed: int = 0
    explain: bool = True
    tolerance: float = 1e-3  # a coupling row holds when use ≤ b·(1 + tolerance)
    first_step: float = 1.0  # Polyak's θ: a step is θ·(bound − best repaired objective)/‖d‖²,
    # θ halved after `stall_rounds` rounds without a better bound
    stall_rounds: int = 3
    min_rounds: int = 50  # price rounds at least (when cheap) …
    min_rounds_share: float = 0.6  # … unless this share of the time limit is spent
    repair_every: int = 1  # rounds between repairs of the flows' choices (the Polyak target)
    refill_every: int = 5  # … and between flows at the shares (`flowprice.refill`, dearer)
    settle_every: int = 10  # … and between the parts settled in turn (`_settle`: serial; 0 off)
    deflection: float = 0.3  # share of the last direction kept in the next (deflected steps)
    start_sample: float = 0.01  # share of the queue whose LP duals start the prices (0: zero)

    def __post_init__(self) -> None:
        if not self.time_limit > 0:
            raise ValueError(f"time limit must be positive, got {self.time_limit}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.max_part_clients is not None and self.max_part_clients < 1:
            raise ValueError(f"max_part_clients must be at least 1, got {self.max_part_clients}")
        if not 0.0 < self.price_share < 1.0:
            raise ValueError(f"price_share must be within 0..1, got {self.price_share}")


@dataclass
class NationalResult:
    """The run as one SolveResult over the chosen rows, with the parts' explanations."""

    result: SolveResult
    alternatives: dict[int, list[dict]] = field(default_factory=dict)
    reasons: dict[int, list[str]] = field(default_factory=dict)


def check_servable(inst: Instance) -> None:
    """Refuse what the national path does not model: fairness floors couple every part."""
    if inst.rules.fairness_floor > 0:
        raise NationalError(
            f"fairness.floor is {inst.rules.fairness_floor}: a national run (--ray) serves the "
            "weighted objective without fairness floors; solve without --ray or set it to 0"
        )


def _coupling(infos: list[PartInfo]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys (sorted) and capacities of the rows the master prices — the shareable rows two or
    more parts reach and, when there are any, every budget row (the parts' flows cannot hold
    a budget) — and the keys of the shared ones alone."""
    keys = np.concatenate([i.keys for i in infos]) if infos else np.zeros(0, dtype=np.int64)
    cap = np.concatenate([i.capacity for i in infos]) if infos else np.zeros(0, dtype=np.int64)
    uniq, first, count = np.unique(keys, return_index=True, return_counts=True)
    shared = count >= 2
    priced = shared | ((uniq >> FAMILY_SHIFT) == BUDGET_CODE) if shared.any() else shared
    return uniq[priced], cap[first[priced]].astype(np.int64), uniq[shared]


def shares(use: list[np.ndarray], need: list[np.ndarray], capacity: np.ndarray) -> list[np.ndarray]:
    """Each part's integer share of every coupling row: its locked need first, then the rest of
    the capacity in proportion to its (LP) use beyond that need — split evenly when no part uses
    the row; Σ shares ≤ capacity whenever Σ needs ≤ capacity."""
    need_m = np.vstack(need) if need else np.zeros((0, len(capacity)))
    want = np.maximum(np.vstack(use) - need_m, 0.0) if use else need_m
    free = np.maximum(capacity - need_m.sum(axis=0), 0.0)
    total = want.sum(axis=0)
    ratio = np.where(total > 0, want / np.maximum(total, 1e-12), 1.0 / max(len(use), 1))
    extra = np.where(total <= free, want + (free - total) * ratio, free * ratio)
    return [np.floor(need_m[i] + extra[i] + 1e-9).astype(np.int64) for i in range(len(use))]


def _refill(
    outcomes: list[PartOutcome], wanted: list[np.ndarray], given: list[np.ndarray], b: np.ndarray
) -> list[np.ndarray | None]:
    """New shares for the parts that used all of a share and wanted more, from what the others
    left unused (None for a part whose shares do not grow)."""
    used = np.rint(np.vstack([o.use for o in outcomes])).astype(np.int64)
    slack = b - used.sum(axis=0)
    hungry = np.vstack(
        [(u >= g) & (w > g + 1e-9) for u, w, g in zip(used, wanted, given, strict=True)]
    )
    takers = hungry.sum(axis=0)
    grows = (takers > 0) & (slack > 0)
    # on a row that grows every part keeps what it uses and the takers share the slack
    extra = np.where(grows, slack // np.maximum(takers, 1), 0)
    out: list[np.ndarray | None] = []
    for i in range(len(outcomes)):
        if not (hungry[i] & grows).any():
            out.append(None)
            continue
        out.append(np.where(grows, used[i] + np.where(hungry[i], extra, 0), given[i]))
    return out


def _tightened(
    bound: float | None,
    terms: list[float],
    outcomes: list[PartOutcome],
    part_keys: list[np.ndarray],
    coupling: np.ndarray,
) -> float | None:
    """The bound with each uncoupled part's term replaced by its own final bound when lower: a
    part that shares no row with another does not depend on the prices, and its final solve (MIP
    cuts included) bounds it exactly as in a one-process run."""
    if bound is None:
        return None
    for k, o in enumerate(outcomes):
        alone = not np.isin(part_keys[k], coupling).any()
        if alone and o.bound is not None and o.bound < terms[k]:
            bound -= terms[k] - o.bound
    return bound


def _settle(
    executor: Executor,
    groups: list[list[int]],
    need: list[np.ndarray],
    b: np.ndarray,
    lam: np.ndarray,
) -> tuple[float, list[np.ndarray]]:
    """Parts one after the other, each taking by its flow what the others leave of every priced
    row (a part not yet settled holds its locked need): a first pass at the prices `lam` (so a
    part leaves the seats others value more), a second at budget prices only (filling what is
    left). Feasible by construction: (objective, each part's use)."""
    where = [(w, k) for w, g in enumerate(groups) for k in range(len(g))]
    uses = [n.astype(np.float64) for n in need]
    total = np.sum(uses, axis=0) if uses else np.zeros(len(b))
    values = [0.0] * len(where)
    for priced in (True, False):
        for i, (w, k) in enumerate(where):
            limit = b - (total - uses[i])
            values[i], use = executor.call_one(w, "settle", (k, limit, lam, priced))
            total += use - uses[i]
            uses[i] = use
    return float(sum(values)), uses


def _flatten(per_worker: list[list[Any]]) -> list[Any]:
    return [x for answers in per_worker for x in answers]


def _split_back(values: list[Any], groups: list[list[int]]) -> list[tuple[Any, ...]]:
    """Per-part values (in flattened order) back into one list per worker."""
    out, at = [], 0
    for g in groups:
        out.append((values[at : at + len(g)],))
        at += len(g)
    return out


def _with(args: list[tuple[Any, ...]], *more: Any) -> list[tuple[Any, ...]]:
    """Each worker's arguments with `more` appended (the same for every worker)."""
    return [(*a, *more) for a in args]


@dataclass
class Pricing:
    """What the price rounds found: the best Lagrangian bound, each part's term in it, the
    parts' flow use of the priced rows at the best prices, the best repaired (feasible)
    objective met, and the per-round log."""

    bound: float | None
    terms: list[float]
    use: list[np.ndarray]
    lower: float
    lower_at: tuple[list[np.ndarray], list[np.ndarray]]  # (flow use, shares) of that repair
    rounds: int
    held: bool
    log: list[dict[str, Any]]
    lam: np.ndarray  # the best prices


def _price(
    options: NationalOptions,
    executor: Executor,
    groups: list[list[int]],
    need: list[np.ndarray],
    b: np.ndarray,
    *,
    price_end: float,
    late: float,
    elapsed: Any,
    report: ProgressFn,
    n_parts: int,
    mu: np.ndarray,
) -> Pricing:
    """Deflected Polyak subgradient steps on the priced rows until `price_end`: each round every
    part's exact flow maximum at λ; every `repair_every` rounds the flows' choices are shared out
    and repaired, a feasible objective that is the Polyak target."""
    nw, bf = len(groups), b.astype(np.float64)
    best_bound, best_mu, best_terms = math.inf, mu, [math.inf] * n_parts
    rounds, since_best, theta, held, at_best = 0, 0, options.first_step, False, False
    last_use: list[np.ndarray] = [np.zeros(len(b)) for _ in range(n_parts)]
    round_seconds, lower, log = 0.0, 0.0, []
    lower_at: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    direction = np.zeros(len(b))
    # cheap rounds: at least min_rounds while within min_rounds_share of the whole time
    short = lambda k: k < options.min_rounds and elapsed() + round_seconds < late  # noqa: E731
    # one round at least: the bound of a coupled run needs one Lagrangian evaluation
    while (
        len(b)
        and rounds < options.max_rounds
        and (rounds == 0 or elapsed() + round_seconds < price_end or short(rounds))
    ):
        t_round = elapsed()
        lam = mu / np.maximum(bf, 1.0)
        evals: list[PriceEval] = _flatten(executor.call("price", [(lam,)] * nw))
        rounds += 1
        last_use = [e.use for e in evals]
        use = np.sum(last_use, axis=0)
        value = float(lam @ bf) + sum(e.bound for e in evals)
        at_best = value < best_bound - 1e-9
        if at_best:
            best_bound, best_mu, since_best = value, mu, 0
            best_terms = [e.bound for e in evals]
        else:
            since_best += 1
            if since_best >= options.stall_rounds:
                theta, since_best = theta / 2, 0
        t_fix = elapsed()
        if rounds % options.repair_every == 1 or options.repair_every == 1:
            given = shares(last_use, need, b)
            flow_too = rounds % options.refill_every == 1 or options.refill_every == 1
            args = _split_back(given, groups)
            fixed = executor.call("repair", _with(args, lam) if flow_too else args)
            value_fixed = float(sum(v for v, _ in _flatten(fixed)))
            if value_fixed > lower:
                lower, lower_at = value_fixed, (last_use, given)
                executor.call("stash", [()] * nw)
        t_settle = elapsed()
        if options.settle_every and rounds % options.settle_every == 1:
            value_fixed, settled_use = _settle(executor, groups, need, b, lam)
            if value_fixed > lower:
                given = shares(settled_use, need, b)
                executor.call("set_shares", _split_back(given, groups))
                lower, lower_at = value_fixed, (settled_use, given)
                executor.call("stash", [()] * nw)
        settle_seconds = elapsed() - t_settle
        excess = (use - bf) / np.maximum(bf, 1.0)
        over = int(np.sum(excess > options.tolerance))
        round_seconds = elapsed() - t_round - settle_seconds  # a round without the settling
        log.append(
            {
                "round": rounds,
                "seconds": round(elapsed(), 1),
                "bound": round(value, 1),
                "best": round(best_bound, 1),
                "lower": round(lower, 1),
                "flow_value": round(sum(e.value for e in evals), 1),
                "rows_over": over,
                "flow_rounds": max(e.rounds for e in evals),
                "flow_seconds": round(max(e.seconds for e in evals), 2),  # slowest part
                "repair_seconds": round(t_settle - t_fix, 2),
                "settle_seconds": round(settle_seconds, 2),
            }
        )
        report(Progress(elapsed(), lower or None, best_bound, "price"))
        held = over == 0 and bool(np.all((excess >= -options.tolerance) | (mu <= 0)))
        if held:  # the flows hold every row and the priced rows are tight: λ is optimal
            break
        step = excess.copy()
        step[(mu <= 0) & (step < 0)] = 0.0  # a free row at price 0 stays there
        direction = step + options.deflection * direction  # damps the zig-zag between rounds
        direction[(mu <= 0) & (direction < 0)] = 0.0
        norm = float(direction @ direction)
        if norm <= 0:
            break
        gap = max(value - lower, 1e-3 * max(abs(value), 1.0))
        mu = np.maximum(mu + (theta * gap / norm) * direction, 0.0)
    if len(b) and rounds and not at_best:  # the parts' flow choices at the best prices
        lam = best_mu / np.maximum(bf, 1.0)
        last_use = [e.use for e in _flatten(executor.call("price", [(lam,)] * nw))]
    bound = None if not math.isfinite(best_bound) else best_bound
    lam = best_mu / np.maximum(bf, 1.0)
    return Pricing(bound, best_terms, last_use, lower, lower_at, rounds, held, log, lam)


def solve_national(
    inst: Instance,
    options: NationalOptions | None = None,
    *,
    ray_address: str | None = None,
    use_ray: bool = False,
    on_progress: ProgressFn | None = None,
) -> NationalResult:
    """Solve `inst` part by part (on Ray when `use_ray`, else in process) as one allocation."""
    options = options or NationalOptions()
    check_servable(inst)
    t0 = time.perf_counter()
    history, report = recorder(on_progress)
    parts = split_clients(inst, options.split, options.max_part_clients)
    groups = pack([len(p.clients) for p in parts], options.workers)
    part_groups = [[parts[k] for k in g] for g in groups]
    executor: Executor = (
        OnRay(inst, part_groups, ray_address, options.explain)
        if use_ray
        else InProcess(inst, part_groups, options.explain)
    )
    start = time.perf_counter()  # the time limit counts from here: Ray's start-up is apart
    try:
        result = _run(inst, options, executor, groups, parts, start, history, report)
        result.result.stats["startup_seconds"] = round(start - t0, 3)
        return result
    finally:
        executor.close()


def _run(
    inst: Instance,
    options: NationalOptions,
    executor: Executor,
    groups: list[list[int]],
    parts: list[Any],
    start: float,
    history: list[Progress],
    report: ProgressFn,
) -> NationalResult:
    elapsed = lambda: time.perf_counter() - start  # noqa: E731
    nw = len(groups)
    pending = executor.submit("build", [()] * nw)
    sample_at = options.time_limit * SAMPLE_TIME_SHARE
    sample = (  # while the actors build (in process: after, and only for a coupled run)
        sample_prices(inst, options.start_sample, options.seed, sample_at)
        if executor.concurrent and options.start_sample > 0
        else None
    )
    infos: list[PartInfo] = _flatten(executor.collect(pending))
    t_build = elapsed()
    keys, b, shared = _coupling(infos)
    if sample is None and options.start_sample > 0 and len(b):
        sample = sample_prices(inst, options.start_sample, options.seed, sample_at)
    t_sample = elapsed()
    lam0 = sample.on(keys) if sample is not None else np.zeros(len(keys))
    executor.call("couple", [(keys,)] * nw)
    need: list[np.ndarray] = _flatten(executor.call("lock_need", [()] * nw))
    bf = b.astype(np.float64)

    # --- pricing: subgradient on the relaxed rows, each part's maximum by min-cost flow -------

    price_end = t_build + (options.time_limit - t_build) * options.price_share
    pricing = _price(
        options,
        executor,
        groups,
        need,
        b,
        price_end=price_end,
        late=options.time_limit * options.min_rounds_share,
        elapsed=elapsed,
        report=report,
        n_parts=len(parts),
        mu=lam0 * bf,
    )
    bound, best_terms, held, rounds = pricing.bound, pricing.terms, pricing.held, pricing.rounds
    last_use, log = pricing.use, pricing.log
    t_price = elapsed()

    # --- shares, repair of the flows' choices, part solves and refills ------------------------
    # shares follow the use of the very flow choices that are repaired to them (measured: shares
    # from the flows' use averaged over the rounds lost 7-13 % of the objective)
    wanted = last_use
    given = shares(wanted, need, b)
    repaired = settled = 0.0
    if len(b) and rounds:
        lam = pricing.lam
        fixed = _flatten(executor.call("repair", _with(_split_back(given, groups), lam)))
        repaired = float(sum(v for v, _ in fixed))
        if repaired < pricing.lower:  # an earlier round's repair was better: start from it
            executor.call("stash", [(True,)] * nw)
            repaired, (wanted, given) = pricing.lower, pricing.lower_at
        if options.settle_every:
            executor.call("stash", [()] * nw)
            settled, settled_use = _settle(executor, groups, need, b, lam)
            if settled > repaired:  # parts in turn beat the shares: their uses become shares
                repaired, wanted = settled, settled_use
                given = shares(settled_use, need, b)
                executor.call("set_shares", _split_back(given, groups))
            else:
                executor.call("stash", [(True,)] * nw)
    t_repair = elapsed()
    left = options.time_limit - elapsed()
    outcomes: list[PartOutcome] = _flatten(
        executor.call(
            "finish",
            [
                (s[0], left * (0.75 if len(b) else 0.95), options.seed)
                for s in _split_back(given, groups)
            ],
        )
    )
    refilled = 0
    for _ in range(REFILLS):
        refill = _refill(outcomes, wanted, given, b)
        if not any(r is not None for r in refill) or options.time_limit - elapsed() < 1.0:
            break
        refilled += sum(r is not None for r in refill)
        given = [g if r is None else r for g, r in zip(given, refill, strict=True)]
        left = (options.time_limit - elapsed()) / 2
        outcomes = _flatten(
            executor.call(
                "finish", [(s[0], left, options.seed) for s in _split_back(refill, groups)]
            )
        )
    if not len(b):
        held = True
        terms = [o.bound for o in outcomes]
        bound = None if None in terms else float(sum(terms))  # type: ignore[arg-type]
    else:
        bound = _tightened(bound, best_terms, outcomes, [i.keys for i in infos], shared)
    chosen = PairTable.concat([o.chosen for o in outcomes])
    objective = float(chosen.score.sum())
    total_use = np.sum([o.use for o in outcomes], axis=0) if len(b) else np.zeros(0)
    if len(b) and np.any(total_use > bf + 1e-6):  # shares guarantee this; never report otherwise
        raise AssertionError("national repair left a coupling row over its capacity")
    if bound is not None and objective >= math.floor(bound + 1e-6):
        status = "OPTIMAL"
    else:
        status = "FEASIBLE"
    seconds = elapsed()
    report(Progress(seconds, objective, bound, "done"))
    stats: dict[str, Any] = {
        "method": "national",
        "pairs": int(sum(i.pairs for i in infos)),
        "parts": [
            {
                "part": i.name,
                "clients": i.clients,
                "pairs": i.pairs,
                "build_seconds": round(i.seconds, 3),
                "objective": o.objective,
                "seconds": round(o.seconds, 3),
            }
            for i, o in zip(infos, outcomes, strict=True)
        ],
        "workers": len(groups),
        "coupling_rows": int(len(b)),
        "resident_network_bytes": int(sum(i.resident_bytes for i in infos)),
        "price_rounds": rounds,
        "price_log": log,
        "repaired_objective": repaired,
        "settled_objective": settled,  # the parts in turn (`_settle`)
        "coupling_held": held,
        "refilled_parts": int(refilled),
        "build_seconds": round(t_build, 3),
        "start_prices": None
        if sample is None
        else {
            "status": sample.status,
            "clients": sample.clients,
            "pairs": sample.pairs,
            "seconds": round(sample.seconds, 3),
            "after_build_seconds": round(t_sample - t_build, 3),
        },
        "price_seconds": round(t_price - t_build, 3),
        "repair_seconds": round(t_repair - t_price, 3),
        "finish_seconds": round(seconds - t_price, 3),
        "gap": relative_gap(objective, bound),
    }
    result = SolveResult(
        pairs=chosen,
        chosen=np.ones(len(chosen), dtype=bool),
        status=status,
        objective=objective,
        bound=bound,
        seconds=seconds,
        fairness={"floor": inst.rules.fairness_floor, "penalty": 0, "units": []},
        history=history,
        stats=stats,
    )
    alternatives: dict[int, list[dict]] = {}
    reasons: dict[int, list[str]] = {}
    for o in outcomes:
        alternatives.update(o.alternatives)
        reasons.update(o.reasons)
    return NationalResult(result, alternatives, reasons)
