"""Write an instance folder (or .zip) per FORMAT.md, atomically, keeping unknown columns."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from instances.atomic import atomic_dir, atomic_path
from models.csvsafe import neutralise_all
from models.instance import Instance
from models.schema import FILES


def format_cell(value: Any, kind: str) -> str:
    """The CSV text of one parsed cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "list":
        return ";".join(str(v) for v in value)
    if kind == "kv":
        return ";".join(f"{k}:{_num(v)}" for k, v in (value or {}).items())
    if kind == "bool":
        return "true" if bool(value) else "false"
    if kind in ("int", "opt_int"):
        return str(int(value))
    if kind == "float":
        return _num(value)
    return str(value)


def _num(value: Any) -> str:
    f = float(value)
    return str(int(f)) if f.is_integer() else repr(f)


TEXT_KINDS = (None, "str", "list")
LIFECYCLE_FILES = ("outcomes.csv", "followups.csv")


def frame_to_csv(frame: pd.DataFrame, filename: str, columns: list[str] | None = None) -> str:
    """CSV text of a parsed table: schema columns formatted, extra columns as they were."""
    kinds = {c.name: c.kind for c in FILES[filename]}
    if columns is None:
        # an optional schema column with no value at all is left out (missing means empty)
        columns = [
            c.name
            for c in FILES[filename]
            if c.name in frame.columns
            and (
                c.required
                or frame.empty
                or any(format_cell(v, c.kind) != "" for v in frame[c.name])
            )
        ]
        columns += [c for c in frame.columns if c not in kinds]
    else:
        # The file's own columns, plus any schema column it lacked that now holds data (e.g. a
        # wish added to an instance read without `wishes`): never drop values in silence.
        columns = list(columns) + [
            c.name
            for c in FILES[filename]
            if c.name in frame.columns
            and c.name not in columns
            and (c.required or any(format_cell(v, c.kind) != "" for v in frame[c.name]))
        ]
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        kind = kinds.get(col)
        values = (
            frame[col]
            if col in frame.columns
            else pd.Series([None] * len(frame), index=frame.index)
        )
        if kind is None:
            # to objects before blanking missing cells: fillna("") on a float or nullable column
            # warns (Pandas4Warning) or raises; the texts are the same as before for the rest
            texts = values.astype(object).where(values.notna(), "").astype(str).tolist()
        else:
            texts = [format_cell(v, kind) for v in values]
        # free text (ids, names, reasons, lists, extra columns) is made safe for spreadsheets
        out[col] = neutralise_all(texts) if kind in TEXT_KINDS else texts
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def instance_json(inst: Instance) -> dict[str, Any]:
    """instance.json contents: format version, name, week, the given rules and weights, extras."""
    data: dict[str, Any] = {
        "format_version": inst.format_version,
        "name": inst.name,
        "week": inst.week,
        "rules": inst.rules.to_dict(),
        "weights": _given_weights(inst),
    }
    data.update(inst.meta)
    return data


def _given_weights(inst: Instance) -> dict[str, Any]:
    from models.weights import Weights

    default = Weights().to_dict()
    return {k: v for k, v in inst.weights.to_dict().items() if default.get(k) != v}


def instance_files(inst: Instance) -> dict[str, str]:
    """Every file of the instance folder as text, by file name."""
    files = {"instance.json": json.dumps(instance_json(inst), ensure_ascii=False, indent=2) + "\n"}
    for filename in FILES:
        if filename == "decisions.csv" and not inst.has_decisions_file and inst.decisions.empty:
            continue
        if filename in LIFECYCLE_FILES and inst.table(filename).empty:
            continue  # an instance without ended placements has no history files
        files[filename] = frame_to_csv(
            inst.table(filename), filename, inst.columns_in_file.get(filename)
        )
    return files


def write_instance(inst: Instance, path: str | Path) -> Path:
    """Write `inst` to a folder, or to a .zip when `path` ends in .zip; atomically either way."""
    path = Path(path)
    files = instance_files(inst)
    if path.suffix.lower() == ".zip":
        with atomic_path(path, suffix=".zip") as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, text in files.items():
                    zf.writestr(name, text)
        return path
    with atomic_dir(path) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
    return path
