"""The candidate pair table: one row per feasible (client, placement, pool) triple, and pairs.csv.

Rows are sorted by client, then placement, then the pool's position in the placement's
`funding_pools`; every pool triple of a pair carries the same cost, travel and score.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from instances.atomic import atomic_path
from models.csvsafe import neutralise

if TYPE_CHECKING:
    from models.instance import Instance

COMPONENT_NAMES: tuple[str, ...] = ("priority", "wish", "interest", "pathway", "travel", "cost")
CSV_COLUMNS: tuple[str, ...] = (
    "client_id",
    "placement_id",
    "pool_id",
    "score",
    "cost",
    "travel_min",
)

_CACHE: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def per_instance(inst: Instance, key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per instance: derived arrays the pair rules reuse across chunks. Kept while
    the instance's columns, rules and weights are the same objects; callers must not modify it."""
    stamp = (inst.columns, inst.rules, inst.weights)
    entry = _CACHE.get(inst)
    if entry is None or any(a is not b for a, b in zip(entry[0], stamp, strict=True)):
        entry = (stamp, {})
        _CACHE[inst] = entry
    store = entry[1]
    if key not in store:
        store[key] = compute()
    return store[key]


@dataclass
class PairTable:
    """Feasible triples as parallel numpy arrays (row indices into the Instance tables)."""

    client: np.ndarray  # int64 client row index
    placement: np.ndarray  # int64 placement row index
    pool: np.ndarray  # int64 pool row index, -1 when the pair costs 0 and no pool covers it
    cost: np.ndarray  # float64 € charged to the pool: weekly_cost × rate × duration_weeks
    travel_min: np.ndarray  # float64 minutes one way (rounded to 0.1)
    score: np.ndarray  # int64 total score = sum of components
    components: dict[str, np.ndarray] = field(default_factory=dict)  # int64 per COMPONENT_NAMES

    def __post_init__(self) -> None:
        n = len(self.client)
        arrays = {
            "placement": self.placement,
            "pool": self.pool,
            "cost": self.cost,
            "travel_min": self.travel_min,
            "score": self.score,
            **{f"components[{k!r}]": v for k, v in self.components.items()},
        }
        for name, arr in arrays.items():
            if len(arr) != n:
                raise ValueError(f"PairTable.{name} has {len(arr)} rows, client has {n}")

    def __len__(self) -> int:
        return len(self.client)

    def take(self, idx: np.ndarray | slice) -> PairTable:
        """The rows `idx` (indices, a bool mask or a slice) as a new table."""
        return PairTable(
            client=self.client[idx],
            placement=self.placement[idx],
            pool=self.pool[idx],
            cost=self.cost[idx],
            travel_min=self.travel_min[idx],
            score=self.score[idx],
            components={k: v[idx] for k, v in self.components.items()},
        )

    @classmethod
    def empty(cls) -> PairTable:
        """A table with no rows."""
        i, f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return cls(
            i, i.copy(), i.copy(), f, f.copy(), i.copy(), {k: i.copy() for k in COMPONENT_NAMES}
        )

    @classmethod
    def concat(cls, tables: list[PairTable]) -> PairTable:
        """The rows of `tables` one after another."""
        if not tables:
            return cls.empty()
        return cls(
            client=np.concatenate([t.client for t in tables]),
            placement=np.concatenate([t.placement for t in tables]),
            pool=np.concatenate([t.pool for t in tables]),
            cost=np.concatenate([t.cost for t in tables]),
            travel_min=np.concatenate([t.travel_min for t in tables]),
            score=np.concatenate([t.score for t in tables]),
            components={
                k: np.concatenate([t.components[k] for t in tables]) for k in tables[0].components
            },
        )

    def pair_keys(self, n_placements: int) -> np.ndarray:
        """One int64 key per row for its (client, placement): client·n_placements + placement."""
        return self.client * max(n_placements, 1) + self.placement


WRITE_SLICE = 500_000  # rows rendered at once by write_pairs_csv


def _csv_field(value: object) -> str:
    """One CSV field, spreadsheet-safe (models.csvsafe), quoted only when it holds a comma, quote or line break."""
    text = neutralise(str(value))  # ids are free text: safe for spreadsheets
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _texts(values: np.ndarray, fmt: str) -> list[str]:
    """`fmt % v` for each value, formatting each distinct value once (few distinct values)."""
    unique, inverse = np.unique(values, return_inverse=True)
    return np.array([fmt % v for v in unique.tolist()], dtype=object)[inverse].tolist()


def write_pairs_csv(inst: Instance, pairs: PairTable, path: str | Path) -> None:
    """Write pairs.csv (FORMAT.md) atomically, one row per table row in table order: cost and
    travel_min in plain decimals (%.12g, so float noise never shows), empty pool_id when none."""
    cols = inst.columns
    client_ids = np.array([_csv_field(v) for v in cols.client_id], dtype=object)
    placement_ids = np.array([_csv_field(v) for v in cols.placement_id], dtype=object)
    pool_ids = np.array([_csv_field(v) for v in cols.pool_id] + [""], dtype=object)  # -1 → ""
    with (
        atomic_path(path, suffix=".csv") as tmp,
        open(tmp, "w", encoding="utf-8", newline="") as fh,
    ):
        fh.write(",".join(CSV_COLUMNS) + "\n")
        for start in range(0, len(pairs), WRITE_SLICE):
            sl = slice(start, start + WRITE_SLICE)
            fields = zip(
                client_ids[pairs.client[sl]].tolist(),
                placement_ids[pairs.placement[sl]].tolist(),
                pool_ids[pairs.pool[sl]].tolist(),
                _texts(pairs.score[sl], "%d"),
                _texts(pairs.cost[sl], "%.12g"),
                _texts(pairs.travel_min[sl], "%.12g"),
                strict=True,
            )
            fh.write("".join([f"{a},{b},{c},{d},{e},{f}\n" for a, b, c, d, e, f in fields]))
