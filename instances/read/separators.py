"""CSV structure: which separator a file uses, and where each record starts, by numpy."""

from __future__ import annotations

import csv

import numpy as np

from models.schema import FILES

SEPARATORS = (",", ";", "\t")
SEPARATOR_NAMES = {",": "','", ";": "';'", "\t": "tab"}


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
