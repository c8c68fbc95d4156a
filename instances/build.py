"""Build an Instance from plain Python records (tests, the generator, the API's JSON upload).

Values are already typed (lists as lists, dicts as dicts); missing optional fields take their
empty value. No validation of references happens here: `instances.validate` does that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from models.instance import FORMAT_VERSION, Instance
from models.rules import Rules
from models.schema import FILES, Column
from models.weights import Weights

EMPTY_BY_KIND: dict[str, Any] = {
    "str": "",
    "list": (),
    "kv": {},
    "bool": False,
    "opt_int": np.nan,
    "int": 0,
    "float": 0.0,
}


def _cell(value: Any, col: Column) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        empty = EMPTY_BY_KIND[col.kind]
        return dict(empty) if isinstance(empty, dict) else empty
    if col.kind == "list":
        return tuple(str(v) for v in value)
    if col.kind == "kv":
        return {str(k): float(v) for k, v in dict(value).items()}
    if col.kind == "bool":
        return bool(value)
    if col.kind == "int":
        return int(value)
    if col.kind == "opt_int":
        return float(int(value))
    if col.kind == "float":
        return float(value)
    return str(value)


def frame_from_records(filename: str, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A parsed table for `filename` from dict records; every schema column present."""
    records = list(records)
    cols = FILES[filename]
    data: dict[str, list[Any]] = {c.name: [_cell(r.get(c.name), c) for r in records] for c in cols}
    extra = [k for r in records for k in r if k not in data]
    for name in dict.fromkeys(extra):
        data[name] = ["" if r.get(name) is None else str(r.get(name)) for r in records]
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in data.items()})
    return typed_frame(frame, filename)


def typed_frame(frame: pd.DataFrame, filename: str) -> pd.DataFrame:
    """Give the schema's numeric and bool columns numpy dtypes (other cells stay objects)."""
    for col in FILES[filename]:
        if col.name not in frame.columns:
            continue
        if col.kind == "int":
            frame[col.name] = frame[col.name].astype(np.int64)
        elif col.kind in ("float", "opt_int"):
            frame[col.name] = frame[col.name].astype(np.float64)
        elif col.kind == "bool":
            frame[col.name] = frame[col.name].astype(bool)
    return frame


def build_instance(
    *,
    clients: Iterable[Mapping[str, Any]],
    placements: Iterable[Mapping[str, Any]],
    providers: Iterable[Mapping[str, Any]],
    pools: Iterable[Mapping[str, Any]],
    decisions: Iterable[Mapping[str, Any]] = (),
    rules: Mapping[str, Any] | None = None,
    weights: Mapping[str, Any] | None = None,
    name: str = "instance",
    week: str = "",
) -> Instance:
    """An Instance from records; raises RulesError/WeightsError on bad rules or weights."""
    return Instance(
        name=name,
        week=week,
        rules=Rules.from_dict(dict(rules or {})),
        weights=Weights.from_dict(dict(weights or {})),
        clients=frame_from_records("clients.csv", clients),
        placements=frame_from_records("placements.csv", placements),
        providers=frame_from_records("providers.csv", providers),
        pools=frame_from_records("funding.csv", pools),
        decisions=frame_from_records("decisions.csv", decisions),
        format_version=FORMAT_VERSION,
    )
