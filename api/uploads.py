"""Instances in and out of the service: uploads (zip or JSON) → Instance → the stored zip.

Every upload goes through the project's reader (`instances.read.read_instance_files`), so a
JSON upload is parsed and validated exactly like a folder: its tables are turned into CSV text
first (lists joined with ';', `kv` objects as `key:number`), and a problem on row i of a JSON
table is reported at line i + 2 of that file (as the CSV would have it) with `index` i.

What is stored is the instance re-written by `instances.write` (UTF-8, comma-separated, extra
columns kept): one canonical zip per instance, whatever encoding or separator was uploaded.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tempfile
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from instances.build import typed_frame
from instances.problems import Problem, ProblemLog
from instances.read import read_instance_files
from instances.read.archives import INSTANCE_JSON, ZipLimits, load_files
from instances.read.tables import read_table
from instances.validate import check_instance
from instances.write import write_instance
from models.csvsafe import neutralise
from models.instance import Instance
from models.schema import FILES

JSON_TABLES: dict[str, str] = {
    "clients": "clients.csv",
    "placements": "placements.csv",
    "providers": "providers.csv",
    "funding": "funding.csv",
    "decisions": "decisions.csv",
    "outcomes": "outcomes.csv",
    "followups": "followups.csv",
}
WEEK_SUFFIX = re.compile(r"^(?P<region>.*?)[-_ ]*(?P<week>\d{4}-W\d{2})$")
_JSON_KIND = {
    bool: "true/false",
    int: "number",
    float: "number",
    str: "text",
    list: "list",
    dict: "object",
    type(None): "null",
}


class UploadError(Exception):
    """An upload that cannot become an instance: `problems` (file, line, column, message)."""

    def __init__(
        self,
        problems: list[Problem],
        warnings: list[Problem] | None = None,
        detail: str | None = None,
    ):
        self.problems = problems
        self.warnings = warnings or []
        n = len(problems)
        self.detail = detail or f"the instance has {n} problem{'s' if n != 1 else ''}"
        super().__init__(self.detail)


def problem_dicts(problems: list[Problem], json_rows: bool = False) -> list[dict[str, Any]]:
    """Problems as JSON; for a JSON upload each table problem also gets its row `index`."""
    out = []
    for p in problems:
        d = p.to_dict()
        if json_rows and p.file in FILES and p.line is not None and p.line >= 2:
            d["index"] = p.line - 2
        out.append(d)
    return out


# ---------------------------------------------------------------- zip uploads


def files_from_zip(path: Path, limits: ZipLimits) -> dict[str, bytes]:
    """The instance files inside an uploaded zip, by canonical name, unpacked member by member
    within `limits` (entries, bytes per file and in total, packing ratio); UploadError when the
    zip is unreadable, holds no instance or passes a limit. Problems name "upload", never the
    server's temporary path."""
    log = ProblemLog()
    files = load_files(path, log, limits, label="upload")
    if log.count():
        raise UploadError(log.errors)
    return files


# ---------------------------------------------------------------- JSON uploads


def _cell_text(value: Any, kind: str | None) -> str | None:
    """CSV text of one JSON value for a column of `kind` (None = an extra column); None when
    the JSON type cannot be such a cell."""
    if value is None:
        return ""
    scalar = isinstance(value, (str, int, float)) and not isinstance(value, bool)
    if kind == "list":
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(
            isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value
        ):
            return ";".join(str(v) for v in value)
        return None
    if kind == "kv":
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()
        ):
            return ";".join(f"{k}:{v}" for k, v in value.items())
        return None
    if kind == "bool":
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if scalar else None
    if kind in ("int", "opt_int", "float"):
        return str(value) if scalar else None
    return str(value) if scalar or isinstance(value, bool) else None


_EXPECTED_JSON = {
    "list": "a list of texts (or one ';'-separated text)",
    "kv": "an object of key: number",
    "bool": "true or false",
    "int": "a whole number",
    "opt_int": "a whole number or null",
    "float": "a number",
    "str": "a text",
    None: "a text or number (extra columns are flat)",
}


def table_csv(filename: str, records: Any, problems: list[Problem]) -> bytes:
    """CSV bytes of one JSON table (a list of objects); JSON type errors go to `problems`."""
    if not isinstance(records, list):
        problems.append(
            Problem(
                filename,
                message=f"is a JSON {_JSON_KIND.get(type(records), '?')}",
                expected="a list of objects, one per row",
            )
        )
        return b""
    kinds = {c.name: c.kind for c in FILES[filename]}
    columns: list[str] = []
    for rec in records:
        if isinstance(rec, dict):
            columns += [str(k) for k in rec if str(k) not in columns]
    # a key missing from a JSON object is an empty cell, so every required column is written
    order = [c.name for c in FILES[filename] if c.required or c.name in columns]
    order += [c for c in columns if c not in kinds]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(order)
    for i, rec in enumerate(records):
        line = i + 2
        if not isinstance(rec, dict):
            problems.append(
                Problem(
                    filename,
                    line=line,
                    value=json.dumps(rec)[:80],
                    message=f"is a JSON {_JSON_KIND.get(type(rec), '?')}",
                    expected="an object with the columns as keys",
                )
            )
            writer.writerow([""] * len(order))
            continue
        row = []
        for col in order:
            value = rec.get(col)
            text = _cell_text(value, kinds.get(col))
            if text is None:
                problems.append(
                    Problem(
                        filename,
                        line=line,
                        column=col,
                        value=json.dumps(value)[:80],
                        message=f"is a JSON {_JSON_KIND.get(type(value), '?')}",
                        expected=_EXPECTED_JSON[kinds.get(col)],
                    )
                )
                text = ""
            text = text.replace("\r", " ").replace("\n", " ")
            # as instances.write does, so the reader's restore gives back exactly this text
            row.append(neutralise(text) if kinds.get(col) in (None, "str", "list") else text)
        writer.writerow(row)
    return buf.getvalue().encode("utf-8")


def files_from_json(payload: Any) -> dict[str, bytes]:
    """Instance files from the JSON upload shape {"instance": {…instance.json…}, "clients": […],
    "placements": […], "providers": […], "funding": […], "decisions": […], "outcomes": […],
    "followups": […]} (the last three optional, as their files are in a zip)."""
    problems: list[Problem] = []
    if not isinstance(payload, dict):
        raise UploadError(
            [
                Problem(
                    "upload",
                    message=f"is a JSON {_JSON_KIND.get(type(payload), '?')}",
                    expected="an object with instance, clients, placements, "
                    "providers, funding and optionally decisions, outcomes, followups",
                )
            ]
        )
    known = {"instance", *JSON_TABLES}
    for key in payload:
        if key not in known:
            problems.append(
                Problem(
                    "upload",
                    column=str(key),
                    message="is not a part of an instance",
                    expected=", ".join(sorted(known)),
                )
            )
    files: dict[str, bytes] = {}
    if "instance" in payload:
        header = payload["instance"]
        if not isinstance(header, dict):
            problems.append(
                Problem(
                    INSTANCE_JSON,
                    message=f"is a JSON {_JSON_KIND.get(type(header), '?')}",
                    expected="an object (the contents of instance.json)",
                )
            )
        else:
            files[INSTANCE_JSON] = json.dumps(header).encode("utf-8")
    for key, filename in JSON_TABLES.items():
        if key in payload:
            files[filename] = table_csv(filename, payload[key], problems)
    if problems:
        raise UploadError(problems)
    return files


# ---------------------------------------------------------------- parsing and storing


def parse_files(files: Mapping[str, bytes], default_name: str) -> tuple[Instance, list[Problem]]:
    """Read and validate instance files; UploadError with every problem when they are bad."""
    from instances.problems import InstanceError

    try:
        return read_instance_files(files, default_name=default_name)
    except InstanceError as exc:
        raise UploadError(exc.problems, detail=_count_text(exc.total)) from exc


def _count_text(total: int) -> str:
    return f"the instance has {total} problem{'s' if total != 1 else ''}"


def instance_zip(inst: Instance) -> bytes:
    """The canonical zip of an instance (what the store keeps)."""
    with tempfile.TemporaryDirectory(prefix="polku-") as tmp:
        path = Path(tmp) / "instance.zip"
        write_instance(inst, path)
        return path.read_bytes()


def files_of_zip(data: bytes) -> dict[str, bytes]:
    """The members of a stored (canonical) zip by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def region_of(inst: Instance) -> str:
    """The region an instance belongs to: instance.json's extra key "region" when given, else its
    name without the trailing ISO week ("pohjois-savo-2026-W48" → "pohjois-savo")."""
    region = inst.meta.get("region")
    if isinstance(region, str) and region.strip():
        return region.strip()
    match = WEEK_SUFFIX.match(inst.name)
    if match and match.group("region"):
        return match.group("region")
    return inst.name


def counts_of(inst: Instance) -> dict[str, int]:
    """Headline sizes of an instance, stored beside it for listings."""
    queue = (
        (inst.clients["current_placement"].to_numpy(dtype=object) == "").sum()
        if "current_placement" in inst.clients.columns
        else len(inst.clients)
    )
    return {
        "clients": len(inst.clients),
        "queue": int(queue),
        "placements": len(inst.placements),
        "seats": int(inst.placements["seats"].sum()) if len(inst.placements) else 0,
        "providers": len(inst.providers),
        "pools": len(inst.pools),
        "decisions": len(inst.decisions),
    }


def provider_ids(inst: Instance) -> tuple[str, ...]:
    return tuple(str(p) for p in inst.providers["id"])


# ---------------------------------------------------------------- new clients for an instance


def append_clients(inst: Instance, data: bytes) -> Instance:
    """`inst` with the clients of an uploaded clients.csv appended (same columns as FORMAT.md;
    extra columns kept). Problems in the upload are reported with the upload's own lines; ids
    already in the instance are refused by name."""
    log = ProblemLog()
    table = read_table("clients.csv", data, log)
    if log.count():
        raise UploadError(
            log.errors,
            detail=f"the new clients have {log.count()} problem{'s' if log.count() != 1 else ''}",
        )
    new = table.frame
    existing = set(inst.clients["id"])
    dup = np.fromiter((i in existing for i in new["id"]), dtype=bool, count=len(new))
    for row in np.flatnonzero(dup)[: log.limit]:
        log.error(
            "clients.csv",
            f"is already a client of instance {inst.name}",
            line=int(table.lines[row]),
            column="id",
            value=str(new["id"].iat[row]),
            expected="a new client id",
        )
    if log.count():
        raise UploadError(log.errors, detail=f"{int(dup.sum())} new client id(s) already exist")
    old_cols = list(inst.columns_in_file.get("clients.csv") or inst.clients.columns)
    columns = old_cols + [c for c in table.header if c not in old_cols]
    merged = pd.concat([inst.clients, new], ignore_index=True)
    schema = {c.name for c in FILES["clients.csv"]}
    for col in merged.columns:
        if col not in schema:
            merged[col] = merged[col].fillna("").astype(str)
    merged = typed_frame(merged, "clients.csv")
    out = inst.with_decisions(inst.decisions)
    out.has_decisions_file = inst.has_decisions_file
    out.clients = merged
    out.columns_in_file = {**inst.columns_in_file, "clients.csv": columns}
    old_lines = np.arange(2, len(inst.clients) + 2, dtype=np.int64)
    check_instance(out, log, lines={"clients.csv": np.concatenate([old_lines, table.lines])})
    if log.count():
        raise UploadError(log.errors)
    return out


def clients_csv_from_json(payload: Any) -> bytes:
    """clients.csv bytes from {"clients": [ … ]} (or a bare list of client objects)."""
    records = payload.get("clients") if isinstance(payload, dict) else payload
    problems: list[Problem] = []
    data = table_csv("clients.csv", records, problems)
    if problems:
        raise UploadError(problems)
    return data


# ---------------------------------------------------------------- a small cache of parsed instances


class InstanceCache:
    """Parsed instances by (id, sha256), least recently used first out; stored instances never
    change under the same hash, so a hit is always right."""

    def __init__(self, size: int = 4):
        self.size = size
        self._items: OrderedDict[tuple[int, str], Instance] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> Instance | None:
        with self._lock:
            inst = self._items.get(key)
            if inst is not None:
                self._items.move_to_end(key)
            return inst

    def put(self, key: tuple[int, str], inst: Instance) -> None:
        with self._lock:
            self._items[key] = inst
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def load_stored(data: bytes, name: str) -> Instance:
    """Parse a stored instance zip (it was valid when stored)."""
    inst, _ = parse_files(files_of_zip(data), default_name=name)
    return inst
