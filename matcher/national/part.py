"""One worker's parts of a national run: each part's pair table and rows are built here (never in
the driver), priced for the master, and finally solved with its share of the coupling rows.

A part's rows are `build_rows` over its own pairs: its clients' rows are its own; the seats,
budget and cap rows that other parts can also reach are the coupling rows (with them, every
budget row: the master prices all of them). While pricing they are charged at the master's
prices λ and the rest of the part, a b-matching, is solved exactly by min-cost flow
(`matcher.national.flowprice`): its bound is the part's term of the Lagrangian bound. At the end
each coupling row's capacity is shared out, the part's flow choice is repaired to its shares, and
the ordinary column path improves it with the shares as right-hand sides: shares never sum beyond
the capacity, so the union of the parts is feasible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from matcher.allocation.constraints import Rows, build_rows
from matcher.allocation.solve import SolveOptions, SolveResult, solve_columns
from matcher.national import flowprice
from matcher.national.flowprice import PartNet, part_net
from matcher.national.memory import release, return_freed_memory
from matcher.national.split import Part
from matcher.pairs.compact import CompactPairs, build_compact, with_components
from matcher.pairs.table import PairTable
from models.instance import Instance

SHARED_FAMILIES = ("seats", "budget", "cap")  # rows other parts may reach
FAMILY_SHIFT = 40  # a coupling key is family code << FAMILY_SHIFT | owner index


def row_keys(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """(positions, keys) of the rows of `rows` in SHARED_FAMILIES: key = family code, owner."""
    code = np.full(len(rows.family), -1, dtype=np.int64)
    for i, name in enumerate(SHARED_FAMILIES):
        code[rows.family == name] = i
    pos = np.flatnonzero(code >= 0)
    return pos, (code[pos] << FAMILY_SHIFT) | rows.owner[pos]


@dataclass
class PartInfo:
    """What the master learns from a built part: sizes and its shareable rows (keys, capacities)."""

    name: str
    clients: int
    pairs: int
    keys: np.ndarray
    capacity: np.ndarray
    seconds: float
    resident_bytes: int = 0  # its flow network kept for the price rounds


@dataclass
class PriceEval:
    """One part at prices λ: its exact flow bound, the flow's use of each coupling row (global
    order), the flow's real score, its column-generation rounds and the time."""

    bound: float
    use: np.ndarray
    value: float
    rounds: int
    seconds: float


@dataclass
class PartOutcome:
    """A part's final choice as the chosen rows of its table, with figures and explanations."""

    name: str
    chosen: PairTable
    objective: float
    bound: float | None
    use: np.ndarray  # per coupling row (global order): what the choice takes
    status: str
    seconds: float
    stats: dict[str, Any] = field(default_factory=dict)
    alternatives: dict[int, list[dict]] = field(default_factory=dict)
    reasons: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class _State:
    """A built part held by its worker between the master's calls: its compact pair table
    (≈ 28 B a triple) and its flow network (≈ 28 B a triple more); rows and LP are rebuilt
    per final solve and freed after it."""

    part: Part
    pairs: CompactPairs
    pos: np.ndarray  # positions of its shareable rows (row order is the same on every open)
    keys: np.ndarray  # … and their keys
    need: np.ndarray  # … and what its locked pairs take of them at least
    net: PartNet  # lookups to its rows, for the flow at prices
    kept: flowprice.Resident  # the flow network, resident between price rounds
    flow: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # last flow x
    sel: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # pos → local
    active: np.ndarray | None = None  # the last flow's arcs (warm start of the next)
    local: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # row index
    glob: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # coupling id
    chosen: np.ndarray | None = None  # indices of the chosen triples
    share: np.ndarray | None = None
    best: tuple[Any, Any] = (None, None)  # the stashed (chosen, share) of the best repair


class PartWorker:
    """The parts of one worker (a Ray actor, or a plain object for the in-process executor).
    Every part's compact table stays resident; one part at a time is opened (full table and
    rows) for a call, so a worker's peak is its compact tables plus its largest open part."""

    def __init__(self, inst: Instance, parts: list[Part], explain: bool = True) -> None:
        return_freed_memory()
        self.inst = inst
        self.parts = parts
        self.explain = explain
        self.states: list[_State] = []
        self.n_coupling = 0

    def _open(self, s: _State, components: bool = False) -> tuple[PairTable, Rows]:
        """The part's full pair table and rows (same order on every call: both are deterministic)."""
        pairs = s.pairs.table(self.inst, components)
        return pairs, build_rows(self.inst, pairs, s.part.clients)

    def build(self) -> list[PartInfo]:
        """Build each part's pair table (compact) and rows; report its shareable rows."""
        out = []
        for part in self.parts:
            t0 = time.perf_counter()
            compact = build_compact(self.inst, clients=part.clients)
            pairs = compact.table(self.inst)
            rows = build_rows(self.inst, pairs, part.clients)
            pos, keys = row_keys(rows)
            need = rows.matrix[pos] @ _lock_choice(rows).astype(np.float64)
            cols = self.inst.columns
            net = part_net(rows, compact, cols.n_clients, cols.n_placements, len(cols.f_budget))
            del pairs, rows
            release()
            kept = flowprice.resident(net, compact)
            self.states.append(_State(part, compact, pos, keys, need, net, kept))
            out.append(
                PartInfo(
                    part.name,
                    len(part.clients),
                    len(compact),
                    keys,
                    net.hi[pos],
                    time.perf_counter() - t0,
                    kept.nbytes,
                )
            )
        return out

    def couple(self, coupling: np.ndarray) -> None:
        """Learn the coupling rows (sorted keys): which of each part's rows they are."""
        self.n_coupling = len(coupling)
        for s in self.states:
            at = np.clip(np.searchsorted(coupling, s.keys), 0, max(len(coupling) - 1, 0))
            hit = (coupling[at] == s.keys) if len(coupling) else np.zeros(len(s.keys), dtype=bool)
            s.sel = np.flatnonzero(hit)
            s.local, s.glob = s.pos[hit], at[hit]

    def _use(self, s: _State, rows: Rows, x: np.ndarray) -> np.ndarray:
        """A choice's (or LP solution's) activity on each coupling row, in global order."""
        use = np.zeros(self.n_coupling)
        if len(s.local):
            use[s.glob] = rows.matrix[s.local] @ np.asarray(x, dtype=np.float64)
        return use

    def _on_coupling(self, s: _State, local_use: np.ndarray) -> np.ndarray:
        """A use of the part's own rows (flowprice.row_use) on each coupling row, global order."""
        use = np.zeros(self.n_coupling)
        use[s.glob] = local_use[s.local]
        return use

    def _within(self, s: _State, share: np.ndarray) -> np.ndarray:
        """The part's row limits with every coupling row held to `share` (global order)."""
        limit = s.net.hi.astype(np.float64)
        if len(s.local):
            limit[s.local] = np.minimum(limit[s.local], share[s.glob])
        return limit

    def _scored(self, s: _State, chosen: np.ndarray) -> tuple[float, np.ndarray]:
        """A choice of the part (triple indices): its score and its use of the coupling rows."""
        use = self._on_coupling(s, flowprice.row_use(s.net, s.kept.tr, chosen))
        return float(s.pairs.score[chosen].sum()), use

    def _local_prices(self, s: _State, lam: np.ndarray) -> np.ndarray:
        """The master's prices on the part's own rows (0 on the rows the network keeps)."""
        price = np.zeros(len(s.net.hi))
        if len(s.local):
            price[s.local] = lam[s.glob]
        return price

    def price(self, lam: np.ndarray) -> list[PriceEval]:
        """Each part's exact maximum at prices `lam` (score per unit of each coupling row) by
        min-cost flow, its use of the coupling rows and the flow's real score; the flow's choice
        is kept for the repair."""
        out = []
        for s in self.states:
            t0 = time.perf_counter()
            price = self._local_prices(s, lam)
            res, use = flowprice.evaluate(s.net, s.pairs, price, s.active, s.kept)
            s.active = res.active.astype(np.int32) if res.active is not None else None
            s.flow = np.flatnonzero(res.chosen)
            glob = self._on_coupling(s, use)
            value = float(s.pairs.score[s.flow].sum())
            out.append(PriceEval(res.bound, glob, value, res.rounds, time.perf_counter() - t0))
        return out

    def repair(
        self, shares: list[np.ndarray], lam: np.ndarray | None = None
    ) -> list[tuple[float, np.ndarray]]:
        """Each part's feasible choice within its share of every coupling row (and its own
        budgets): the better of its last flow choice cut down and, given the prices `lam`, the
        flow at its shares (`flowprice.refill`); (score, use of the coupling rows) per part,
        kept as the start of `finish`."""
        out = []
        for s, share in zip(self.states, shares, strict=True):
            limit = self._within(s, share)
            s.share = np.asarray(share, dtype=np.int64)
            chosen = flowprice.repair(s.net, s.pairs, s.flow, limit, s.kept.tr)
            if lam is not None:
                price = self._local_prices(s, lam)
                other = flowprice.refill(s.net, s.pairs, s.kept, price, limit, s.active)
                if s.pairs.score[other].sum() > s.pairs.score[chosen].sum():
                    chosen = other
            s.chosen = chosen
            out.append(self._scored(s, chosen))
        return out

    def settle(
        self, k: int, limit: np.ndarray, lam: np.ndarray, priced: bool
    ) -> tuple[float, np.ndarray]:
        """Part k's choice within `limit` of every coupling row (what earlier parts left), by
        the flow at those limits, at the prices `lam` when `priced` (else budgets only); kept
        as its choice: (score, use of the coupling rows)."""
        s = self.states[k]
        price = self._local_prices(s, lam)
        s.chosen = chosen = flowprice.refill(
            s.net, s.pairs, s.kept, price, self._within(s, limit), s.active, budgets_only=not priced
        )
        return self._scored(s, chosen)

    def set_shares(self, shares: list[np.ndarray]) -> None:
        """The coupling rows' shares the final solves keep to (each part's choice fits them)."""
        for s, share in zip(self.states, shares, strict=True):
            s.share = np.asarray(share, dtype=np.int64)

    def stash(self, restore: bool = False) -> None:
        """Keep each part's repaired choice and shares (the best met so far), or go back to it."""
        for s in self.states:
            if restore:
                s.chosen, s.share = s.best
            else:
                s.best = (s.chosen, s.share)

    def lock_need(self) -> list[np.ndarray]:
        """Per part, what its locked pairs take of each coupling row at least (cheapest triple)."""
        out = []
        for s in self.states:
            use = np.zeros(self.n_coupling)
            use[s.glob] = s.need[s.sel]
            out.append(use)
        return out

    def finish(
        self, shares: list[np.ndarray | None], time_limit: float, seed: int = 0
    ) -> list[PartOutcome]:
        """Solve each part with its share of every coupling row (None: keep the last outcome's
        share and choice; a part solved before starts from its last choice)."""
        out = []
        total = sum(len(s.pairs) for s in self.states) or 1
        t_end = time.perf_counter() + time_limit
        for k, s in enumerate(self.states):
            t0 = time.perf_counter()
            if shares[k] is not None:
                s.share = np.asarray(shares[k], dtype=np.int64)
            pairs, all_rows = self._open(s, components=self.explain)
            hi = all_rows.hi.copy()
            if len(s.local) and s.share is not None:
                hi[s.local] = np.minimum(hi[s.local], s.share[s.glob])
            rows = replace(all_rows, hi=hi)
            left = t_end - time.perf_counter()
            budget = max(1.0, left * len(s.pairs) / max(total, 1))
            total -= len(s.pairs)
            stats: dict[str, Any] = {}
            before = None
            if s.chosen is not None:
                before = np.zeros(len(pairs), dtype=bool)
                before[s.chosen] = True
            if shares[k] is None and before is not None:
                chosen, status, bound = before, "FEASIBLE", None
            else:
                options = SolveOptions(time_limit=budget, workers=1, seed=seed)
                chosen, status, bound = solve_columns(
                    pairs,
                    rows,
                    pairs.score,
                    options,
                    time.perf_counter(),
                    lambda _p: None,
                    stats,
                    start_from=before,
                )
            s.chosen = np.flatnonzero(chosen)
            out.append(
                self._outcome(
                    s, pairs, rows, chosen, status, bound, time.perf_counter() - t0, stats
                )
            )
            del pairs, rows, all_rows, chosen, before
            release()
        return out

    def _outcome(
        self,
        s: _State,
        pairs: PairTable,
        rows: Rows,
        chosen: np.ndarray,
        status: str,
        bound: float | None,
        seconds: float,
        stats: dict[str, Any],
    ) -> PartOutcome:
        """The part's choice as a small table, with explanations computed from its own pairs."""
        objective = float(pairs.score[chosen].sum())
        alternatives: dict[int, list[dict]] = {}
        reasons: dict[int, list[str]] = {}
        if self.explain:
            from matcher.explain.alternatives import alternatives_for_assigned
            from matcher.explain.unassigned import reasons_for_unassigned

            result = SolveResult(pairs, chosen, status, objective, bound, seconds)
            alternatives = alternatives_for_assigned(self.inst, result, limit=3)
            placed = np.zeros(self.inst.columns.n_clients, dtype=bool)
            placed[pairs.client[chosen]] = True
            left = s.part.clients[~placed[s.part.clients]]
            reasons = reasons_for_unassigned(self.inst, result, left)
        return PartOutcome(
            s.part.name,
            with_components(self.inst, pairs.take(np.flatnonzero(chosen))),
            objective,
            bound,
            self._use(s, rows, chosen),
            status,
            seconds,
            stats,
            alternatives,
            reasons,
        )


def _lock_choice(rows: Rows) -> np.ndarray:
    """Per triple 1 for the cheapest triple of each locked pair, else 0."""
    x = np.zeros(rows.matrix.shape[1])
    lock_rows = rows.matrix[rows.of("lock")].tocsr()
    for r in range(lock_rows.shape[0]):
        cols = lock_rows.indices[lock_rows.indptr[r] : lock_rows.indptr[r + 1]]
        if len(cols):
            x[cols[np.argmin(rows.cost_cents[cols])]] = 1.0
    return x
