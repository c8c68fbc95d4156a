"""Tests of `polku validate PATH`: exit codes and what a coordinator sees."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from instances.write import write_instance
from tests.instances.cases import set_cell, valid_instance


def test_valid_instance_prints_a_summary_and_exits_0(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out == (
        "OK: test-2026-W48 — 3 clients (2 in queue), 3 placements (5 free seats), "
        "2 providers, 2 pools, 1 decisions\n"
    )


def test_zip_is_validated_too(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_instance(valid_instance(), tmp_path / "w48.zip")
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("OK: test-2026-W48 — 3 clients")


def test_every_problem_is_printed_one_per_line_and_exits_2(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_cell(folder, "clients.csv", 3, "work_ability", "9")
    set_cell(folder, "placements.csv", 2, "type", "internship")
    assert main(["validate", str(folder)]) == 2
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == (
        "clients.csv:3: column work_ability: value '9' is out of range "
        "(expected a whole number 1..5)"
    )
    assert lines[1].startswith(
        "placements.csv:2: column type: value 'internship' is not a "
        "placement type (expected one of work_trial, wage_subsidy"
    )
    assert len(lines) == 2
    assert "2 problems" in captured.err


def test_warnings_are_printed_before_the_summary(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "clients.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    assert main(["validate", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("warning: clients.csv:4: is not UTF-8 text; read as Windows-1252")
    assert lines[-1].startswith("OK: test-2026-W48")


def test_nonexistent_path_is_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    out = capsys.readouterr().out
    assert (
        out
        == f"{tmp_path / 'nowhere'}: no such folder or file (expected an instance folder or a .zip)\n"
    )
