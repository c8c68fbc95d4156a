"""Feasible allocations from LP solutions: rounding and greedy fill over a FlowNet's rows.

`fill` places still unassigned clients greedily, in a given order, where seats, provider caps
and budgets have room; `round_lp` keeps an LP solution's integral part, the locks, then fills.
Only the candidate triples of unassigned clients are visited one by one.
"""

from __future__ import annotations

import numpy as np

from matcher.allocation.flow import FlowNet


def row_use(net: FlowNet, chosen: np.ndarray) -> np.ndarray:
    """Activity A·x of every row for a 0/1 choice."""
    return np.asarray(net.rows.matrix @ chosen.astype(np.int64)).ravel()


def violated_rows(net: FlowNet, chosen: np.ndarray) -> np.ndarray:
    """Indices of rows whose activity is outside [lo, hi]."""
    use = row_use(net, chosen)
    return np.flatnonzero((use > net.rows.hi) | (use < net.rows.lo))


def fill(
    net: FlowNet,
    chosen: np.ndarray,
    score: np.ndarray,
    key: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
) -> np.ndarray:
    """`chosen` plus, in decreasing `key` (default: the score), every triple of a still
    unassigned client that fits all rows and has a positive score."""
    out = chosen.copy()
    rows = net.rows
    use = row_use(net, out)
    slack = rows.hi - use
    client_free = slack[net.client_row] > 0
    cand = client_free & (slack[net.seats_row] > 0) & (score > 0)
    if allowed is not None:
        cand &= allowed
    capped = net.cap_row >= 0
    cand &= ~capped | (slack[np.where(capped, net.cap_row, 0)] > 0)
    charged = net.budget_row >= 0
    cand &= ~charged | (slack[np.where(charged, net.budget_row, 0)] >= rows.cost_cents)
    idx = np.flatnonzero(cand)
    if not len(idx):
        return out
    key = score if key is None else key
    idx = idx[np.argsort(-key[idx], kind="stable")]
    left = slack.tolist()
    rc = net.client_row[idx].tolist()
    rs = net.seats_row[idx].tolist()
    rp = net.cap_row[idx].tolist()
    rb = net.budget_row[idx].tolist()
    cc = rows.cost_cents[idx].tolist()
    take = []
    for k in range(len(idx)):
        c, s, p, b = rc[k], rs[k], rp[k], rb[k]
        if (
            left[c] <= 0
            or left[s] <= 0
            or (p >= 0 and left[p] <= 0)
            or (b >= 0 and left[b] < cc[k])
        ):
            continue
        left[c] -= 1
        left[s] -= 1
        if p >= 0:
            left[p] -= 1
        if b >= 0:
            left[b] -= cc[k]
        take.append(k)
    out[idx[np.asarray(take, dtype=np.int64)]] = True
    return out


def round_lp(
    net: FlowNet, score: np.ndarray, x: np.ndarray, reduced: np.ndarray | None = None
) -> np.ndarray:
    """A feasible allocation from an LP solution: one triple per locked pair first (the one the
    LP uses most), then the triples by LP value (the integral part, then the fractional ones),
    then any triple by reduced profit (nearest to the LP optimum first; by score when no
    reduced profits are given). Every step checks every row, so the result is feasible."""
    score = np.asarray(score, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    chosen = np.zeros(len(score), dtype=bool)
    locked = net.lock_row >= 0
    if locked.any():
        chosen = fill(
            net, chosen, np.where(locked, np.maximum(score, 1.0), 0.0), key=x + score * 1e-9
        )
    chosen = fill(net, chosen, score, key=x + score * 1e-9, allowed=x > 1e-6)
    return fill(net, chosen, score, key=score if reduced is None else reduced)
