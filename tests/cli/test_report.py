"""`polku report` and `polku next-week` on a chain of week folders: files written, the summary
printed, bad input a message with exit 2."""

from __future__ import annotations

import json
import shutil

import openpyxl

from cli.main import main as polku
from instances.write import write_instance
from tests.matcher.report.cases import chain


def write_chain(root):
    """The two-week chain as week folders: instance files + allocation.json each."""
    for w in chain():
        folder = root / w.week
        write_instance(w.instance, folder)
        (folder / "allocation.json").write_text(json.dumps(w.allocation.to_dict()), "utf-8")
    return root


def test_report_writes_its_files_and_prints_the_summary(tmp_path, capsys) -> None:
    root = write_chain(tmp_path / "chain")
    out = tmp_path / "rep"
    code = polku(["report", str(root), "--from", "2026-W48", "--to", "2026-W49", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "# Period report 2026-W48–2026-W49" in printed and "| Total | 4 | 3 |" in printed
    assert (out / "weeks.csv").read_text("utf-8").splitlines()[1].startswith("2026-W48,3,2,")
    sheet = openpyxl.load_workbook(out / "report.xlsx")["Weeks"]
    assert [c.value for c in sheet[4]][:3] == ["Total", 4, 3]


def test_report_in_finnish(tmp_path, capsys) -> None:
    root = write_chain(tmp_path / "chain")
    args = ["report", str(root), "--from", "2026-W48", "--to", "2026-W49", "--lang", "fi"]
    assert polku([*args, "--out", str(tmp_path / "rep")]) == 0
    assert "# Kausiraportti" in capsys.readouterr().out
    assert (tmp_path / "rep" / "pools.csv").read_text("utf-8").startswith("Rahoitus,")


def test_bad_input_is_a_message_and_exit_2(tmp_path, capsys) -> None:
    root = write_chain(tmp_path / "chain")
    assert polku(["report", str(root), "--from", "2026-W49", "--to", "2026-W48"]) == 2
    assert "from 2026-W49 is after to 2026-W48" in capsys.readouterr().err
    assert polku(["report", str(root), "--from", "2026-W40", "--to", "2026-W41"]) == 2
    assert "no week folder" in capsys.readouterr().err
    shutil.copytree(root / "2026-W48", root / "copy")
    assert polku(["report", str(root), "--from", "2026-W48", "--to", "2026-W49"]) == 2
    assert "two folders hold week 2026-W48" in capsys.readouterr().err
    (root / "copy" / "allocation.json").write_text("{", "utf-8")
    shutil.rmtree(root / "2026-W48")
    assert polku(["report", str(root), "--from", "2026-W48", "--to", "2026-W49"]) == 2
    assert "copy/allocation.json: not valid JSON" in capsys.readouterr().err


def test_report_from_the_services_database(tmp_path, capsys) -> None:
    from tests.api.support import make_api

    api = make_api(tmp_path)
    run = api.solved_run(api.upload_week())
    assert api.post(f"/runs/{run}/publish").status_code == 200
    placed = len(api.get(f"/runs/{run}/allocation").json()["assignments"])
    api.client.close()
    db = str(tmp_path / "polku.sqlite")
    args = ["report", "--db", db, "--region", "savo", "--from", "2026-W48", "--to", "2026-W48"]
    assert polku([*args, "--out", str(tmp_path / "rep")]) == 0
    assert f"| 2026-W48 | 4 | {placed} |" in capsys.readouterr().out  # c1, c2, c3 and c5
    assert polku([*args[:4], "kainuu", *args[5:]]) == 2
    assert "no published run of region 'kainuu'" in capsys.readouterr().err
    assert polku(["report", "--db", db, "--from", "2026-W48", "--to", "2026-W48"]) == 2
    assert "--db needs --region" in capsys.readouterr().err
