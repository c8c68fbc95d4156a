"""The period report as files: one CSV per table, one XLSX workbook (a sheet per table) and a
Markdown summary, headings and coded cells (placement types, client groups, fairness units) in
the report's language from the message catalogue — the JSON keeps the codes; every text cell
spreadsheet-safe (models/csvsafe.py) and every file written atomically."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from instances.atomic import atomic_path, write_text_atomic
from matcher.messages import CATALOGUE, language, say, words
from matcher.report.figures import Cell, Report, Table
from models.csvsafe import neutralise

XLSX_FILE = "report.xlsx"
MARKDOWN_FILE = "report.md"
SHEET_NAME_MAX = 31  # Excel's limit on a sheet name
# the control characters a worksheet cannot hold (openpyxl refuses the whole workbook for one)
ILLEGAL_IN_SHEET = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportError(RuntimeError):
    """A report file cannot be made (openpyxl missing for the workbook)."""


def heading(key: str) -> str:
    """A column heading in the current language: `report.col.<key>`, or for an outcome
    category's count (`n:<category>`) and share (`share:<category>`) the category's name
    (`outcome.<category>`, shared with the pages; a category the catalogue lacks shows as its key)."""
    kind, _, category = key.partition(":")
    if not category:
        return words(f"report.col.{key}")
    name = f"outcome.{category}"
    return say(f"report.col.{kind}_of", category=words(name) if name in CATALOGUE else category)


# a column of codes → the catalogue prefix of their labels (shared with the pages)
LABELS = {"type": "type.", "group": "page.group.", "outcome": "outcome."}


def code_label(kind: str, code: str) -> str:
    """A code's label in the current language (`type` work_trial → työkokeilu); a code of a
    kind without labels (a municipality, a provider id) or missing from the catalogue as it is."""
    key = LABELS.get(kind, "\0") + code
    return words(key) if key in CATALOGUE else code


def unit_label(kind: str | None, code: str) -> str:
    """A `unit` cell's label: of `kind` when the table says it, else a fairness unit named
    `kind:code` ("group:youth" → "asiakasryhmä: alle 25-vuotiaat")."""
    if kind is not None:
        return code_label(kind, code)
    kind, _, name = code.partition(":")
    if not name:
        return code
    by = f"report.by.{kind}"
    return f"{words(by) if by in CATALOGUE else kind}: {code_label(kind, name)}"


def labelled(table: Table, lang: str) -> list[list[Cell]]:
    """The rows of `table` as the files show them: every coded cell as its label in `lang`."""
    with language(lang):
        out = []
        for i, row in enumerate(table.rows):
            kind = table.unit_kinds[i] if table.unit_kinds else None
            out.append(
                [
                    cell
                    if not isinstance(cell, str) or not cell
                    else unit_label(kind, cell)
                    if column == "unit"
                    else code_label(column, cell)
                    for column, cell in zip(table.columns, row, strict=True)
                ]
            )
        return out


def headings(table: Table, lang: str) -> list[str]:
    """The column headings of `table` in `lang`."""
    with language(lang):
        return [heading(key) for key in table.columns]


def title(table: Table, lang: str) -> str:
    """The table's title in `lang` (also its sheet name)."""
    with language(lang):
        return words(f"report.table.{table.name}")


def safe(cell: Cell) -> Cell:
    """A cell as written: text neutralised against formulas, numbers as they are, None empty."""
    if cell is None:
        return ""
    return neutralise(cell) if isinstance(cell, str) else cell


def sheet_cell(cell: Cell) -> Cell:
    """A cell as the workbook holds it: `safe`, and a control character a sheet cannot hold
    shown as U+FFFD (an export's stray byte must not stop the funders' report)."""
    if cell is None:
        return None
    out = safe(cell)
    return ILLEGAL_IN_SHEET.sub("\ufffd", out) if isinstance(out, str) else out


def csv_text(table: Table, lang: str) -> str:
    """One table as CSV text (comma-separated, headings in `lang` first)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralise(h) for h in headings(table, lang)])
    writer.writerows([safe(c) for c in row] for row in labelled(table, lang))
    return buf.getvalue()


def xlsx_bytes(report: Report) -> bytes:
    """The workbook: one sheet per table, headings in bold, numbers as numbers."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
    except ModuleNotFoundError as exc:
        raise ExportError("the XLSX workbook needs openpyxl: pip install 'polku[report]'") from exc
    book = Workbook()
    book.remove(book.active)
    for table in report.tables:
        heads = headings(table, report.lang)
        sheet = book.create_sheet(title(table, report.lang)[:SHEET_NAME_MAX])
        sheet.append([sheet_cell(h) for h in heads])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in labelled(table, report.lang):
            sheet.append([sheet_cell(c) for c in row])
        for k, head in enumerate(heads, start=1):
            sheet.column_dimensions[sheet.cell(1, k).column_letter].width = max(10, len(head) + 2)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_zip_bytes(report: Report) -> bytes:
    """Every table's CSV in one zip (the API's `format=csv` without `table`)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for table in report.tables:
            z.writestr(f"{table.name}.csv", csv_text(table, report.lang))
    return buf.getvalue()


def _md_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:,.2f}".replace(",", " ") if abs(cell) >= 1000 else f"{cell:g}"
    return str(cell).replace("|", "\\|")


def markdown(report: Report, names: tuple[str, ...] | None = None) -> str:
    """The report (or the tables named) as Markdown: a heading per table, then its rows."""
    with language(report.lang):
        return _markdown(report, names)


def _markdown(report: Report, names: tuple[str, ...] | None) -> str:
    lines = [f"# {say('report.title', first=report.first, last=report.last)}", ""]
    lines.append(say("report.weeks_found", weeks=", ".join(report.weeks)))
    if report.missing:
        lines.append(say("report.weeks_missing", weeks=", ".join(report.missing)))
    for table in report.tables:
        if names is not None and table.name not in names:
            continue
        lines += ["", f"## {title(table, report.lang)}", ""]
        if not table.rows:
            key = f"report.empty.{table.name}"
            lines.append(words(key if key in CATALOGUE else "report.empty"))
            continue
        lines.append("| " + " | ".join(headings(table, report.lang)) + " |")
        lines.append("|" + "---|" * len(table.columns))
        rows = labelled(table, report.lang)
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_report(report: Report, out: str | Path) -> list[Path]:
    """Write every table's CSV, the workbook and report.md into `out`, each atomically; the paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in report.tables:
        path = folder / f"{table.name}.csv"
        write_text_atomic(path, csv_text(table, report.lang))
        paths.append(path)
    with atomic_path(folder / XLSX_FILE, ".xlsx") as tmp:
        tmp.write_bytes(xlsx_bytes(report))
    paths.append(folder / XLSX_FILE)
    write_text_atomic(folder / MARKDOWN_FILE, markdown(report))
    paths.append(folder / MARKDOWN_FILE)
    return paths
