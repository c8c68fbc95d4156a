"""Independent parts of an allocation problem: connected components of the candidate graph.

Two clients interact only through something they could share: a placement's seats, a capped
provider, or a budget that can run out. The graph has a node per client, placement, capped
provider and binding pool (one whose budget could be exceeded: the seats it may pay for, at their
dearest triple, cost more than it has); triples join their client to their placement, a capped
wage-subsidy placement joins its provider, and a binding pool joins the placements it pays. Each
connected component (scipy.sparse.csgraph) is a problem of its own: solving them apart is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from matcher.flow import FlowNet, distinct


@dataclass(frozen=True)
class Components:
    """Component label per triple and per row of the FlowNet's rows."""

    count: int
    of_triple: np.ndarray  # component of each triple
    of_row: np.ndarray  # component of each row (−1 for rows no triple touches)
    binding_budget_rows: np.ndarray  # the budget rows that could bind (they couple)

    def sizes(self) -> np.ndarray:
        """Triples per component."""
        return np.bincount(self.of_triple, minlength=self.count)

    def triples(self, k: int) -> np.ndarray:
        """Indices of the triples of component `k`."""
        return np.flatnonzero(self.of_triple == k)


def binding_budget_rows(net: FlowNet) -> np.ndarray:
    """Budget rows whose budget the seats they may pay for could exceed: Σ over placements of
    min(seats, candidate clients) × the dearest triple charged there."""
    rows = net.rows
    budget = rows.of("budget")
    if not len(budget):
        return budget
    charged = np.flatnonzero(net.budget_row >= 0)
    b, s = net.budget_row[charged], net.seats_row[charged]
    n_rows = len(rows.hi)
    key = b * n_rows + s
    order = np.lexsort((-rows.cost_cents[charged], key))
    key_sorted = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = key_sorted[1:] != key_sorted[:-1]
    top = charged[order][first]  # dearest triple per (budget row, seats row)
    tb, ts = net.budget_row[top], net.seats_row[top]
    clients_at = np.bincount(net.seats_row, minlength=n_rows)  # an upper bound on distinct clients
    most = np.minimum(rows.hi[ts], clients_at[ts]) * rows.cost_cents[top]
    spend = np.bincount(tb, weights=most.astype(np.float64), minlength=n_rows)
    return budget[spend[budget] > rows.hi[budget]]


def components(net: FlowNet) -> Components:
    """Connected components of the candidate graph with caps and binding pools as couplings."""
    rows = net.rows
    n_rows = len(rows.hi)
    if not net.n:
        return Components(
            0, np.zeros(0, np.int64), np.full(n_rows, -1, np.int64), np.zeros(0, np.int64)
        )
    binding = binding_budget_rows(net)
    is_binding = np.zeros(n_rows, dtype=bool)
    is_binding[binding] = True
    src = [net.client_row, net.seats_row]
    dst = [net.seats_row, net.seats_row]  # self-loops keep every seats row a node
    capped = np.flatnonzero(net.cap_row >= 0)
    src.append(net.seats_row[capped])
    dst.append(net.cap_row[capped])
    coupled = np.flatnonzero((net.budget_row >= 0) & is_binding[np.maximum(net.budget_row, 0)])
    src.append(net.seats_row[coupled])
    dst.append(net.budget_row[coupled])
    a = np.concatenate(src)
    b = np.concatenate(dst)
    graph = sp.coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n_rows, n_rows)).tocsr()
    _, labels = connected_components(graph, directed=False)
    used = distinct(
        np.concatenate(
            [net.client_row, net.seats_row, net.cap_row[capped], net.budget_row[coupled]]
        ),
        n_rows,
    )
    # renumber the components that hold triples 0..k-1, largest first
    triple_label = labels[net.client_row]
    counts = np.bincount(triple_label, minlength=labels.max() + 1)
    present = np.flatnonzero(counts)
    order = present[np.argsort(-counts[present], kind="stable")]
    renumber = np.full(labels.max() + 1, -1, dtype=np.int64)
    renumber[order] = np.arange(len(order))
    of_row = np.full(n_rows, -1, dtype=np.int64)
    of_row[used] = renumber[labels[used]]
    return Components(len(order), renumber[triple_label], of_row, binding)
