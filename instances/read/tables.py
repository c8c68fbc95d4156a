"""One CSV of an instance read into a frame: the header checked, every cell as text, then parsed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from instances.problems import ProblemLog
from instances.read.cells import parse_columns
from instances.read.encodings import to_utf8
from instances.read.separators import SEPARATOR_NAMES, detect_separator, record_layout
from models.csvsafe import restore_all
from models.instance import empty_frame
from models.schema import FILES, OPTIONAL_FILES


def header_text(filename: str) -> str:
    return ",".join(c.name for c in FILES[filename] if c.required)


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
    restore_text(filename, raw)

    frame, _ = parse_columns(filename, raw, lines, sep, log)
    # With rows left out, references into this file would be reported wrongly (ids it lacks
    # only because of the broken rows); a missing id column is handled by the checks.
    return ParsedTable(filename, frame, lines, header, broken=rows_left_out)


def restore_text(filename: str, raw: pd.DataFrame) -> None:
    """Undo the spreadsheet-safe apostrophe Polku writes before = + - @ in free-text cells
    (models.csvsafe), in place; numeric columns are left alone."""
    kinds = {c.name: c.kind for c in FILES[filename]}
    for name in raw.columns:
        if kinds.get(name) in (None, "str", "list"):
            marked = raw[name].str.startswith("'", na=False).to_numpy()
            if marked.any():
                values = raw[name].to_numpy(dtype=object).copy()
                values[marked] = restore_all(values[marked].tolist())
                raw[name] = values


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
