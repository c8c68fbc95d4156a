"""matcher/report/export.py: CSV and XLSX round-trip cell for cell, headings in the report's
language, formula-looking text neutralised, files written whole."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from matcher.report import period_report
from matcher.report.export import csv_text, csv_zip_bytes, headings, markdown, write_report
from models.csvsafe import restore
from tests.matcher.report.cases import chain

FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(scope="module")
def report():
    return period_report(chain(reason=FORMULA), "2026-W48", "2026-W49", lang="fi")


def expected(cell):
    """A cell as the files hold it: None empty, text neutralised, numbers as they are."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return "'" + cell if cell.startswith(("=", "+", "-", "@")) else cell
    return cell


def test_files_are_written_and_the_workbook_reads_back_cell_for_cell(report, tmp_path) -> None:
    paths = write_report(report, tmp_path / "out")
    names = sorted(p.name for p in paths)
    assert names == sorted([f"{t.name}.csv" for t in report.tables] + ["report.xlsx", "report.md"])
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp left
    book = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    assert book.sheetnames[0] == "Viikot"
    for table, sheet in zip(report.tables, book.worksheets, strict=True):
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert values[0] == headings(table, "fi")
        assert values[1:] == [[expected(c) for c in row] for row in table.rows]


def test_a_formula_looking_cell_is_text_in_both_files(report, tmp_path) -> None:
    write_report(report, tmp_path / "out")
    book = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    sheet = book["Rahoitus kaudella"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    evil = [c for c in cells if "HYPERLINK" in c.value]
    assert evil and all(c.data_type == "s" and c.value == "'" + FORMULA for c in evil)
    rows = list(csv.reader(io.StringIO(csv_text(report.table("pools"), "fi"))))
    assert rows[0][0] == "Rahoitus" and rows[1][1] == "'" + FORMULA
    assert restore(rows[1][1]) == FORMULA


def test_csv_reads_back_as_the_table(report) -> None:
    table = report.table("by_municipality")
    rows = list(csv.reader(io.StringIO(csv_text(table, "en"))))
    assert rows[0] == [
        "Municipality",
        "Queue weeks",
        "Clients in the queue",
        "Placed",
        "Share placed",
        "Share of the queue",
        "Share of the placed",
        "Waiting weeks, mean",
        "Waiting weeks, 90th percentile",
    ]
    assert rows[1:] == [["" if c is None else str(c) for c in row] for row in table.rows]
    with zipfile.ZipFile(io.BytesIO(csv_zip_bytes(report))) as z:
        assert sorted(z.namelist()) == sorted(f"{t.name}.csv" for t in report.tables)


def test_markdown_names_the_range_and_every_table() -> None:
    text = markdown(period_report(chain(), "2026-W48", "2026-W49", lang="en"))
    assert text.startswith("# Period report 2026-W48–2026-W49")
    assert "## Funding over the period" in text and "No fairness floor" in text


def test_control_characters_in_a_text_cell_do_not_stop_the_workbook(tmp_path) -> None:
    # an export's pool name with a control character (openpyxl refuses those in a sheet)
    name = "Pori\x01lisä\x1b"
    report = period_report(chain(reason=name), "2026-W48", "2026-W49", lang="en")
    write_report(report, tmp_path / "out")
    book = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    cells = [c.value for row in book["Funding over the period"].iter_rows() for c in row]
    assert "Pori\ufffdlisä\ufffd" in cells
    rows = list(csv.reader(io.StringIO(csv_text(report.table("pools"), "en"))))
    assert rows[1][1] == name  # the CSV keeps the text as it came
