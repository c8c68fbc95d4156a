"""The pair table in compact form (≈ 28 bytes a triple instead of 96) for tables kept between
solves, as a national run's part workers do; `table` restores the ordinary PairTable exactly.

Indices are int32, travel float32 (restored exactly by rounding to the 0.1 minute it was rounded
to), the score int32 when it fits; cost stays float64, since budgets are compared in exact cents
and allocation.json reports the cost. The score components are not kept: they are recomputed
from (client, placement, cost, travel) for the rows that need them (explanations, assignments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from matcher.pairs.candidates import feasible_batches
from matcher.pairs.score import score_components, total_score
from matcher.pairs.table import PairTable

if TYPE_CHECKING:
    from models.instance import Instance

INDEX = np.int32
TRAVEL_DECIMALS = 1  # travel_minutes rounds to 0.1 minute (matcher.pairs.travel)


@dataclass
class CompactPairs:
    """Feasible triples as narrow parallel arrays, in PairTable's row order."""

    client: np.ndarray  # int32
    placement: np.ndarray  # int32
    pool: np.ndarray  # int32, -1 when no pool pays
    cost: np.ndarray  # float64 € (exact)
    travel_min: np.ndarray  # float32 minutes
    score: np.ndarray  # int32 (int64 when a score does not fit)

    def __len__(self) -> int:
        return len(self.client)

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays."""
        return sum(
            a.nbytes
            for a in (
                self.client,
                self.placement,
                self.pool,
                self.cost,
                self.travel_min,
                self.score,
            )
        )

    def table(self, inst: Instance, components: bool = False) -> PairTable:
        """The ordinary (int64 / float64) PairTable; with `components` the score components too
        (else an empty dict: the solve path reads only the total score)."""
        client = self.client.astype(np.int64)
        placement = self.placement.astype(np.int64)
        cost = self.cost.copy()
        travel = restore_travel(self.travel_min)
        parts = score_components(inst, client, placement, cost, travel) if components else {}
        return PairTable(
            client,
            placement,
            self.pool.astype(np.int64),
            cost,
            travel,
            self.score.astype(np.int64),
            parts,
        )


def restore_travel(travel: np.ndarray) -> np.ndarray:
    """float32 minutes back to the float64 values travel_minutes gave (both rounded to 0.1)."""
    return np.round(travel.astype(np.float64), TRAVEL_DECIMALS)


def with_components(inst: Instance, table: PairTable) -> PairTable:
    """`table` with its score components (recomputed; they depend on the pair alone)."""
    if table.components:
        return table
    parts = score_components(inst, table.client, table.placement, table.cost, table.travel_min)
    return PairTable(
        table.client, table.placement, table.pool, table.cost, table.travel_min, table.score, parts
    )


def _narrow_score(score: np.ndarray) -> np.ndarray:
    info = np.iinfo(np.int32)
    if len(score) and (score.min() < info.min or score.max() > info.max):
        return score.astype(np.int64)
    return score.astype(np.int32)


def build_compact(
    inst: Instance, *, clients: np.ndarray | None = None, max_commute_cap: float | None = None
) -> CompactPairs:
    """`build_pairs` (same rows, same order, same values) stored compactly chunk by chunk, so no
    full-width int64 table or component array ever exists."""
    if max(inst.columns.n_clients, inst.columns.n_placements) >= np.iinfo(INDEX).max:
        raise ValueError("instance too large for the compact pair table's int32 indices")
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("c", "p", "q", "cost", "t", "s")}
    for b in feasible_batches(inst, max_commute_cap, clients):
        score = total_score(score_components(inst, b.client, b.placement, b.cost, b.travel))
        out["c"].append(b.client.astype(INDEX))
        out["p"].append(b.placement.astype(INDEX))
        out["q"].append(b.pool.astype(INDEX))
        out["cost"].append(np.asarray(b.cost, dtype=np.float64))
        out["t"].append(b.travel.astype(np.float32))
        out["s"].append(_narrow_score(score))

    def cat(key: str, dtype: type) -> np.ndarray:
        arrays = out.pop(key)
        res = np.concatenate(arrays) if arrays else np.zeros(0, dtype)
        return res if key != "s" else _narrow_score(res)

    return CompactPairs(
        cat("c", INDEX),
        cat("p", INDEX),
        cat("q", INDEX),
        cat("cost", np.float64),
        cat("t", np.float32),
        cat("s", np.int32),
    )
