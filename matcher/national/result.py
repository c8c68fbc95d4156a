"""allocation.json of a national run: the chosen rows of every part as one allocation, with the
reasons and alternatives each part computed from its own pairs."""

from __future__ import annotations

from matcher.allocation.result import to_allocation
from matcher.national.master import NationalResult
from models.allocation import Allocation
from models.instance import Instance


def national_allocation(inst: Instance, national: NationalResult) -> Allocation:
    """One allocation (FORMAT.md) from a national run; justified envy is not computed (it needs
    every part's pairs in one place)."""
    alloc = to_allocation(inst, national.result, explain=False)
    cols = inst.columns
    row_of = {str(cid): i for i, cid in enumerate(cols.client_id.tolist())}
    for a in alloc.assignments:
        alternatives = national.alternatives.get(row_of[a.client_id])
        if alternatives is not None:
            a.extra["alternatives"] = alternatives
    for u in alloc.unassigned:
        reasons = national.reasons.get(row_of[u.client_id])
        if reasons:
            u.reasons = reasons
    return alloc
