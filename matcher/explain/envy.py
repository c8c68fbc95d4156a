"""Justified envy: clients left out, or placed at a lower wish, while a placement they were
feasible for went to a client of lower priority, counted with the cause for each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matcher.allocation.solve import SolveResult
from matcher.explain.competition import holder_why
from matcher.explain.outcome import Outcome, outcome_of
from matcher.explain.words import ENVY_EXAMPLES, client_id_of, placement_id_of
from matcher.messages import say, words
from matcher.pairs import feasibility as fz
from matcher.pairs.score import wish_rank

if TYPE_CHECKING:
    from models.instance import Instance


def justified_envy(inst: Instance, result: SolveResult) -> dict:
    """Counts and examples of justified envy: a client left out, or placed at a lower wish, while a
    placement they were feasible for went to a client of lower priority — with why the optimum
    still chose it (the holder had no alternative, the pool is spent, the holder scores higher)."""
    o = outcome_of(inst, result)
    pairs = o.pairs
    cols = inst.columns
    empty = {
        "pairs": 0,
        "clients": 0,
        "unassigned_clients": 0,
        "placed_clients": 0,
        "why": {},
        "examples": [],
    }
    if not len(pairs):
        return empty
    starts = o.group_ptr[:-1]
    c = pairs.client[starts]
    p = pairs.placement[starts]
    own = o.placed_at[c]
    queue_unplaced = (own < 0) & (cols.c_current[c] < 0)
    oj = np.maximum(own, 0)
    rank = wish_rank(inst, c, p)
    own_rank = wish_rank(inst, c, pairs.placement[oj])
    better_wish = (
        (own >= 0) & (rank > 0) & ((own_rank == 0) | (rank < own_rank)) & (pairs.placement[oj] != p)
    )
    has_holder = o.holder_ptr[p + 1] > o.holder_ptr[p]
    weakest = np.full(len(p), -1, dtype=np.int64)
    weakest[has_holder] = o.holders[o.holder_ptr[p[has_holder]]]
    holder = np.where(weakest >= 0, pairs.client[np.maximum(weakest, 0)], -1)
    envy = (queue_unplaced | better_wish) & has_holder & (o.prio[np.maximum(holder, 0)] < o.prio[c])
    rows = np.flatnonzero(envy)
    if not len(rows):
        return empty
    ja, jb = starts[rows], weakest[rows]
    a, b = c[rows], holder[rows]
    # why, vectorised: holder without alternative; holder scores at least as much there; pool spent
    no_alt = o.moves[0][b] == 0
    lock_keys = fz.decision_keys(inst, lock=True)
    locked = np.isin(fz.pair_keys(inst, b, p[rows]), lock_keys)
    own_rows = o.placed_at[a]
    own_locked = (own_rows >= 0) & np.isin(
        fz.pair_keys(inst, a, pairs.placement[np.maximum(own_rows, 0)]), lock_keys
    )
    scores_more = pairs.score[jb] >= pairs.score[ja]
    spent = _pool_spent_after_swap(o, ja, jb)
    why = {
        "holder_locked": int(locked.sum()),
        "own_pair_locked": int(own_locked.sum()),
        "holder_has_no_alternative": int(no_alt.sum()),
        "holder_scores_at_least_as_high": int(scores_more.sum()),
        "pool_spent": int(spent.sum()),
        "other": int((~(locked | own_locked | no_alt | scores_more | spent)).sum()),
    }
    gap = o.prio[a] - o.prio[b]
    examples = []
    by_gap = np.argsort(-gap, kind="stable").tolist()
    seen_c: set[int] = set()
    seen_p: set[int] = set()
    picked: list[int] = []
    for strict in (True, False):  # distinct clients and placements first, then distinct clients
        for r in by_gap:
            if len(picked) >= ENVY_EXAMPLES:
                break
            ca, pa = int(a[r]), int(p[rows[r]])
            if ca in seen_c or (strict and pa in seen_p):
                continue
            seen_c.add(ca)
            seen_p.add(pa)
            picked.append(r)
    for r in picked:
        examples.append(
            {
                "client_id": client_id_of(inst, int(a[r])),
                "placement_id": placement_id_of(inst, int(p[rows[r]])),
                "holder_id": client_id_of(inst, int(b[r])),
                "client_priority": int(o.prio[a[r]]),
                "holder_priority": int(o.prio[b[r]]),
                "client_status": words("envy.unassigned")
                if o.placed_at[a[r]] < 0
                else say(
                    "envy.placed",
                    placement=placement_id_of(inst, int(pairs.placement[o.placed_at[a[r]]])),
                ),
                "why": holder_why(o, int(a[r]), int(ja[r]), int(jb[r])),
            }
        )
    unplaced = o.placed_at[a] < 0
    return {
        "pairs": int(len(rows)),
        "clients": int(len(np.unique(a))),
        "unassigned_clients": int(len(np.unique(a[unplaced]))),
        "placed_clients": int(len(np.unique(a[~unplaced]))),
        "why": why,
        "examples": examples,
    }


def _pool_spent_after_swap(o: Outcome, ja: np.ndarray, jb: np.ndarray) -> np.ndarray:
    """Per envy pair: no pool of the envious pair (group of `ja`) can pay it even after freeing
    the holder's triple `jb` (and the envious client's own)."""
    pairs = o.pairs
    g = o.group[ja]
    counts = o.group_ptr[g + 1] - o.group_ptr[g]
    owner = np.repeat(np.arange(len(ja)), counts)
    t = np.repeat(o.group_ptr[g], counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    f = pairs.pool[t]
    fi = np.maximum(f, 0)
    left = o.budget[fi] - o.pool_used[fi] if len(o.budget) else np.zeros(len(t), np.int64)
    hb = jb[owner]
    left = left + np.where(pairs.pool[hb] == f, o.cents[hb], 0)
    own = o.placed_at[pairs.client[t]]
    oj = np.maximum(own, 0)
    left = left + np.where((own >= 0) & (pairs.pool[oj] == f), o.cents[oj], 0)
    short = (f >= 0) & (o.cents[t] > 0) & (o.cents[t] > left)
    out = np.ones(len(ja), dtype=bool)
    np.logical_and.at(out, owner, short)
    return out
