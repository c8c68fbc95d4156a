"""Build the candidate pair table: every feasible (client, placement, pool) triple with its score.

Never an all-pairs matrix: KD-trees over the open placements on the unit sphere (one per type
and transport-feature flag) find, per group of clients with the same transport mode and commute
limit, the placements of the types they may take within the farthest distance they could travel;
the rule table (`matcher.pairs.rules`) then filters those candidates in chunks of bounded size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from matcher.pairs.costs import pair_cost, pool_triples
from matcher.pairs.feasibility import commute_ok, decision_keys
from matcher.pairs.rules import PAIR_RULES, TYPE_RULES, eligible_types
from matcher.pairs.score import score_components, total_score
from matcher.pairs.table import COMPONENT_NAMES, PairTable
from matcher.pairs.travel import (
    CAR,
    chord_for_km,
    offers_transport,
    reach_km,
    travel_minutes,
    unit_xyz,
)
from models.rules import TRANSPORT_MODES

if TYPE_CHECKING:
    from models.columnar import Columns
    from models.instance import Instance

CHUNK_CANDIDATES = 4_000_000  # spatial candidates evaluated at once (bounds memory)
SCORE_SLICE = 2_000_000  # rows scored at once
MAX_BUCKETS = 16  # commute-limit groups per transport mode (each queried at its largest radius)


class CandidateError(ValueError):
    """Input the candidate builder cannot use; the message names the file, row and field."""


@dataclass
class Batch:
    """Feasible triples of one chunk of clients, ordered by (client, placement, pool order)."""

    client: np.ndarray
    placement: np.ndarray
    pool: np.ndarray
    cost: np.ndarray
    travel: np.ndarray


def _check_input(inst: Instance, clients: np.ndarray) -> None:
    """Fail with file, row and field when a code the engine needs did not resolve."""
    cols = inst.columns
    bad = clients[cols.c_transport[clients] < 0]
    if len(bad):
        row = int(bad[0])
        value = inst.clients["transport"].iloc[row]
        raise CandidateError(
            f"clients.csv row {row + 2} (id {cols.client_id[row]}): transport {value!r} is not one "
            f"of {', '.join(TRANSPORT_MODES)}"
        )
    bad = np.flatnonzero(cols.p_type < 0)
    if len(bad):
        row = int(bad[0])
        raise CandidateError(
            f"placements.csv row {row + 2} (id {cols.placement_id[row]}): type "
            f"{inst.placements['type'].iloc[row]!r} is not declared in the rules "
            f"(known: {', '.join(cols.types.tokens)})"
        )


def _commute_limit(inst: Instance, clients: np.ndarray, cap: float | None) -> np.ndarray:
    limit = inst.columns.c_max_commute[clients].astype(np.float64)
    return limit if cap is None else np.minimum(limit, cap)


def _buckets(limit: np.ndarray) -> Iterator[tuple[np.ndarray, float]]:
    """Split positions of `limit` into ≤ MAX_BUCKETS groups of close values: (positions, max)."""
    values = np.unique(limit)
    for group in np.array_split(values, min(len(values), MAX_BUCKETS)):
        if len(group):
            sel = np.flatnonzero((limit >= group[0]) & (limit <= group[-1]))
            yield sel, float(group[-1])


def _tree_chunks(xyz: np.ndarray, counts: np.ndarray, budget: int) -> Iterator[np.ndarray]:
    """Positions of `xyz` in spatially coherent runs whose candidate counts sum to ≤ `budget`."""
    order = cKDTree(xyz).indices  # leaf order of a KD-tree: neighbours stay together
    csum = np.cumsum(counts[order])
    start = 0
    while start < len(order):
        base = csum[start - 1] if start else 0
        stop = int(np.searchsorted(csum, base + budget, side="right"))
        stop = max(stop, start + 1)
        yield order[start:stop]
        start = stop


def spatial_candidates(
    inst: Instance,
    clients: np.ndarray,
    placements: np.ndarray,
    cap: float | None = None,
    budget: int | None = None,
    type_ok: np.ndarray | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks of (client, placement) index arrays that include every pair whose commute could be
    within the client's limit (a superset: the exact check comes after).

    Each client's candidates all come in one chunk; a chunk holds about `budget` (default
    CHUNK_CANDIDATES) candidates, never fewer than one client's. With `type_ok`
    (``(len(clients), T)`` bool, see `eligible_types`) a client meets only placements of the
    types allowed for it.
    """
    cols, rules = inst.columns, inst.rules
    budget = budget or CHUNK_CANDIDATES
    clients = np.asarray(clients, dtype=np.int64)
    placements = np.asarray(placements, dtype=np.int64)
    if not len(clients) or not len(placements):
        return
    transport = offers_transport(inst)[placements]
    ptype = cols.p_type[placements]
    sides: list[tuple[int | None, bool, np.ndarray, cKDTree]] = []
    for t in [None] if type_ok is None else np.unique(ptype[ptype >= 0]).tolist():
        of_type = np.ones(len(placements), dtype=bool) if t is None else ptype == t
        for flag in (False, True):  # placements at the client's own mode, and those reached by car
            idx = placements[of_type & (transport == flag)]
            if len(idx):
                sides.append((t, flag, idx, cKDTree(unit_xyz(cols.p_lat[idx], cols.p_lon[idx]))))
    mode = cols.c_transport[clients].astype(np.int64)
    limit = _commute_limit(inst, clients, cap)
    for m in np.unique(mode[mode >= 0]).tolist():
        in_mode = np.flatnonzero(mode == m)
        for pos, lim in _buckets(limit[in_mode]):
            members = in_mode[pos]
            searches = []
            for t, flag, idx, tree in sides:
                km = float(reach_km(rules, np.array(lim), CAR if flag else m))
                rows = None if t is None or type_ok is None else np.flatnonzero(type_ok[members, t])
                if km >= 0 and (rows is None or len(rows)):
                    searches.append(_Search(t, rows, idx, tree, float(chord_for_km(km))))
            if searches:
                yield from _query(clients[members], cols, searches, budget)


@dataclass
class _Search:
    """One KD-tree search: clients `rows` of the group (None = all) against placements `idx`
    within chord radius `r`; `t` names the type class (clients of a class share a tree)."""

    t: int | None
    rows: np.ndarray | None
    idx: np.ndarray
    tree: cKDTree
    r: float


def _query(
    group: np.ndarray, cols: Columns, searches: list[_Search], budget: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Candidate pairs of the `group` clients, in chunks of spatially close clients."""
    xyz = unit_xyz(cols.c_lat[group], cols.c_lon[group])
    everyone = np.arange(len(group))
    total = sum(len(s.idx) * (len(group) if s.rows is None else len(s.rows)) for s in searches)
    if total <= budget:
        chunks: Iterator[np.ndarray] = iter([everyone])
    else:
        counts = np.zeros(len(group), dtype=np.int64)
        for s in searches:
            rows = everyone if s.rows is None else s.rows
            counts[rows] += s.tree.query_ball_point(xyz[rows], s.r, return_length=True)
        chunks = _tree_chunks(xyz, counts, budget)
    in_class: dict[int | None, np.ndarray] = {}
    for s in searches:
        if s.t not in in_class:
            in_class[s.t] = np.ones(len(group), dtype=bool)
            if s.rows is not None:
                in_class[s.t][:] = False
                in_class[s.t][s.rows] = True
    for chunk in chunks:
        out_c, out_p = [], []
        client_trees: dict[int | None, tuple[np.ndarray, cKDTree]] = {}
        for s in searches:
            if s.t not in client_trees:
                sub = chunk[in_class[s.t][chunk]]
                client_trees[s.t] = (sub, cKDTree(xyz[sub]))
            sub, ctree = client_trees[s.t]
            if len(sub):
                hits = ctree.sparse_distance_matrix(s.tree, s.r, output_type="ndarray")
                out_c.append(group[sub[hits["i"]]])
                out_p.append(s.idx[hits["j"]])
        if out_c:
            yield np.concatenate(out_c).astype(np.int64), np.concatenate(out_p).astype(np.int64)


def _evaluate(
    inst: Instance, ci: np.ndarray, pi: np.ndarray, cap: float | None, skip: tuple[str, ...] = ()
) -> Batch:
    """The feasible triples among candidate pairs: every rule of PAIR_RULES holds (those in
    `skip` are known to hold already), expanded to one row per pool that may pay."""
    keep = np.ones(len(ci), dtype=bool)
    for rule in PAIR_RULES:
        if rule.name not in ("commute", "funding", *skip):
            keep &= rule.mask(inst, ci, pi)
    ci, pi = ci[keep], pi[keep]
    travel = travel_minutes(inst, ci, pi)
    keep = commute_ok(inst, ci, pi, travel, cap)
    ci, pi, travel = ci[keep], pi[keep], travel[keep]
    order = np.argsort(ci * max(inst.columns.n_placements, 1) + pi)
    ci, pi, travel = ci[order], pi[order], travel[order]
    cost = pair_cost(inst, ci, pi)
    pair, pool = pool_triples(inst, ci, pi, cost)
    return Batch(ci[pair], pi[pair], pool, cost[pair], travel[pair])


def _assemble(inst: Instance, batches: list[Batch]) -> PairTable:
    """One table from the batches (emptying the list as it goes), scored in slices of rows."""

    def cat(name: str, dtype: type) -> np.ndarray:
        out = np.concatenate([getattr(b, name) for b in batches] or [np.zeros(0, dtype)])
        for b in batches:
            setattr(b, name, None)  # free the batch copy before the next column
        return out.astype(dtype, copy=False)

    client = cat("client", np.int64)
    placement = cat("placement", np.int64)
    pool = cat("pool", np.int64)
    cost = cat("cost", np.float64)
    travel = cat("travel", np.float64)
    batches.clear()
    n = len(client)
    components = {k: np.empty(n, dtype=np.int64) for k in COMPONENT_NAMES}
    for start in range(0, n, SCORE_SLICE):
        sl = slice(start, start + SCORE_SLICE)
        part = score_components(inst, client[sl], placement[sl], cost[sl], travel[sl])
        for k in COMPONENT_NAMES:
            components[k][sl] = part[k]
    return PairTable(client, placement, pool, cost, travel, total_score(components), components)


def build_pairs(
    inst: Instance, *, max_commute_cap: float | None = None, clients: np.ndarray | None = None
) -> PairTable:
    """Every feasible (client, placement, pool) triple of `inst` with cost, travel and score.

    Rows are grouped by client (a client's rows together, placements ascending, pools in
    `funding_pools` order); clients come in the order the spatial search visits them.
    `max_commute_cap` (minutes) lowers every client's commute limit to at most that value.
    `clients` (row indices) limits the table to those queue clients (one part of a national run).
    """
    return _assemble(inst, list(feasible_batches(inst, max_commute_cap, clients)))


def feasible_batches(
    inst: Instance, max_commute_cap: float | None = None, clients: np.ndarray | None = None
) -> Iterator[Batch]:
    """The feasible triples of `build_pairs` chunk by chunk, in its row order, unscored: a
    caller can store each chunk compactly without a full-width intermediate."""
    cols = inst.columns
    queue = np.flatnonzero(cols.c_queue)
    if clients is not None:
        queue = np.intersect1d(queue, np.asarray(clients, dtype=np.int64))
    _check_input(inst, queue)
    open_seats = np.flatnonzero(cols.p_seats > 0)
    type_ok = eligible_types(inst, queue)
    anything = type_ok.any(axis=1)
    clients, type_ok = queue[anything], type_ok[anything]
    # A lock on a placement with no free seats is still offered (the model keeps its seat):
    # such pairs join their client's chunk, so the client's rows stay together.
    locks = decision_keys(inst, lock=True)
    n_pl = max(cols.n_placements, 1)
    lock_c, lock_p = locks // n_pl, locks % n_pl
    full = cols.p_seats[lock_p] <= 0
    if clients is not None:
        full &= np.isin(lock_c, queue)
    lock_c, lock_p = lock_c[full], lock_p[full]
    pending = np.ones(len(lock_c), dtype=bool)
    for ci, pi in spatial_candidates(inst, clients, open_seats, max_commute_cap, type_ok=type_ok):
        batch = _evaluate(inst, ci, pi, max_commute_cap, skip=TYPE_RULES)
        if pending.any():
            mine = pending & np.isin(lock_c, ci)
            if mine.any():
                pending &= ~mine
                batch = _merge(batch, _evaluate(inst, lock_c[mine], lock_p[mine], max_commute_cap))
        if len(batch.client):
            yield batch
    if pending.any():
        yield _evaluate(inst, lock_c[pending], lock_p[pending], max_commute_cap)


def _merge(a: Batch, b: Batch) -> Batch:
    """The rows of two batches in (client, placement) order (b's pairs are not in a)."""
    n_cols = int(max(a.placement.max(initial=0), b.placement.max(initial=0))) + 1
    key = np.concatenate([a.client * n_cols + a.placement, b.client * n_cols + b.placement])
    order = np.argsort(key, kind="stable")  # keeps each pair's pool order
    return Batch(
        *(
            np.concatenate([getattr(a, f), getattr(b, f)])[order]
            for f in ("client", "placement", "pool", "cost", "travel")
        )
    )
