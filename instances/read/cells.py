"""Cell parsers: each column parsed once per distinct value, by its kind in models.schema."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from instances.build import EMPTY_BY_KIND
from instances.problems import ProblemLog
from models.schema import FILES, Column

TRUE_WORDS = frozenset({"true", "1", "yes", "kyllä", "kylla", "k", "y"})
FALSE_WORDS = frozenset({"false", "0", "no", "ei", "e", "n", ""})
EXPECTED_BY_KIND = {
    "int": "a whole number",
    "opt_int": "a whole number or empty",
    "float": "a number with a decimal point",
    "bool": "true or false (also 1/0, yes/no, kyllä/ei)",
    "kv": "key:number items separated by ';'",
}


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
