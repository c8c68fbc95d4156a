"""The independent checker: re-derives every rule of FORMAT.md from the instance's row records.

Deliberately simple and separate from the engine: plain Python over the assignments with dict
look-ups, no numpy, nothing imported from the rest of `matcher`, so that a bug in the vectorised
engine cannot hide behind the same bug here. Only pairs in the allocation (and the decisions) are
re-derived, which keeps a 200 000-client allocation to seconds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from matcher.check.facts import (
    COST_TOL,
    PARTICIPATION,
    WAGE_SUBSIDY,
    Facts,
    Violation,
    pair_cost,
    pool_covers,
    travel_minutes,
    travel_mode,
)
from models.allocation import Allocation, Assignment
from models.entities import Client, Placement
from models.instance import Instance
from models.weights import Weights

# Written out from FORMAT.md's text rather than imported, to stay independent of the models.

COMMUTE_TOL = 0.05  # minutes of slack on max_commute_min, for rounding in the engine
TRAVEL_TOL = 0.1  # minutes between stated and re-derived travel_min
SCORE_TOL = 1.0  # per component, against the unrounded formula (rounding conventions differ)
PRIORITY_TOL = 2.0  # priority sums four terms, each of which an engine may round on its own
OBJECTIVE_TOL = 1.0  # objective and fairness penalty are each rounded to whole numbers
WEEKS_PER_MONTH = 52 / 12  # unknown weeks_since_activation: unemployed_months × 52/12 (README)
SCORE_COMPONENTS = ("priority", "wish", "interest", "pathway", "travel", "cost")


# --- the rules of FORMAT.md, one small function each -------------------------------------------


def pair_problems(
    facts: Facts, client: Client, placement: Placement, minutes: float | None = None
) -> list[tuple[str, str]]:
    """Every feasibility rule of FORMAT.md the pair breaks, except the choice of pool.

    Returns (rule, message) tuples; an empty list means the pair is feasible given some pool.
    `minutes` may pass the travel time when the caller has it already.
    """
    rules = facts.rules
    out: list[tuple[str, str]] = []
    ptype = placement.type
    if ptype not in rules.max_months:
        out.append(("type", f"placement type {ptype!r} is not declared in the rules"))
        return out
    if not rules.age_min <= client.age <= rules.age_max:
        out.append(("age", f"age {client.age} outside {rules.age_min}..{rules.age_max}"))
    if ptype not in client.consents:
        out.append(("consent", f"client does not consent to {ptype}"))
    used = client.months_used.get(ptype, 0)
    if used >= rules.max_months[ptype]:
        out.append(
            ("months_used", f"{used:g} months of {ptype} used, max {rules.max_months[ptype]:g}")
        )
    organiser_limit = rules.organiser_max_months.get(ptype)
    at_organiser = (client.months_by_provider or {}).get(placement.provider_id, 0)
    if organiser_limit is not None and at_organiser >= organiser_limit:
        out.append(
            (
                "organiser_max_months",
                f"{at_organiser:g} months used at organiser {placement.provider_id!r}, max "
                f"{organiser_limit:g} of {ptype} with one organiser",
            )
        )
    if ptype == PARTICIPATION and not (
        client.benefit_days >= rules.participation_min_benefit_days
        or client.age < rules.participation_youth_age
    ):
        out.append(
            (
                "participation",
                f"{client.benefit_days} benefit days < {rules.participation_min_benefit_days} "
                f"and age {client.age} ≥ {rules.participation_youth_age}",
            )
        )
    if client.work_ability < placement.min_work_ability:
        out.append(
            ("work_ability", f"work ability {client.work_ability} < {placement.min_work_ability}")
        )
    missing = [n for n in client.needs if n not in placement.features]
    if missing:
        out.append(("needs", f"placement lacks {', '.join(missing)}"))
    if placement.language not in client.languages:
        out.append(("language", f"client does not speak {placement.language!r}"))
    if minutes is None:
        minutes = travel_minutes(client, placement, rules)
    if minutes > client.max_commute_min + COMMUTE_TOL:
        mode = travel_mode(client, placement, rules)
        out.append(("commute", f"{minutes:.1f} min by {mode} > limit {client.max_commute_min} min"))
    if (client.id, placement.id) in facts.forbids:
        out.append(("forbidden", "the pair is forbidden in decisions.csv"))
    for key, level in placement.demands.items():
        has = client.abilities.get(key, client.work_ability)
        if has < level:
            out.append(("demands", f"{key} {has:g} < demanded {level:g}"))
    return out


def pool_problem(
    facts: Facts, client: Client, placement: Placement, pool_id: str, cost: float
) -> str | None:
    """Why `pool_id` may not pay for this pair (None when it may). "" is allowed only at cost 0."""
    if pool_id == "":
        if abs(cost) <= COST_TOL / 2:
            return None
        return f"no pool named but the pair costs {cost:.2f} €"
    if pool_id not in placement.funding_pools:
        return f"pool {pool_id!r} is not among the placement's funding_pools"
    pool = facts.pools[pool_id]
    groups = facts.groups_of(client) if pool.groups else frozenset()
    if pool_covers(pool, client, placement, groups):
        return None
    misses = []
    if pool.types and placement.type not in pool.types:
        misses.append(f"type {placement.type} (pool types: {', '.join(pool.types)})")
    if pool.municipalities and client.municipality not in pool.municipalities:
        misses.append(
            f"home municipality {client.municipality} (pool: {', '.join(pool.municipalities)})"
        )
    if pool.groups and not any(g in groups for g in pool.groups):
        mine = ", ".join(sorted(groups)) or "none"
        misses.append(f"the client's groups ({mine}; pool: {', '.join(pool.groups)})")
    return f"pool {pool_id!r} does not cover " + " nor ".join(misses)


def pathway_term(client: Client, placement: Placement, weights: Weights) -> float:
    """+pathway when the type's stage is the highest used stage + 1, −pathway_repeat when equal.

    A client who has used no staged type (months_used > 0), or a type without a stage, gets 0.
    """
    stages = weights.pathway_stage
    stage = stages.get(placement.type)
    used = [stages[t] for t, months in client.months_used.items() if months > 0 and t in stages]
    if stage is None or not used:
        return 0.0
    highest = max(used)
    if stage == highest + 1:
        return float(weights.pathway)
    if stage == highest:
        return -float(weights.pathway_repeat)
    return 0.0


def score_components(
    facts: Facts, client: Client, placement: Placement, minutes: float, cost: float
) -> dict[str, float]:
    """The unrounded score components of models/weights.py's formula for one pair."""
    w, rules = facts.weights, facts.rules
    saved_per_week = rules.liability_share(client.benefit_days) * rules.liability_daily_benefit * 5
    known = client.weeks_since_activation
    waiting = client.unemployed_months * WEEKS_PER_MONTH if known is None else float(known)
    priority = (
        w.placed
        + w.benefit_days * min(client.benefit_days, w.benefit_days_cap) / 100
        + w.liability * saved_per_week
        + w.waiting * min(waiting, w.waiting_cap)
    )
    wish = 0.0
    if placement.id in client.wishes:
        wish = w.wish / (client.wishes.index(placement.id) + 1)
    interest = (
        float(w.interest) if placement.sector and placement.sector in client.interests else 0.0
    )
    return {
        "priority": priority,
        "wish": wish,
        "interest": interest,
        "pathway": pathway_term(client, placement, w),
        "travel": -w.travel * minutes,
        "cost": -w.cost * cost / 1000,
    }


# --- the allocation as a whole -----------------------------------------------------------------


def check_allocation(inst: Instance, alloc: Allocation) -> list[Violation]:
    """Every rule of FORMAT.md the allocation breaks, re-derived from `inst` alone."""
    return check_with_facts(Facts.from_instance(inst), alloc, instance_name=inst.name)


def check_with_facts(facts: Facts, alloc: Allocation, instance_name: str = "") -> list[Violation]:
    """As `check_allocation`, on look-up tables already built (tests and repeated checks)."""
    out: list[Violation] = []
    if alloc.format_version != 1:
        out.append(Violation("format", f"format_version {alloc.format_version} is not 1"))
    if instance_name and alloc.instance and alloc.instance != instance_name:
        out.append(
            Violation(
                "instance", f"allocation is for {alloc.instance!r}, instance is {instance_name!r}"
            )
        )

    seats_used: Counter[str] = Counter()
    pool_spent: Counter[str] = Counter()  # whole cents: each pair is charged its cost to the cent
    pool_count: Counter[str] = Counter()
    subsidised: Counter[str] = Counter()
    times_assigned: Counter[str] = Counter()
    assigned_pairs: set[tuple[str, str]] = set()

    for a in alloc.assignments:
        cid, pid, fid = a.client_id, a.placement_id, a.pool_id
        times_assigned[cid] += 1
        seats_used[pid] += 1
        assigned_pairs.add((cid, pid))
        client = facts.clients.get(cid)
        placement = facts.placements.get(pid)
        for known, kind, ident in ((client, "client", cid), (placement, "placement", pid)):
            if known is None:
                out.append(
                    Violation("unknown_id", f"unknown {kind} {ident!r}", cid, pid, fid or None)
                )
        if fid and fid not in facts.pools:
            out.append(Violation("unknown_id", f"unknown pool {fid!r}", cid, pid, fid))
        if client is None or placement is None:
            if fid in facts.pools:
                pool_spent[fid] += round(a.cost * 100)
                pool_count[fid] += 1
            continue
        if placement.type == WAGE_SUBSIDY:
            subsidised[placement.provider_id] += 1
        problems, cost = _check_pair(facts, a, client, placement)
        out.extend(problems)
        if cost is not None and fid in facts.pools:
            pool_spent[fid] += round(cost * 100)
            pool_count[fid] += 1

    out.extend(_check_counts(facts, seats_used, times_assigned, subsidised))
    spent = {fid: cents / 100 for fid, cents in pool_spent.items()}
    out.extend(_check_pools(facts, alloc, spent, pool_count))
    out.extend(_check_decisions(facts, assigned_pairs))
    out.extend(_check_queue(facts, alloc, times_assigned))
    out.extend(_check_objective(alloc))
    return out


def _check_pair(
    facts: Facts, a: Assignment, client: Client, placement: Placement
) -> tuple[list[Violation], float | None]:
    """Feasibility, pool, stated cost, travel and score of one assignment; and its re-derived cost
    (None when the placement's type is undeclared, so no cost can be derived)."""
    cid, pid, fid = client.id, placement.id, a.pool_id
    minutes = travel_minutes(client, placement, facts.rules)
    out = [
        Violation(rule, msg, cid, pid, fid or None)
        for rule, msg in pair_problems(facts, client, placement, minutes)
    ]
    if client.current_placement:
        out.append(
            Violation(
                "already_placed", f"client is in {client.current_placement!r} already", cid, pid
            )
        )
    if placement.type not in facts.rules.max_months:
        return out, None
    cost = pair_cost(facts, client, placement)
    if fid == "" or fid in facts.pools:
        problem = pool_problem(facts, client, placement, fid, cost)
        if problem:
            out.append(Violation("pool_scope", problem, cid, pid, fid or None))
    if abs(a.cost - cost) > COST_TOL:
        out.append(
            Violation(
                "cost",
                f"stated cost {a.cost:.2f} € ≠ re-derived {cost:.2f} €",
                cid,
                pid,
                fid or None,
            )
        )
    if abs(a.travel_min - minutes) > TRAVEL_TOL:
        out.append(
            Violation(
                "travel",
                f"stated travel {a.travel_min:g} min ≠ re-derived {minutes:.2f} min",
                cid,
                pid,
            )
        )
    expected = score_components(facts, client, placement, minutes, cost)
    for name, value in expected.items():
        stated = a.score.get(name, 0)
        tol = PRIORITY_TOL if name == "priority" else SCORE_TOL
        if abs(stated - value) > tol:
            out.append(
                Violation(
                    "score",
                    f"score.{name} {stated} ≠ re-derived {value:.2f}",
                    cid,
                    pid,
                    fid or None,
                )
            )
    for name, value in a.score.items():
        if name not in expected and value != 0:
            out.append(
                Violation(
                    "score", f"score.{name} = {value} is not a component of the formula", cid, pid
                )
            )
    return out, cost


def check_pair(
    facts: Facts, a: Assignment, client: Client, placement: Placement
) -> tuple[list[Violation], float | None]:
    """The per-pair check of one stated (client, placement, pool) with cost, travel and score —
    public for the shortlist checker (matcher/shortlist_check.py), which reuses it."""
    return _check_pair(facts, a, client, placement)


def _check_counts(
    facts: Facts,
    seats_used: Counter[str],
    times_assigned: Counter[str],
    subsidised: Counter[str],
) -> list[Violation]:
    """Once per client, at most `seats` per placement, at most max_subsidised per provider."""
    out = []
    for cid, n in times_assigned.items():
        if n > 1:
            out.append(Violation("double_assignment", f"client assigned {n} times", cid))
    for pid, n in seats_used.items():
        placement = facts.placements.get(pid)
        if placement is not None and n > placement.seats:
            out.append(
                Violation(
                    "capacity", f"{n} assignments > {placement.seats} seats", placement_id=pid
                )
            )
    for vid, n in subsidised.items():
        provider = facts.providers.get(vid)
        cap = provider.max_subsidised if provider is not None else None
        if cap is not None and n > cap:
            out.append(
                Violation(
                    "provider_cap", f"provider {vid!r}: {n} wage-subsidy assignments > cap {cap}"
                )
            )
    return out


def _check_pools(
    facts: Facts, alloc: Allocation, spent: dict[str, float], count: Counter[str]
) -> list[Violation]:
    """Each pool's budget holds, and the allocation's `pools` figures match the recomputed use.

    `spent` sums each pair's cost rounded to the cent (how money is charged, and how the model
    counts budgets); a pool may exceed its budget by at most COST_TOL. Each stated cost may be
    rounded to the cent, so a pool's sum may drift by half a cent per assignment.
    """
    return check_pool_section(
        facts,
        ((p.pool_id, p.budget, p.used) for p in alloc.pools),
        spent,
        lambda fid: max(COST_TOL, 0.005 * count.get(fid, 0)),
        amount="used",
        over_code="budget",
        over_text="used",
    )


def check_pool_section(
    facts: Facts,
    stated: Iterable[tuple[str, float, float]],
    derived: dict[str, float],
    tolerance: Callable[[str], float],
    *,
    amount: str,
    over_code: str,
    over_text: str,
) -> list[Violation]:
    """Violations of the `pools` rows `stated` (pool id, budget, amount) against `derived`.

    `amount` names the figure ("used", "reserved"), `tolerance(pool_id)` how far a stated amount
    may drift from the re-derived one; a re-derived amount above the budget (± COST_TOL) is an
    `over_code` violation, worded `over_text` ("used", "worst-case picks reserve").
    """
    out = []
    for fid, pool in facts.pools.items():
        if derived.get(fid, 0.0) > pool.budget + COST_TOL + 1e-9:
            out.append(
                Violation(
                    over_code,
                    f"{over_text} {derived[fid]:.2f} € > budget {pool.budget:.2f} €",
                    pool_id=fid,
                )
            )
    listed: Counter[str] = Counter()
    for fid, budget, figure in stated:
        listed[fid] += 1
        fund = facts.pools.get(fid)
        if fund is None:
            out.append(Violation("pools", f"pools lists unknown pool {fid!r}", pool_id=fid))
            continue
        if abs(budget - fund.budget) > COST_TOL:
            out.append(
                Violation(
                    "pools",
                    f"stated budget {budget:.2f} ≠ instance {fund.budget:.2f}",
                    pool_id=fid,
                )
            )
        if abs(figure - derived.get(fid, 0.0)) > tolerance(fid):
            out.append(
                Violation(
                    "pools",
                    f"stated {amount} {figure:.2f} € ≠ re-derived {derived.get(fid, 0.0):.2f} €",
                    pool_id=fid,
                )
            )
    for fid, n in listed.items():
        if n > 1:
            out.append(Violation("pools", f"pool listed {n} times", pool_id=fid))
    for fid, figure in derived.items():
        if fid not in listed and figure > COST_TOL:
            out.append(
                Violation(
                    "pools", f"pool has {amount} {figure:.2f} € but is not in pools", pool_id=fid
                )
            )
    return out


def _check_decisions(facts: Facts, assigned_pairs: set[tuple[str, str]]) -> list[Violation]:
    """Every locked pair is assigned (forbidden pairs are caught per assignment)."""
    return [
        Violation("lock", "locked pair is not assigned", cid, pid)
        for cid, pid in facts.locks
        if (cid, pid) not in assigned_pairs
    ]


def _check_queue(facts: Facts, alloc: Allocation, times_assigned: Counter[str]) -> list[Violation]:
    """Every queue client is assigned or explained, never both; placed clients are not listed."""
    out = []
    listed: dict[str, list[str]] = {}
    for u in alloc.unassigned:
        client = facts.clients.get(u.client_id)
        if client is None:
            out.append(
                Violation(
                    "unknown_id", f"unassigned lists unknown client {u.client_id!r}", u.client_id
                )
            )
            continue
        if u.client_id in listed:
            out.append(Violation("unassigned", "client listed twice in unassigned", u.client_id))
        listed[u.client_id] = list(listed.get(u.client_id, [])) + list(u.reasons)
        if client.current_placement:
            out.append(
                Violation(
                    "unassigned",
                    "client already in a placement is listed as unassigned",
                    u.client_id,
                )
            )
        if u.client_id in times_assigned:
            out.append(
                Violation("unassigned", "client is both assigned and unassigned", u.client_id)
            )
    for cid, client in facts.clients.items():
        if client.current_placement or cid in times_assigned:
            continue
        if cid not in listed:
            out.append(
                Violation("unexplained", "queue client neither assigned nor unassigned", cid)
            )
        elif not any(str(r).strip() for r in listed[cid]):
            out.append(Violation("unexplained", "unassigned client has no reason", cid))
    return out


def _check_objective(alloc: Allocation) -> list[Violation]:
    """objective = Σ assignment score totals − fairness["penalty"] (0 when absent)."""
    total = sum(a.total for a in alloc.assignments)
    raw_penalty = alloc.fairness.get("penalty", 0) if isinstance(alloc.fairness, dict) else 0
    if not _is_number(raw_penalty) or raw_penalty < 0:
        return [Violation("objective", f"fairness.penalty {raw_penalty!r} is not a number ≥ 0")]
    if not _is_number(alloc.objective):
        if alloc.assignments:
            return [Violation("objective", f"objective {alloc.objective!r} is not a number")]
        return []
    expected = total - raw_penalty
    if abs(alloc.objective - expected) > OBJECTIVE_TOL:
        return [
            Violation(
                "objective",
                f"objective {alloc.objective:g} ≠ Σ scores {total} − fairness penalty {raw_penalty:g}",
            )
        ]
    return []


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
