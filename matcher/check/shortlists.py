"""The independent checker of shortlists.json: every rule of the shortlists, re-derived from the
instance's row records, including the budget and cap guarantee.

Deliberately simple and separate from the engine, like `matcher.check.allocation` (whose per-pair
re-derivation of feasibility, pool, cost, travel and score it reuses): plain Python, dict look-ups,
nothing from the engine's vectorised code. The guarantee is checked as stated in README
"Shortlists": per pool, the locked clients' costs plus each list's `seats` costliest candidates
charged to that pool fit the budget; per capped provider, locked wage-subsidy clients plus
min(seats, list length) per wage-subsidy list fit max_subsidised.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from matcher.check.allocation import OBJECTIVE_TOL, check_pair, check_pool_section, pool_problem
from matcher.check.facts import COST_TOL, WAGE_SUBSIDY, Facts, Violation, pair_cost
from models.allocation import Assignment
from models.instance import Instance
from models.shortlists import Shortlist, Shortlists


def top_s(costs: list[float], s: int) -> float:
    """The sum of the `s` largest values of `costs` (every pick combination's worst case)."""
    return sum(sorted(costs, reverse=True)[: max(s, 0)])


def check_shortlists(inst: Instance, lists: Shortlists) -> list[Violation]:
    """Every rule the shortlists break, re-derived from `inst` alone."""
    return check_shortlists_with_facts(Facts.from_instance(inst), lists, instance_name=inst.name)


def check_shortlists_with_facts(
    facts: Facts, lists: Shortlists, instance_name: str = ""
) -> list[Violation]:
    """As `check_shortlists`, on look-up tables already built."""
    out: list[Violation] = []
    if lists.format_version != 1:
        out.append(Violation("format", f"format_version {lists.format_version} is not 1"))
    if instance_name and lists.instance and lists.instance != instance_name:
        out.append(
            Violation(
                "instance", f"shortlists are for {lists.instance!r}, instance is {instance_name!r}"
            )
        )
    if lists.per_seat < 1 or lists.max_lists < 1:
        out.append(
            Violation(
                "options", f"per_seat {lists.per_seat} and max_lists {lists.max_lists} must be ≥ 1"
            )
        )
    locks_at: defaultdict[str, set[str]] = defaultdict(set)
    locked_clients: Counter[str] = Counter()
    for cid, pid in facts.locks:
        locks_at[pid].add(cid)
        locked_clients[cid] += 1
    reserved: defaultdict[str, float] = defaultdict(float)
    n_costs: Counter[str] = Counter()
    cap_use: Counter[str] = Counter()
    lists_of: Counter[str] = Counter()
    seen_lists: set[str] = set()
    objective = 0
    for sl in lists.lists:
        if sl.placement_id in seen_lists:
            out.append(
                Violation("duplicate_list", "placement has two lists", placement_id=sl.placement_id)
            )
            continue
        seen_lists.add(sl.placement_id)
        placement = facts.placements.get(sl.placement_id)
        if placement is None:
            out.append(
                Violation(
                    "unknown_id",
                    f"unknown placement {sl.placement_id!r}",
                    placement_id=sl.placement_id,
                )
            )
            continue
        found, list_reserved, value = _check_list(
            facts, lists, sl, locks_at[sl.placement_id], locked_clients
        )
        out.extend(found)
        objective += value
        for f, amount in list_reserved.items():
            reserved[f] += amount
            n_costs[f] += 1
        for c in sl.candidates:
            lists_of[c.client_id] += 1
        provider = facts.providers.get(placement.provider_id)
        if (
            placement.type == WAGE_SUBSIDY
            and provider is not None
            and provider.max_subsidised is not None
        ):
            cap_use[provider.id] += len(sl.locked) + min(sl.seats, len(sl.candidates))
    for cid, n in lists_of.items():
        if n > lists.max_lists:
            out.append(
                Violation(
                    "max_lists", f"client is on {n} lists, max_lists is {lists.max_lists}", cid
                )
            )
    for pid, placement in facts.placements.items():
        if (placement.seats > 0 or locks_at.get(pid)) and pid not in seen_lists:
            out.append(
                Violation(
                    "missing_list",
                    "placement with free seats or locks has no list",
                    placement_id=pid,
                )
            )
    out.extend(_check_guarantee(facts, lists, reserved, n_costs, cap_use))
    out.extend(_check_unlisted(facts, lists, lists_of, locked_clients))
    out.extend(_check_objective(lists, objective))
    return out


def _check_list(
    facts: Facts,
    lists: Shortlists,
    sl: Shortlist,
    locks: set[str],
    locked_clients: Counter[str],
) -> tuple[list[Violation], dict[str, float], int]:
    """One list: provider, locks, seats, length, ranks, every candidate's pair, the reservation.
    Returns the violations, the re-derived reservation per pool and the list's objective part."""
    out: list[Violation] = []
    pid = sl.placement_id
    placement = facts.placements[pid]
    if sl.provider_id != placement.provider_id:
        out.append(
            Violation(
                "provider",
                f"provider_id {sl.provider_id!r} ≠ {placement.provider_id!r}",
                placement_id=pid,
            )
        )
    if set(sl.locked) != locks or len(sl.locked) != len(set(sl.locked)):
        out.append(
            Violation(
                "lock",
                f"locked {sorted(sl.locked)} ≠ the locks of decisions.csv {sorted(locks)}",
                placement_id=pid,
            )
        )
    seats = max(0, placement.seats - len(locks))
    if sl.seats != seats:
        out.append(
            Violation(
                "seats", f"seats {sl.seats} ≠ free seats after locks {seats}", placement_id=pid
            )
        )
    if len(sl.candidates) > lists.per_seat * sl.seats:
        out.append(
            Violation(
                "list_length",
                f"{len(sl.candidates)} candidates > per_seat {lists.per_seat} × seats {sl.seats}",
                placement_id=pid,
            )
        )
    costs: defaultdict[str, list[float]] = defaultdict(list)
    seen: set[str] = set()
    previous = None
    value = 0
    for k, c in enumerate(sl.candidates, start=1):
        cid = c.client_id
        value += c.total
        if c.rank != k:
            out.append(Violation("rank", f"rank {c.rank} at position {k}", cid, pid))
        if previous is not None and c.total > previous:
            out.append(
                Violation(
                    "rank", f"score {c.total} above the one ranked before it ({previous})", cid, pid
                )
            )
        previous = c.total
        if cid in seen:
            out.append(Violation("duplicate", "client twice on the list", cid, pid))
        seen.add(cid)
        if locked_clients[cid]:
            out.append(Violation("locked_listed", "a locked client is on a list", cid, pid))
        client = facts.clients.get(cid)
        if client is None:
            out.append(Violation("unknown_id", f"unknown client {cid!r}", cid, pid))
            continue
        if c.pool_id and c.pool_id not in facts.pools:
            out.append(Violation("unknown_id", f"unknown pool {c.pool_id!r}", cid, pid, c.pool_id))
            continue
        a = Assignment(cid, pid, c.pool_id, c.cost, c.travel_min, dict(c.score))
        problems, cost = check_pair(facts, a, client, placement)
        out.extend(problems)
        if c.pool_id:
            costs[c.pool_id].append(c.cost if cost is None else cost)
    reserved = {f: top_s(v, sl.seats) for f, v in costs.items()}
    for cid in sl.locked:
        client = facts.clients.get(cid)
        pool_id = sl.lock_pools.get(cid, "")
        if client is None:
            continue
        cost = pair_cost(facts, client, placement)
        if pool_id and pool_id not in facts.pools:
            out.append(
                Violation("unknown_id", f"unknown pool {pool_id!r} for a lock", cid, pid, pool_id)
            )
            continue
        problem = pool_problem(facts, client, placement, pool_id, cost)
        if problem:
            out.append(Violation("pool_scope", f"lock: {problem}", cid, pid, pool_id or None))
        if pool_id:
            reserved[pool_id] = reserved.get(pool_id, 0.0) + cost
    stated = {f: v for f, v in sl.reserved.items() if abs(v) > COST_TOL}
    for f in sorted(set(stated) | {f for f, v in reserved.items() if v > COST_TOL}):
        tol = COST_TOL * (1 + len(sl.candidates) + len(sl.locked))
        if abs(stated.get(f, 0.0) - reserved.get(f, 0.0)) > tol:
            out.append(
                Violation(
                    "reserved",
                    f"stated reservation {stated.get(f, 0.0):.2f} € ≠ re-derived {reserved.get(f, 0.0):.2f} €",
                    placement_id=pid,
                    pool_id=f,
                )
            )
    value += lists.cover_bonus * min(sl.seats, len(sl.candidates))
    return out, reserved, value


def _check_guarantee(
    facts: Facts,
    lists: Shortlists,
    reserved: dict[str, float],
    n_costs: Counter[str],
    cap_use: Counter[str],
) -> list[Violation]:
    """Budgets and caps hold for every combination of picks; `pools` matches the recomputation."""
    out = []
    for vid, n in cap_use.items():
        cap = facts.providers[vid].max_subsidised
        if cap is not None and n > cap:
            out.append(
                Violation(
                    "cap_guarantee",
                    f"provider {vid!r}: {n} wage-subsidy seats could be filled > max_subsidised {cap}",
                )
            )
    out.extend(
        check_pool_section(
            facts,
            ((p.pool_id, p.budget, p.reserved) for p in lists.pools),
            reserved,
            lambda fid: COST_TOL * (1 + n_costs.get(fid, 0)),
            amount="reserved",
            over_code="budget_guarantee",
            over_text="worst-case picks reserve",
        )
    )
    return out


def _check_unlisted(
    facts: Facts, lists: Shortlists, lists_of: Counter[str], locked_clients: Counter[str]
) -> list[Violation]:
    """Every queue client is on a list, locked, or in `unlisted` with a reason — one of these."""
    out = []
    reasons: dict[str, list[str]] = {}
    for u in lists.unlisted:
        client = facts.clients.get(u.client_id)
        if client is None:
            out.append(
                Violation(
                    "unknown_id", f"unlisted names unknown client {u.client_id!r}", u.client_id
                )
            )
            continue
        if u.client_id in reasons:
            out.append(Violation("unlisted", "client listed twice in unlisted", u.client_id))
        reasons[u.client_id] = reasons.get(u.client_id, []) + list(u.reasons)
        if client.current_placement:
            out.append(
                Violation("unlisted", "client already in a placement is in unlisted", u.client_id)
            )
        if lists_of[u.client_id] or locked_clients[u.client_id]:
            out.append(
                Violation("unlisted", "client is on a list or locked, and in unlisted", u.client_id)
            )
    for cid, client in facts.clients.items():
        if client.current_placement or lists_of[cid] or locked_clients[cid]:
            continue
        if cid not in reasons:
            out.append(Violation("unexplained", "queue client on no list and not in unlisted", cid))
        elif not any(str(r).strip() for r in reasons[cid]):
            out.append(Violation("unexplained", "unlisted client has no reason", cid))
    return out


def _check_objective(lists: Shortlists, objective: int) -> list[Violation]:
    """objective = Σ candidate scores + cover_bonus × Σ_lists min(seats, candidates); bound ≥ it."""
    out = []
    stated = lists.objective
    if not isinstance(stated, (int, float)) or isinstance(stated, bool):
        return [Violation("objective", f"objective {stated!r} is not a number")]
    if abs(stated - objective) > OBJECTIVE_TOL:
        out.append(
            Violation(
                "objective",
                f"objective {stated:g} ≠ Σ candidate scores + cover_bonus × covered seats = {objective}",
            )
        )
    if lists.bound is not None and lists.bound < stated - OBJECTIVE_TOL:
        out.append(Violation("bound", f"bound {lists.bound:g} is below the objective {stated:g}"))
    return out
