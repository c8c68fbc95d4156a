"""matcher/report/export.py: CSV and XLSX round-trip cell for cell, headings and coded cells
(types, groups, fairness units) in the report's language, formula-looking text neutralised,
files written whole."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from matcher.messages import language
from matcher.report import period_report
from matcher.report.export import (
    csv_text,
    csv_zip_bytes,
    headings,
    labelled,
    markdown,
    unit_label,
    write_report,
)
from models.csvsafe import restore
from tests.matcher.report.cases import chain, chain_with_an_end

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
        assert values[1:] == [[expected(c) for c in row] for row in labelled(table, "fi")]


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


def test_coded_cells_are_labels_in_the_reports_language_in_every_file(tmp_path) -> None:
    report = period_report(chain_with_an_end(), "2026-W48", "2026-W49", lang="fi")
    types = list(csv.reader(io.StringIO(csv_text(report.table("by_type"), "fi"))))
    assert [r[0] for r in types[1:]] == ["työvalmennus", "työkokeilu"]  # coaching, work_trial
    units = list(csv.reader(io.StringIO(csv_text(report.table("outcomes"), "fi"))))
    assert [(r[0], r[1]) for r in units[1:]] == [
        ("kaikki", ""),
        ("järjestäjä", "v1"),  # ids and municipalities stay as they are
        ("palvelumuoto", "työvalmennus"),
        ("kunta", "Kuopio"),
        ("asiakasryhmä", "alle 25-vuotiaat"),  # youth
    ]
    write_report(report, tmp_path / "out")
    book = openpyxl.load_workbook(tmp_path / "out" / "report.xlsx")
    cells = {c.value for row in book.worksheets[1].iter_rows() for c in row}
    assert {"työvalmennus", "työkokeilu"} <= cells and not {"coaching", "work_trial"} & cells
    text = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert (
        "| palvelumuoto | työvalmennus |" in text and "| asiakasryhmä | alle 25-vuotiaat |" in text
    )
    assert "| coaching |" not in text and "| youth |" not in text
    # the JSON keeps the codes (the pages label them); English files say the English labels
    assert [r["type"] for r in report.table("by_type").records()] == ["coaching", "work_trial"]
    english = period_report(chain_with_an_end(), "2026-W48", "2026-W49", lang="en")
    assert labelled(english.table("outcomes"), "en")[4][:2] == ["client group", "under 25"]


def test_fairness_units_and_unknown_codes() -> None:
    with language("fi"):
        assert unit_label(None, "group:youth") == "asiakasryhmä: alle 25-vuotiaat"
        assert unit_label(None, "municipality:Kuopio") == "kunta: Kuopio"
        assert (
            unit_label(None, "group:ruotsinkieliset_nuoret")
            == "asiakasryhmä: ruotsinkieliset_nuoret"
        )
        assert unit_label("type", "training") == "koulutus" and unit_label("type", "x") == "x"
