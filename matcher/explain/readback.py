"""Reading an allocation back: a SolveResult over the re-derived feasible pairs whose chosen
triples are an allocation.json's assignments (nothing is solved).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.allocation.solve import SolveResult
from matcher.pairs.candidates import build_pairs
from matcher.pairs.table import PairTable

if TYPE_CHECKING:
    from models.allocation import Allocation
    from models.instance import Instance


def result_from_allocation(
    inst: Instance, alloc: Allocation, pairs: PairTable | None = None
) -> tuple[SolveResult, list[str]]:
    """A SolveResult whose chosen triples are the allocation's assignments, over the instance's
    feasible pairs (re-derived with build_pairs, no solving), and warnings for assignments that
    match no feasible triple."""
    cols = inst.columns
    pairs = build_pairs(inst) if pairs is None else pairs
    chosen = np.zeros(len(pairs), dtype=bool)
    warnings: list[str] = []
    c_index = {str(x): i for i, x in enumerate(cols.client_id)}
    p_index = {str(x): i for i, x in enumerate(cols.placement_id)}
    f_index = {str(x): i for i, x in enumerate(cols.pool_id)}
    key = pairs.pair_keys(cols.n_placements)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    n_pl = max(cols.n_placements, 1)
    for a in alloc.assignments:
        c, p = c_index.get(a.client_id), p_index.get(a.placement_id)
        if c is None or p is None:
            warnings.append(
                f"assignment {a.client_id} → {a.placement_id}: unknown "
                f"{'client' if c is None else 'placement'} in this instance"
            )
            continue
        k = c * n_pl + p
        lo, hi = np.searchsorted(sorted_key, k), np.searchsorted(sorted_key, k, side="right")
        if lo == hi:
            warnings.append(
                f"assignment {a.client_id} → {a.placement_id} is not a feasible pair of this "
                "instance"
            )
            continue
        triples = order[lo:hi]
        f = f_index.get(a.pool_id, -1) if a.pool_id else -1
        match = triples[pairs.pool[triples] == f]
        if not len(match):
            warnings.append(
                f"assignment {a.client_id} → {a.placement_id}: pool {a.pool_id or '(none)'} "
                "does not pay this pair under the rules; explained with its first pool"
            )
            match = triples
        chosen[int(match[0])] = True
    result = SolveResult(
        pairs=pairs,
        chosen=chosen,
        status=alloc.status,
        objective=float(alloc.objective or 0),
        bound=None if alloc.bound is None else float(alloc.bound),
        seconds=alloc.solve_seconds,
        stats=dict(solver) if isinstance(solver := alloc.extra.get("solver"), dict) else {},
    )
    return result, warnings
