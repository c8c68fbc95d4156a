"""OR-Library generalized assignment problems (GAP) in the engine's pair-table core.

Two forms, whitespace-separated integers, told apart by the count of numbers:
- *multi-problem* (Beasley's OR-Library gap1–gap12, gapa–gapd): the number of problems P, then
  per problem `m n` (agents, jobs), the cost matrix (m rows of n), the resource matrix (m rows of
  n) and the capacities (m values);
- *single-problem* (Yagiura et al.'s large type C/D/E files such as `d801600`): one problem
  without the leading count — exactly 2 + 2·m·n + m numbers.
Every job goes to exactly one agent, each agent's resource use stays within its capacity, and
the total cost is minimised.

Mapping: jobs are clients, agents are placements with a seat for every job, and each agent has
its own funding pool whose budget is the capacity; the triple (job, agent, agent's pool) costs
the resource (in euros, so cents are exact) and scores M − cost. M = n·(max c − min c) +
max c + 1 makes one more assigned job worth more than any cost difference, so the engine's
maximisation assigns every job whenever that is feasible and then minimises cost; results are
turned back into the file's terms (total cost, and a lower bound n·M − upper bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from instances.build import build_instance
from matcher.pairs.table import COMPONENT_NAMES, PairTable
from models.instance import Instance


class GapFormatError(ValueError):
    """A GAP file that does not follow the OR-Library format; the message names file and place."""


@dataclass(frozen=True)
class GapProblem:
    """One GAP: `cost` and `resource` are (agents, jobs) integer matrices, `capacity` per agent;
    `form` says which file form it was read from (MULTI or SINGLE)."""

    name: str
    cost: np.ndarray
    resource: np.ndarray
    capacity: np.ndarray
    form: str = "multi-problem"

    @property
    def agents(self) -> int:
        return int(self.cost.shape[0])

    @property
    def jobs(self) -> int:
        return int(self.cost.shape[1])


@dataclass
class GapModel:
    """A GapProblem as an engine instance plus its pair table (one triple per job × agent)."""

    problem: GapProblem
    instance: Instance
    pairs: PairTable
    big_m: int

    def total_cost(self, chosen: np.ndarray) -> tuple[int, int]:
        """(total cost, jobs assigned) of a 0/1 choice over the pair table."""
        idx = np.flatnonzero(chosen)
        cost = self.problem.cost[self.pairs.placement[idx], self.pairs.client[idx]]
        return int(cost.sum()), len(np.unique(self.pairs.client[idx]))

    def cost_lower_bound(self, upper_bound: float | None) -> int | None:
        """A lower bound on the total cost from an upper bound on the engine's objective."""
        if upper_bound is None or not math.isfinite(upper_bound):
            return None
        return int(self.problem.jobs * self.big_m - math.floor(upper_bound + 1e-6))


MULTI = "multi-problem"
SINGLE = "single-problem"


def gap_form(tokens: list[str]) -> str:
    """SINGLE when the numbers are exactly one problem without a count (2 + 2·m·n + m of them,
    m and n the first two), else MULTI."""
    if len(tokens) >= 2 and _is_int(tokens[0]) and _is_int(tokens[1]):
        m, n = int(tokens[0]), int(tokens[1])
        if m >= 1 and n >= 1 and len(tokens) == 2 + 2 * m * n + m:
            return SINGLE
    return MULTI


def parse_gap(text: str, source: str = "<text>") -> list[GapProblem]:
    """Every problem of a GAP file's text in either form (see the module docstring; the form is
    decided from the count of numbers and kept on each problem); GapFormatError names the source,
    the form read and the number that is missing or wrong."""
    tokens = text.split()
    form = gap_form(tokens)
    pos = 0

    def take(count: int, what: str) -> np.ndarray:
        nonlocal pos
        if pos + count > len(tokens):
            raise GapFormatError(
                f"{source}: the file ends after {len(tokens)} numbers, but {what} needs "
                f"{count} more from number {pos + 1} (read as the {form} form: the number of "
                "problems, then per problem m n, costs, resources, capacities; a single problem "
                "without the count needs exactly 2 + 2·m·n + m numbers)"
            )
        chunk = tokens[pos : pos + count]
        try:
            values = np.array([int(t) for t in chunk], dtype=np.int64)
        except ValueError:
            bad = next(t for t in chunk if not _is_int(t))
            at = pos + chunk.index(bad) + 1
            raise GapFormatError(
                f"{source}: number {at} ({what}) is {bad!r}, not a whole number"
            ) from None
        pos += count
        return values

    count = 1 if form == SINGLE else int(take(1, "the number of problems")[0])
    if count < 1:
        raise GapFormatError(f"{source}: the number of problems is {count}; expected at least 1")
    stem = Path(source).stem
    problems = []
    for k in range(count):
        label = f"problem {k + 1}"
        m, n = (int(v) for v in take(2, f"{label}: agents and jobs"))
        if m < 1 or n < 1:
            raise GapFormatError(f"{source}: {label} has {m} agents and {n} jobs; both must be ≥ 1")
        cost = take(m * n, f"{label}: the {m}×{n} cost matrix").reshape(m, n)
        resource = take(m * n, f"{label}: the {m}×{n} resource matrix").reshape(m, n)
        capacity = take(m, f"{label}: the {m} capacities")
        if (resource < 0).any() or (capacity < 0).any():
            raise GapFormatError(f"{source}: {label} has a negative resource or capacity")
        name = stem if form == SINGLE else f"{stem}-{k + 1}"
        problems.append(GapProblem(name, cost, resource, capacity, form))
    if pos != len(tokens):
        raise GapFormatError(
            f"{source}: {len(tokens) - pos} number(s) left after the {count} problem(s) the file announces"
        )
    return problems


def read_gap(path: str | Path) -> list[GapProblem]:
    """Read an OR-Library GAP file (see `parse_gap`)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except FileNotFoundError:
        raise GapFormatError(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise GapFormatError(f"{p}: not a text file ({exc.reason} at byte {exc.start})") from None
    return parse_gap(text, str(p))


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True


def big_m(problem: GapProblem) -> int:
    """M = n·(max c − min c) + max c + 1: one more job outweighs any cost difference."""
    c = problem.cost
    return int(problem.jobs * (int(c.max()) - int(c.min())) + int(c.max()) + 1)


def to_engine(problem: GapProblem) -> GapModel:
    """The GAP as an Instance (jobs → clients, agents → placements with a budget pool each) and the
    pair table the engine solves: triple (job, agent, pool of agent), cost = resource, score =
    M − cost (components: priority M, cost −c)."""
    m, n = problem.agents, problem.jobs
    big = big_m(problem)
    clients = [
        {
            "id": f"job{j + 1}",
            "municipality": "gap",
            "lat": 0.0,
            "lon": 0.0,
            "age": 30,
            "benefit_days": 0,
            "unemployed_months": 0,
            "work_ability": 5,
            "languages": ["fi"],
            "transport": "car",
            "max_commute_min": 60,
            "consents": ["coaching"],
        }
        for j in range(n)
    ]
    placements = [
        {
            "id": f"agent{a + 1}",
            "type": "coaching",
            "provider_id": f"agent{a + 1}",
            "municipality": "gap",
            "lat": 0.0,
            "lon": 0.0,
            "seats": n,
            "min_work_ability": 1,
            "language": "fi",
            "duration_weeks": 1,
            "weekly_cost": 0.0,
            "funding_pools": [f"capacity{a + 1}"],
        }
        for a in range(m)
    ]
    providers = [
        {"id": f"agent{a + 1}", "name": f"agent {a + 1}", "kind": "company"} for a in range(m)
    ]
    pools = [
        {
            "id": f"capacity{a + 1}",
            "name": f"capacity of agent {a + 1}",
            "budget": float(problem.capacity[a]),
        }
        for a in range(m)
    ]
    inst = build_instance(
        clients=clients, placements=placements, providers=providers, pools=pools, name=problem.name
    )
    job = np.repeat(np.arange(n, dtype=np.int64), m)  # grouped by client, agents ascending
    agent = np.tile(np.arange(m, dtype=np.int64), n)
    fits = problem.resource[agent, job] <= problem.capacity[agent]  # others can never be chosen
    job, agent = job[fits], agent[fits]
    cost = problem.cost[agent, job].astype(np.int64)
    zeros = np.zeros(len(job), dtype=np.int64)
    components = {name: zeros.copy() for name in COMPONENT_NAMES}
    components["priority"] = np.full(len(job), big, dtype=np.int64)
    components["cost"] = -cost
    pairs = PairTable(
        client=job,
        placement=agent,
        pool=agent.copy(),
        cost=problem.resource[agent, job].astype(np.float64),
        travel_min=np.zeros(len(job)),
        score=big - cost,
        components=components,
    )
    return GapModel(problem=problem, instance=inst, pairs=pairs, big_m=big)
