"""Read an instance folder or .zip (FORMAT.md) into an `Instance`, reporting every problem at once.

Each problem names the file, the physical line (CSV header = line 1), the column, the bad value
and what was expected, so a coordinator can fix an export in one pass. Reading is columnar:
pandas' C parser with every cell as text, then each column parsed once per distinct value.

Tolerated without an error (choices where FORMAT.md is silent):
- encodings: a UTF-8 byte-order mark silently; UTF-16 with a byte-order mark, and text that is
  not UTF-8 (read as Windows-1252, or Latin-1 when that fails) with a warning;
- separators: a file whose header line splits into more known columns with `;` (or a tab)
  than with `,` is read with that separator, with a warning. In such a file a list cell with
  several items (`fi;en`) must be in double quotes, as Excel writes it; a decimal comma
  (`62,89`) is accepted in number cells of such files only;
- Windows (CRLF) and old Mac (CR) line endings, blank lines and rows whose cells are all empty
  (skipped), trailing empty cells beyond the header (Excel's `a,b,,`), and surrounding spaces
  in cells of known columns (stripped; unknown columns are kept exactly as read);
- a zip holding the files at its root or inside one top folder (macOS `__MACOSX/` entries and
  `._*` files are ignored); file names matched case-insensitively with a warning;
- booleans true/false, 1/0, yes/no, y/n, kyllä/ei, k/e in any case; empty is false;
- a whole number written as `3.0`; a missing `format_version` (read as 1, with a warning).
An unknown `format_version` (above 1), and anything FORMAT.md forbids, is an error.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from instances.build import EMPTY_BY_KIND, typed_frame
from instances.problems import Problem, ProblemLog
from instances.validate import check_instance
from models.instance import FORMAT_VERSION, Instance, empty_frame
from models.rules import BUILTIN_TYPES, DEFAULT_RULES, Rules, RulesError
from models.schema import FILES, OPTIONAL_FILES, Column
from models.weights import Weights, WeightsError

INSTANCE_JSON = "instance.json"
INSTANCE_FILES = (INSTANCE_JSON, *FILES)
SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab"}
TRUE_WORDS = frozenset({"true", "1", "yes", "kyllä", "kylla", "k", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "ei", "e", "n", ""})
WEEK_PATTERN = re.compile(r"^\d{4}-W\d{2}$")
EXPECTED_BY_KIND = {
    "int": "a whole number",
    "opt_int": "a whole number or empty",
    "float": "a number with a decimal point",
    "bool": "true or false (also 1/0, yes/no, kyllä/ei)",
    "kv": "key:number items separated by ';'",
}


def read_instance(path: str | Path) -> Instance:
    """Read an instance folder or .zip; raise InstanceError listing every error found."""
    return read_instance_with_warnings(path)[0]


def read_instance_with_warnings(path: str | Path) -> tuple[Instance, list[Problem]]:
    """Read an instance folder or .zip: (instance, warnings); raise InstanceError on errors.

    Warnings flag what was accepted but deserves a look (an encoding guessed, a `;`
    separator, a placement no pool can pay for…).
    """
    path = Path(path)
    log = ProblemLog()
    files = load_files(path, log)
    log.raise_if_errors()
    name = path.resolve().name if path.is_dir() else path.stem
    return read_instance_files(files, default_name=name, log=log)


def read_instance_files(
    files: Mapping[str, bytes], default_name: str = "instance", log: ProblemLog | None = None
) -> tuple[Instance, list[Problem]]:
    """Parse and validate an instance from file contents by name (instance.json, clients.csv…),
    e.g. an upload; (instance, warnings), or InstanceError with every error."""
    log = log or ProblemLog()
    header = read_instance_json(files.get(INSTANCE_JSON), log, default_name)
    tables: dict[str, ParsedTable] = {}
    for filename in FILES:
        data = files.get(filename)
        if data is None:
            if filename not in OPTIONAL_FILES:
                log.error(
                    filename,
                    "file is missing from the instance",
                    expected=f"a CSV file with the header {header_text(filename)}",
                )
            tables[filename] = ParsedTable.missing(filename, filename not in OPTIONAL_FILES)
            continue
        tables[filename] = read_table(filename, data, log)

    rules = header.rules or Rules.default()
    inst = Instance(
        name=header.name,
        week=header.week,
        rules=rules,
        weights=header.weights or Weights(),
        clients=tables["clients.csv"].frame,
        placements=tables["placements.csv"].frame,
        providers=tables["providers.csv"].frame,
        pools=tables["funding.csv"].frame,
        decisions=tables["decisions.csv"].frame,
        format_version=header.format_version,
        meta=header.meta,
        columns_in_file={f: t.header for f, t in tables.items() if not t.is_missing},
        has_decisions_file="decisions.csv" in files,
    )
    check_instance(
        inst,
        log,
        lines={f: t.lines for f, t in tables.items()},
        types=header.types if header.rules is None else None,
        groups=header.groups if header.rules is None else None,
        broken={f for f, t in tables.items() if t.broken},
    )
    log.raise_if_errors()
    for table in tables.values():
        typed_frame(table.frame, table.file)
        unshare_kv(table.frame, table.file)
    return inst, log.warnings


def unshare_kv(frame: pd.DataFrame, filename: str) -> None:
    """Give every row its own dict in kv columns. Rows with the same text share one parsed
    cell while reading (so checks see each distinct cell once); dicts are mutable, tuples not."""
    for col in FILES[filename]:
        if col.kind == "kv" and col.name in frame.columns:
            cells = frame[col.name]
            frame[col.name] = pd.Series(
                np.fromiter(map(dict, cells), dtype=object, count=len(cells)),
                index=frame.index,
                dtype=object,
            )


# ---------------------------------------------------------------- folders and zips


def load_files(path: Path, log: ProblemLog) -> dict[str, bytes]:
    """The instance files (by canonical name) of a folder or zip; logs what is wrong with
    the container itself (missing path, a file that is no zip, several instances in a zip)."""
    if not path.exists():
        log.error(str(path), "no such folder or file", expected="an instance folder or a .zip")
        return {}
    if path.is_dir():
        names = {p.name: p for p in path.iterdir() if p.is_file()}
        files = {}
        for canon, found in match_names(names, log).items():
            try:
                files[canon] = names[found].read_bytes()
            except OSError as exc:
                log.error(canon, f"cannot be read ({exc.strerror or exc})")
        return files
    if not zipfile.is_zipfile(path):
        what = (
            "is not a zip file"
            if path.suffix.lower() == ".zip"
            else "is neither a folder nor a zip"
        )
        log.error(str(path), f"{what}", expected="an instance folder or a .zip of one")
        return {}
    try:
        with zipfile.ZipFile(path) as zf:
            members = {
                i.filename: i for i in zf.infolist() if not i.is_dir() and _real_member(i.filename)
            }
            prefix = zip_prefix(list(members), str(path), log)
            if prefix is None:
                return {}
            names = {
                m[len(prefix) :]: m
                for m in members
                if m.startswith(prefix) and "/" not in m[len(prefix) :]
            }
            return {
                canon: zf.read(names[found]) for canon, found in match_names(names, log).items()
            }
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a damaged member
        log.error(str(path), f"cannot be read as a zip ({exc})", expected="an intact .zip")
        return {}


def _real_member(name: str) -> bool:
    """Skip macOS resource forks and folder metadata that zip tools add."""
    base = name.rsplit("/", 1)[-1]
    return not (name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store")


def zip_prefix(members: list[str], zip_name: str, log: ProblemLog) -> str | None:
    """'' when the instance files are at the zip's root, 'top/' when inside one top folder."""
    lowered = {m.lower() for m in members}
    if any(f.lower() in lowered for f in INSTANCE_FILES):
        return ""
    tops = sorted(
        {
            m.split("/", 1)[0] + "/"
            for m in members
            if "/" in m and m.split("/", 1)[1].lower() in INSTANCE_FILES
        }
    )
    if len(tops) == 1:
        return tops[0]
    if not tops:
        log.error(
            zip_name,
            "holds no instance files (instance.json, clients.csv, …)",
            expected="the files at the zip's root or inside one top folder",
        )
    else:
        log.error(
            zip_name,
            f"holds several instance folders ({', '.join(tops)})",
            expected="one instance per zip",
        )
    return None


def match_names(names: Mapping[str, Any], log: ProblemLog) -> dict[str, str]:
    """Canonical instance file name → the name found, exact first, else case-insensitive."""
    lower = {}
    for name in names:
        lower.setdefault(name.lower(), name)
    out = {}
    for canon in INSTANCE_FILES:
        if canon in names:
            out[canon] = canon
        elif canon in lower:
            out[canon] = lower[canon]
            log.warning(canon, f"read from {lower[canon]!r}; the name should be lower case")
    return out


# ---------------------------------------------------------------- instance.json


@dataclass
class InstanceHeader:
    """What instance.json says; `rules`/`weights` are None when invalid (problems logged),
    and then `types`/`groups` are the names the file declares, for checking the tables."""

    name: str
    week: str = ""
    format_version: int = FORMAT_VERSION
    rules: Rules | None = None
    weights: Weights | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    types: list[str] = field(default_factory=lambda: list(BUILTIN_TYPES))
    groups: list[str] = field(default_factory=lambda: list(DEFAULT_RULES["groups"]))


def read_instance_json(data: bytes | None, log: ProblemLog, default_name: str) -> InstanceHeader:
    """Parse instance.json: format version, name, week, rules, weights; other keys → meta."""
    header = InstanceHeader(name=default_name)
    if data is None:
        log.error(
            INSTANCE_JSON,
            "file is missing from the instance",
            expected='{"format_version": 1, "name": …, "week": …, "rules": {}, "weights": {}}',
        )
        return header
    text = decode(INSTANCE_JSON, data, log)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        log.error(
            INSTANCE_JSON, f"is not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno
        )
        return header
    if not isinstance(raw, dict):
        log.error(INSTANCE_JSON, f"holds {json_kind(raw)}", expected="a JSON object")
        return header
    raw = dict(raw)

    version = raw.pop("format_version", None)
    if version is None:
        log.warning(
            INSTANCE_JSON, "format_version is missing; read as version 1", column="format_version"
        )
    elif isinstance(version, bool) or not isinstance(version, int):
        log.error(
            INSTANCE_JSON,
            "is not a format version",
            column="format_version",
            value=str(version),
            expected=f"the whole number {FORMAT_VERSION}",
        )
    elif version > FORMAT_VERSION:
        log.error(
            INSTANCE_JSON,
            "is newer than this Polku reads; upgrade Polku",
            column="format_version",
            value=str(version),
            expected=f"{FORMAT_VERSION}",
        )
    elif version < 1:
        log.error(
            INSTANCE_JSON,
            "is not a format version",
            column="format_version",
            value=str(version),
            expected=f"{FORMAT_VERSION}",
        )
    else:
        header.format_version = version

    for key in ("name", "week"):
        value = raw.pop(key, None)
        if value is None:
            fallback = f"; using {default_name!r}" if key == "name" else ""
            log.warning(INSTANCE_JSON, f"{key} is missing{fallback}", column=key)
        elif not isinstance(value, str):
            log.error(
                INSTANCE_JSON,
                "is not a text",
                column=key,
                value=str(value),
                expected='a text such as "2026-W48"' if key == "week" else "a text",
            )
        else:
            setattr(header, key, value)
    if header.week and not WEEK_PATTERN.match(header.week):
        log.warning(
            INSTANCE_JSON,
            "is not an ISO week",
            column="week",
            value=header.week,
            expected="YYYY-Www, e.g. 2026-W48",
        )

    raw_rules = raw.pop("rules", None)
    raw_weights = raw.pop("weights", None)
    for key, value in (("rules", raw_rules), ("weights", raw_weights)):
        if value is not None and not isinstance(value, dict):
            log.error(
                INSTANCE_JSON,
                f"is {json_kind(value)}",
                column=key,
                expected="an object of key: value (or leave it out for the defaults)",
            )
    raw_rules = raw_rules if isinstance(raw_rules, dict) else {}
    header.types, header.groups = declared_names(raw_rules)
    try:
        header.rules = Rules.from_dict(raw_rules)
    except RulesError as exc:
        for text in exc.problems:
            log_key_problem(text, "rules", log)
    try:
        header.weights = Weights.from_dict(raw_weights if isinstance(raw_weights, dict) else {})
    except WeightsError as exc:
        for text in exc.problems:
            log_key_problem(text, "weights", log)
    header.meta = raw
    return header


def json_kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return {list: "an array", str: "a text", dict: "an object"}.get(type(value), "null")


def log_key_problem(text: str, section: str, log: ProblemLog) -> None:
    """A RulesError/WeightsError line 'rules.key: message' as an instance.json problem."""
    key, sep, message = text.partition(": ")
    if not sep:
        key, message = section, text
    log.error(INSTANCE_JSON, message, column=key)


def declared_names(raw_rules: Any) -> tuple[list[str], list[str]]:
    """Placement types and group names the rules declare, read leniently (used to check the
    tables even when some rule value is invalid)."""
    types = list(BUILTIN_TYPES)
    groups = list(DEFAULT_RULES["groups"])
    if isinstance(raw_rules, dict):
        for key in ("max_months", "cost_rate"):
            if isinstance(raw_rules.get(key), dict):
                types += [str(t) for t in raw_rules[key] if str(t) not in types]
        if isinstance(raw_rules.get("groups"), dict):
            groups += [str(g) for g in raw_rules["groups"] if str(g) not in groups]
    return types, groups


# ---------------------------------------------------------------- text and CSV structure


def decode(filename: str, data: bytes, log: ProblemLog) -> str:
    """Text of a file: UTF-8 (a byte-order mark dropped); UTF-16 with a BOM, Windows-1252 or
    Latin-1 accepted with a warning naming the first line that is not UTF-8."""
    stripped, encoding = to_utf8(filename, data, log)
    return stripped.decode(encoding)


def to_utf8(filename: str, data: bytes, log: ProblemLog) -> tuple[bytes, str]:
    """(bytes without BOM, the encoding to decode them with); warns on a non-UTF-8 file."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        log.warning(filename, "is UTF-16 text; read it as such (UTF-8 is preferred)")
        return data.decode("utf-16").encode("utf-8"), "utf-8"
    try:
        data.decode("utf-8")
        return data, "utf-8"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("cp1252")
            encoding, label = "cp1252", "Windows-1252"
        except UnicodeDecodeError:
            encoding, label = "latin-1", "Latin-1"
        sample = data.splitlines()[line - 1][:60].decode(encoding, errors="replace")
        log.warning(
            filename,
            f"is not UTF-8 text; read as {label}, check the letters ä, ö, å "
            f"(e.g. {sample!r}) and save as UTF-8",
            line=line,
        )
        return data, encoding


def header_text(filename: str) -> str:
    return ",".join(c.name for c in FILES[filename] if c.required)


def detect_separator(first_line: str, filename: str) -> str:
    """The separator whose split of the header line gives the most known column names; `,`
    unless another gives strictly more (a `;`-file's header has no commas, so this is safe)."""
    known = {c.name for c in FILES[filename]}
    best, best_count = ",", -1
    for sep in SEPARATORS:
        names = next(csv.reader([first_line], delimiter=sep), [])
        count = len({n.strip() for n in names} & known)
        if count > best_count:
            best, best_count = sep, count
    return best


def record_layout(data: bytes, sep: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start line, field count, is blank) of every record of a CSV, by numpy over the bytes.

    Quotes are handled by parity: a newline or separator with an odd number of `"` before it
    is inside a quoted cell (doubled quotes inside a cell keep the parity). Files that break
    this (a stray quote in an unquoted cell) disagree with pandas' count and take the slow path.
    """
    b = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(b == 10)
    seps = np.flatnonzero(b == ord(sep))
    ends = newlines
    if b'"' in data:
        quotes = np.flatnonzero(b == 34)
        ends = newlines[(np.searchsorted(quotes, newlines) & 1) == 0]
        seps = seps[(np.searchsorted(quotes, seps) & 1) == 0]
    if len(b) and (len(ends) == 0 or ends[-1] != len(b) - 1):
        ends = np.append(ends, len(b))
    starts = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64)
    fields = np.searchsorted(seps, ends) - np.searchsorted(seps, starts) + 1
    length = ends - starts
    last = b[np.maximum(ends - 1, 0)] if len(b) else np.zeros(0, dtype=np.uint8)
    blank = (length == 0) | ((length == 1) & (last == 13))
    start_line = np.searchsorted(newlines, starts) + 1
    return start_line, fields, blank


@dataclass
class ParsedTable:
    """One CSV read into the parsed frame, with each row's physical line and the header."""

    file: str
    frame: pd.DataFrame
    lines: np.ndarray
    header: list[str]
    broken: bool = False  # missing, empty or without required columns: skip references to it
    is_missing: bool = False

    @classmethod
    def missing(cls, filename: str, broken: bool) -> ParsedTable:
        return cls(filename, empty_frame(filename), np.zeros(0, dtype=np.int64), [], broken, True)


def read_table(filename: str, data: bytes, log: ProblemLog) -> ParsedTable:
    """Read one CSV of the instance: structure, header, then every cell by its column kind.

    The frame is not yet final: numeric columns are float64 (NaN where a cell was unreadable)
    and kv cells may be shared between rows with the same text; `read_instance_files` applies
    `typed_frame` and `unshare_kv` once no error was found.
    """
    data, encoding = to_utf8(filename, data, log)
    if b"\r" in data and b"\n" not in data:
        data = data.replace(b"\r", b"\n")  # old Mac line endings
    end = data.find(b"\n")
    first_line = data[: end if end >= 0 else len(data)].decode(encoding).strip("\r")
    if not first_line.strip():
        if filename in OPTIONAL_FILES and not data.strip():
            # no header to keep: written back with the standard one
            return ParsedTable.missing(filename, broken=False)
        what = "is empty" if not data.strip() else "has no header on line 1"
        log.error(
            filename,
            what,
            line=None if not data.strip() else 1,
            expected=f"a header line: {header_text(filename)}",
        )
        return ParsedTable(filename, empty_frame(filename), np.zeros(0, dtype=np.int64), [], True)

    sep = detect_separator(first_line, filename)
    if sep != ",":
        quoting = (
            "a list cell with several items must then be in double quotes, and "
            if sep == ";"
            else ""
        )
        log.warning(
            filename,
            f"is {SEPARATOR_NAMES[sep]}-separated; read it so ({quoting}a decimal "
            "comma is accepted)",
        )
    header = [n.strip() for n in next(csv.reader([first_line], delimiter=sep))]
    names, keep_columns = check_header(filename, header, log)
    errors_before = log.count()
    raw, lines = read_cells(filename, data, encoding, sep, names, log)
    rows_left_out = log.count() > errors_before

    # Excel artefacts: unnamed columns with nothing in them are dropped.
    for name in list(raw.columns):
        if name not in keep_columns:
            if (raw[name].to_numpy(dtype=object) != "").any():
                log.error(
                    filename,
                    "column has no name but holds values",
                    line=1,
                    column=f"#{names.index(name) + 1}",
                    expected="a column name in the header",
                )
            raw = raw.drop(columns=name)
    header = [h for h, n in zip(header, names, strict=True) if n in keep_columns]

    frame, _ = parse_columns(filename, raw, lines, sep, log)
    # With rows left out, references into this file would be reported wrongly (ids it lacks
    # only because of the broken rows); a missing id column is handled by the checks.
    return ParsedTable(filename, frame, lines, header, broken=rows_left_out)


def check_header(filename: str, header: list[str], log: ProblemLog) -> tuple[list[str], set[str]]:
    """Report missing required columns and repeated names; (unique names for the reader,
    names of the columns to keep)."""
    present = set(header)
    lower = {h.lower(): h for h in header}
    columns = FILES[filename]
    known = sum(1 for c in columns if c.name in present)
    for col in columns:
        if col.required and col.name not in present:
            hint = ""
            if col.name.lower() in lower:
                hint = f" (found {lower[col.name.lower()]!r}: column names are case-sensitive)"
            elif known == 0:
                hint = (
                    f" (the header has none of the expected columns; found {', '.join(header[:8])})"
                )
            log.error(
                filename,
                f"required column is missing{hint}",
                line=1,
                column=col.name,
                expected=f"a header with {header_text(filename)}",
            )
    names, seen, keep = [], set(), set()
    for i, name in enumerate(header):
        unique = name or f"#{i + 1}"
        if name and name in seen:
            log.error(
                filename,
                "column appears twice in the header",
                line=1,
                column=name,
                expected="each column once",
            )
            unique = f"{name}#{i + 1}"
        seen.add(name)
        names.append(unique)
        if name:
            keep.add(unique)
    return names, keep


def read_cells(
    filename: str, data: bytes, encoding: str, sep: str, names: list[str], log: ProblemLog
) -> tuple[pd.DataFrame, np.ndarray]:
    """Every data cell as text (one row per non-blank record) and each row's start line."""
    start_line, fields, blank = record_layout(data, sep)
    width = len(names)
    regular = bool(np.all((fields[1:] == width) | blank[1:]))
    if regular:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            encoding=encoding,
            header=0,
            names=names,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            index_col=False,
            engine="c",
        )
        if len(frame) == len(start_line) - 1:
            keep = ~all_empty_rows(frame)
            if not keep.all():
                frame = frame[keep].reset_index(drop=True)
            return frame, start_line[1:][keep].astype(np.int64)
    return read_cells_slowly(filename, data.decode(encoding), sep, names, log)


def all_empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (blank lines, Excel's ',,,,'), found column by column
    among the rows still empty so far."""
    rows = np.arange(len(frame))
    for name in frame.columns:
        rows = rows[frame[name].to_numpy(dtype=object)[rows] == ""]
        if not len(rows):
            break
    empty = np.zeros(len(frame), dtype=bool)
    empty[rows] = True
    return empty


def read_cells_slowly(
    filename: str, text: str, sep: str, names: list[str], log: ProblemLog
) -> tuple[pd.DataFrame, np.ndarray]:
    """Record by record with the csv module, for files whose rows do not all have the header's
    width: each such row is reported and left out."""
    width = len(names)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows: list[list[str]] = []
    lines: list[int] = []
    previous = 0
    try:
        for number, row in enumerate(reader):
            start, previous = previous + 1, reader.line_num
            if number == 0 or all(not c.strip() for c in row):
                continue
            if len(row) > width and not any(c.strip() for c in row[width:]):
                row = row[:width]
            if len(row) != width:
                hint = ""
                if reader.line_num > start:
                    hint = f"; the row runs to line {reader.line_num}: an unclosed double quote?"
                elif sep == ";" and len(row) > width:
                    hint = "; in a ';'-separated file put a list cell with several items in double quotes"
                log.error(
                    filename,
                    f"row has {len(row)} cells but the header has {width}{hint}",
                    line=start,
                    expected=f"{width} cells separated by {SEPARATOR_NAMES[sep]}",
                )
                continue
            rows.append(row)
            lines.append(start)
    except csv.Error as exc:
        log.error(filename, f"cannot be read as CSV: {exc}", line=reader.line_num)
    frame = (
        pd.DataFrame(rows, columns=names, dtype=object)
        if rows
        else pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
    )
    return frame, np.asarray(lines, dtype=np.int64)


# ---------------------------------------------------------------- cells


CellParser = Callable[[str], tuple[Any, str | None, str | None]]


def parse_columns(
    filename: str, raw: pd.DataFrame, lines: np.ndarray, sep: str, log: ProblemLog
) -> tuple[pd.DataFrame, bool]:
    """The parsed frame (file's columns in order, then absent optional ones empty) and whether
    every cell could be read. Unknown columns stay text as read."""
    spec = {c.name: c for c in FILES[filename]}
    n = len(raw)
    data: dict[str, Any] = {}
    ok = True
    for name in raw.columns:
        col = spec.get(name)
        if col is None:
            data[name] = raw[name].to_numpy(dtype=object)
            continue
        values, good = parse_column(
            filename, col, raw[name].to_numpy(dtype=object), lines, sep, log
        )
        data[name] = values
        ok &= good
    for col in FILES[filename]:
        if col.name in data or col.required:
            continue  # a missing required column is an error; the frame goes without it
        if col.kind in ("list", "kv"):
            data[col.name] = pd.Series(
                [() if col.kind == "list" else {} for _ in range(n)], dtype=object
            )
        else:
            data[col.name] = np.full(n, EMPTY_BY_KIND[col.kind], dtype=_dtype(col))
    frame = pd.DataFrame({k: pd.Series(v, dtype=_dtype(spec.get(k))) for k, v in data.items()})
    return frame, ok


def _dtype(col: Column | None) -> Any:
    if col is not None and col.kind in ("int", "float", "opt_int"):
        return np.float64  # typed_frame makes ints int64 once every cell is known good
    if col is not None and col.kind == "bool":
        return bool
    return object


def parse_column(
    filename: str, col: Column, cells: np.ndarray, lines: np.ndarray, sep: str, log: ProblemLog
) -> tuple[np.ndarray, bool]:
    """Parse one column, each distinct cell text once; log every bad cell with its line."""
    if col.kind in ("int", "float"):
        fast = numbers_fast(cells, col.kind)
        if fast is not None:
            return fast, True
    codes, uniques = pd.factorize(cells)
    if col.kind in ("str", "list"):  # never wrong here: emptiness is validate's business
        split = split_list if col.kind == "list" else str.strip
        values = np.fromiter(map(split, uniques), dtype=object, count=len(uniques))
        return (values[codes] if len(codes) else np.zeros(0, dtype=object)), True
    parser = cell_parser(col, decimal_comma=sep != ",")
    parsed = [parser(u.strip()) for u in uniques]
    values = np.empty(len(uniques), dtype=object)
    for i, (value, _, _) in enumerate(parsed):
        values[i] = value
    bad_unique = np.fromiter((p[1] is not None for p in parsed), dtype=bool, count=len(parsed))
    out = values[codes] if len(codes) else np.zeros(0, dtype=object)
    if col.kind in ("int", "float", "opt_int"):
        out = out.astype(np.float64)
    elif col.kind == "bool":
        out = out.astype(bool)
    if not bad_unique.any():
        return out, True
    bad_rows = np.flatnonzero(bad_unique[codes])
    shown = bad_rows[: log.limit]
    messages = [parsed[codes[r]][1] or "" for r in shown]
    shown_values = [parsed[codes[r]][2] for r in shown]
    log.rows(
        filename,
        col.name,
        lines[bad_rows],
        shown_values,
        messages,
        EXPECTED_BY_KIND.get(col.kind, "a value"),
    )
    return out, False


def split_list(text: str) -> tuple[str, ...]:
    """A list cell: items separated by ';', each stripped, empty ones dropped."""
    text = text.strip()
    if not text:
        return ()
    if " " not in text and ";;" not in text and text[0] != ";" and text[-1] != ";":
        return tuple(text.split(";"))
    return tuple(s for s in (p.strip() for p in text.split(";")) if s)


def numbers_fast(cells: np.ndarray, kind: str) -> np.ndarray | None:
    """A whole numeric column converted in C when every cell is a plain number, else None
    (then each distinct cell is parsed on its own, to report the bad ones)."""
    try:
        values = cells.astype(np.int64 if kind == "int" else np.float64).astype(np.float64)
    except (ValueError, TypeError, OverflowError):
        return None
    return values if np.isfinite(values).all() else None


def cell_parser(col: Column, decimal_comma: bool) -> CellParser:
    """A function from a stripped cell text to (value, error message or None, value shown)."""

    def missing(text: str) -> tuple[Any, str | None, str | None]:
        if col.allow_empty:
            return EMPTY_BY_KIND[col.kind], None, None
        return math.nan, "missing value", None

    def whole(text: str) -> tuple[Any, str | None, str | None]:
        if not text:
            return missing(text)
        try:
            return float(int(text)), None, None
        except ValueError:
            pass
        number = _float(text, decimal_comma)
        if number is None or not number.is_integer():
            return math.nan, "is not a whole number", text
        return number, None, None

    def real(text: str) -> tuple[Any, str | None, str | None]:
        if not text:
            return missing(text)
        number = _float(text, decimal_comma)
        if number is None:
            return math.nan, "is not a number", text
        return number, None, None

    def boolean(text: str) -> tuple[Any, str | None, str | None]:
        word = text.lower()
        if word in TRUE_WORDS:
            return True, None, None
        if word in FALSE_WORDS:
            return False, None, None
        return False, "is not true or false", text

    def pairs(text: str) -> tuple[Any, str | None, str | None]:
        out: dict[str, float] = {}
        for entry in (p.strip() for p in text.split(";")):
            if not entry:
                continue
            key, colon, number = entry.partition(":")
            key = key.strip()
            value = _float(number.strip(), decimal_comma) if colon else None
            if not key or value is None:
                return {}, "is not key:number", entry
            if key in out:
                return {}, f"repeats the key {key!r}", text
            out[key] = value
        return out, None, None

    def text_cell(text: str) -> tuple[Any, str | None, str | None]:
        return text, None, None

    return {
        "int": whole,
        "opt_int": whole,
        "float": real,
        "bool": boolean,
        "kv": pairs,
        "str": text_cell,
    }[col.kind]


def _float(text: str, decimal_comma: bool) -> float | None:
    """A finite number from text (decimal comma allowed in ';'/tab files), else None."""
    if decimal_comma and "," in text and "." not in text:
        text = text.replace(",", ".", 1)
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
