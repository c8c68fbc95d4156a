"""The national master: prices on the coupling rows by subgradient steps, then shares and repair.

For prices λ ≥ 0 on the coupling rows (seats, budgets and caps that several parts reach),
    L(λ) = Σ_r λ_r·b_r + Σ_parts max { Σ_j (score_j − Σ_r λ_r·a_rj)·x_j : the part's own rows }
bounds the national optimum from above, and each part's LP bound at λ bounds its inner maximum,
so Σ part bounds + λ·b is a valid bound at every step; the best one met is reported. Steps are
Polyak subgradient steps in scaled prices μ_r = λ_r·b_r (the value of a whole row), along the
rows' relative excess (use − b)/b, towards a target a little below the best bound; they stop when
the coupling rows hold (every row's use within its capacity) or the pricing time is spent.

Then each coupling row's capacity is shared out by the parts' last use (locked pairs' needs
first), every part is solved with its share as a hard row, and capacity left unused by a part is
offered once more to the parts that wanted more (the repair): shares never sum beyond b, so the
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
from matcher.national.part import PartInfo, PartOutcome, PriceEval
from matcher.national.split import pack, split_clients
from matcher.pairs.table import PairTable
from matcher.progress import Progress, ProgressFn, recorder, relative_gap
from models.instance import Instance

REFILLS = 3  # rounds of offering unused shares to the parts that wanted more


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
    price_share: float = 0.35
    max_rounds: int = 40
    seed: int = 0
    explain: bool = True
    tolerance: float = 1e-3  # a coupling row holds when use ≤ b·(1 + tolerance)
    first_step: float = 0.2  # the first Polyak target lies this share below the bound; halved
    # after two rounds without a better bound

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


def _coupling(infos: list[PartInfo]) -> tuple[np.ndarray, np.ndarray]:
    """Keys (sorted) and capacities of the shareable rows that two or more parts reach."""
    keys = np.concatenate([i.keys for i in infos]) if infos else np.zeros(0, dtype=np.int64)
    cap = np.concatenate([i.capacity for i in infos]) if infos else np.zeros(0, dtype=np.int64)
    uniq, first, count = np.unique(keys, return_index=True, return_counts=True)
    shared = count >= 2
    return uniq[shared], cap[first[shared]].astype(np.int64)


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


def _flatten(per_worker: list[list[Any]]) -> list[Any]:
    return [x for answers in per_worker for x in answers]


def _split_back(values: list[Any], groups: list[list[int]]) -> list[tuple[Any, ...]]:
    """Per-part values (in flattened order) back into one list per worker."""
    out, at = [], 0
    for g in groups:
        out.append((values[at : at + len(g)],))
        at += len(g)
    return out


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
    infos: list[PartInfo] = _flatten(executor.call("build", [()] * nw))
    t_build = elapsed()
    keys, b = _coupling(infos)
    executor.call("couple", [(keys,)] * nw)
    need: list[np.ndarray] = _flatten(executor.call("lock_need", [()] * nw))
    bf = b.astype(np.float64)

    # --- pricing: subgradient on the coupling rows -------------------------------------------
    price_end = t_build + (options.time_limit - t_build) * options.price_share
    mu = np.zeros(len(b))
    best_bound, best_use, best_terms = math.inf, None, [math.inf] * len(parts)
    last_use: list[np.ndarray] = [np.zeros(len(b)) for _ in parts]
    rounds, since_best, delta, held = 0, 0, options.first_step, False
    # without coupling rows the parts are independent: their own final bounds are the bound
    # one round at least: the bound of a coupled run needs one Lagrangian evaluation
    while len(b) and rounds < options.max_rounds and (rounds == 0 or elapsed() < price_end):
        lam = mu / np.maximum(bf, 1.0)
        evals: list[PriceEval] = _flatten(
            executor.call("price", [(lam, max(1.0, price_end - elapsed()))] * nw)
        )
        rounds += 1
        last_use = [e.use for e in evals]
        use = np.sum(last_use, axis=0) if len(b) else np.zeros(0)
        if any(e.bound is None for e in evals):
            break
        value = float(lam @ bf) + sum(float(e.bound) for e in evals if e.bound is not None)
        if value < best_bound - 1e-9:
            best_bound, best_use, since_best = value, last_use, 0
            best_terms = [float(e.bound) for e in evals]  # type: ignore[arg-type]
        else:
            since_best += 1
            if since_best >= 2:
                delta, since_best = delta / 2, 0
        report(Progress(elapsed(), None, best_bound, "price"))
        excess = (use - bf) / np.maximum(bf, 1.0)
        held = bool(np.all(excess <= options.tolerance))
        if held:
            break
        step = excess.copy()
        step[(mu <= 0) & (step < 0)] = 0.0  # a free row at price 0 stays there
        norm = float(step @ step)
        if norm <= 0:
            break
        target = delta * max(abs(best_bound), 1.0)
        mu = np.maximum(mu + (target / norm) * step, 0.0)
    bound = None if not math.isfinite(best_bound) else best_bound
    t_price = elapsed()

    # --- shares, part solves and one refill (the repair) ----------------------------------------
    wanted = best_use if best_use is not None and not held else last_use
    given = shares(wanted, need, b)
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
        bound = _tightened(bound, best_terms, outcomes, [i.keys for i in infos], keys)
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
        "price_rounds": rounds,
        "coupling_held": held,
        "refilled_parts": int(refilled),
        "build_seconds": round(t_build, 3),
        "price_seconds": round(t_price - t_build, 3),
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
