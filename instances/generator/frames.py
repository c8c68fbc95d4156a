"""The generator's arrays as the typed frames of clients.csv, placements.csv and funding.csv."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from instances import distributions as d
from instances.build import typed_frame
from instances.generator.state import ClientArrays, Geo, PlacementArrays, PoolArrays
from models.lifecycle import FULL_WEEK_DAYS, advance_week
from models.rules import TRANSPORT_MODES


def _width(count: int) -> int:
    return max(2, len(str(count)))


def client_id_text(i: int, n: int) -> str:
    return f"c{i + 1:0{_width(n)}d}"


def placement_id_text(j: int, m: int) -> str:
    return f"p{j + 1:0{_width(m)}d}"


def numbered_ids(prefix: str, count: int) -> np.ndarray:
    w = _width(count)
    return np.asarray([f"{prefix}{i:0{w}d}" for i in range(1, count + 1)], dtype=object)


def _cells(masks: np.ndarray, vocab: tuple[str, ...]) -> np.ndarray:
    """Tuple cells from bitmasks over `vocab` (one tuple built per distinct mask)."""
    uniq, inv = np.unique(masks, return_inverse=True)
    table = np.empty(len(uniq), dtype=object)
    for u, mask in enumerate(uniq):
        table[u] = tuple(v for b, v in enumerate(vocab) if (int(mask) >> b) & 1)
    return table[inv.reshape(-1)]


def _kv_cells(
    values: np.ndarray, keys: tuple[str, ...], rows: np.ndarray | None = None
) -> list[dict[str, float]]:
    """Dict cells (non-zero entries) of an ``(n, k)`` matrix; only `rows` get entries if given.

    One dict is built per distinct row and copied per client (cells must not share a dict).
    """
    values = np.asarray(values)
    if rows is not None:
        values = np.where(np.asarray(rows, dtype=bool)[:, None], values, 0)
    uniq, inv = np.unique(values, axis=0, return_inverse=True)
    table = [{keys[k]: float(row[k]) for k in np.flatnonzero(row)} for row in uniq]
    return [dict(table[i]) for i in inv.reshape(-1)]


def object_series(values: Any) -> pd.Series:
    return pd.Series(values, dtype=object)


def clients_frame(C: ClientArrays, P: PlacementArrays, geo: Geo) -> pd.DataFrame:
    n, m = len(C.age), len(P.ptype)
    pid = numbered_ids("p", m)
    vid = numbered_ids("v", len(P.v_kind))
    wishes = C.wishes or [()] * n
    frame = pd.DataFrame(
        {
            "id": numbered_ids("c", n),
            "municipality": geo.names[C.muni],
            "lat": C.lat,
            "lon": C.lon,
            "age": C.age,
            "benefit_days": C.days,
            "unemployed_months": C.months,
            "work_ability": C.wa,
            "partial_work_ability": C.partial,
            "languages": object_series(_cells(C.languages, d.LANGUAGES)),
            "needs": object_series(_cells(C.needs, d.NEEDS)),
            "interests": object_series(_cells(C.interests, d.SECTORS)),
            "transport": np.asarray(TRANSPORT_MODES, dtype=object)[C.transport],
            "max_commute_min": C.commute,
            "consents": object_series(_cells(C.consents, d.TYPES)),
            "wishes": object_series([tuple(pid[list(w)]) if w else () for w in wishes]),
            "current_placement": np.where(C.current >= 0, pid[np.maximum(C.current, 0)], ""),
            "months_used": object_series(_kv_cells(C.used, d.TYPES)),
            "weeks_since_activation": C.weeks,
            "abilities": object_series(_kv_cells(C.abilities, d.ABILITY_KEYS, rows=C.has_profile)),
            "months_by_provider": object_series(
                [{vid[v]: m for v, m in h.items()} for h in (C.by_provider or [{}] * n)]
            ),
        }
    )
    frame["current_placement"] = frame["current_placement"].astype(object)
    return typed_frame(frame, "clients.csv")


def _start_cells(P: PlacementArrays, week: str) -> np.ndarray:
    """`start_week` cells: the ISO week of a later start, empty for this week."""
    offsets = P.start_offset if P.start_offset is not None else np.zeros(len(P.ptype), np.int64)
    cells = np.full(len(offsets), "", dtype=object)
    for k in np.unique(offsets[offsets > 0]).tolist():
        cells[offsets == k] = advance_week(week, int(k))
    return cells


def placements_frame(P: PlacementArrays, F: PoolArrays, geo: Geo, week: str) -> pd.DataFrame:
    m = len(P.ptype)
    assert P.pools is not None
    pool_ids = np.asarray(F.ids, dtype=object)
    funding = [tuple(pool_ids[row[row >= 0]]) for row in P.pools]
    frame = pd.DataFrame(
        {
            "id": numbered_ids("p", m),
            "type": np.asarray(d.TYPES, dtype=object)[P.ptype],
            "provider_id": numbered_ids("v", len(P.v_kind))[P.provider],
            "municipality": geo.names[P.muni],
            "lat": P.lat,
            "lon": P.lon,
            "seats": P.seats,
            "min_work_ability": P.min_wa,
            "language": np.asarray(d.LANGUAGES, dtype=object)[P.language],
            "features": object_series(_cells(P.features, d.FEATURES)),
            "sector": np.asarray(d.SECTORS, dtype=object)[P.sector],
            "duration_weeks": P.duration,
            "weekly_cost": P.weekly_cost.astype(float),
            "funding_pools": object_series(funding),
            "demands": object_series(_kv_cells(P.demand, d.ABILITY_KEYS)),
            "start_week": _start_cells(P, week),
            # a full week is the default, so only part-time placements say their days
            "days_per_week": np.where(P.days < FULL_WEEK_DAYS, P.days, np.nan),
        }
    )
    return typed_frame(frame, "placements.csv")


def pools_frame(F: PoolArrays) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": object_series(F.ids),
            "name": object_series(F.names),
            "budget": F.budget,
            "types": object_series(_cells(F.types, d.TYPES)),
            "municipalities": object_series(F.muni_lists),
            "groups": object_series(F.groups),
        }
    )
    return typed_frame(frame, "funding.csv")
