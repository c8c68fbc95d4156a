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

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from instances.build import typed_frame
from instances.problems import Problem, ProblemLog
from instances.read.archives import INSTANCE_JSON, load_files
from instances.read.header import read_instance_json
from instances.read.tables import ParsedTable, header_text, read_table
from instances.validate import check_instance
from models.instance import Instance
from models.rules import Rules
from models.schema import FILES, OPTIONAL_FILES
from models.weights import Weights


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
        outcomes=tables["outcomes.csv"].frame,
        followups=tables["followups.csv"].frame,
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
