"""instances/ends.py and `polku next-week --ends`: early ends from a file, errors naming the
line and column, and the snapshot's outcome history read back."""

from __future__ import annotations

import json

import pytest

from cli.main import main
from instances.ends import EndsError, read_ends
from instances.read import read_instance
from tests.factories import ROOT

SMALL = ROOT / "instances" / "examples" / "small"


def test_ends_are_read_with_the_spreadsheet_apostrophe_removed(tmp_path):
    path = tmp_path / "ends.csv"
    path.write_text("client_id,placement_id,end_week,reason\nc1,p1,2026-W48,'=moved\n")
    assert read_ends(path).to_dict("records") == [
        {
            "client_id": "c1",
            "placement_id": "p1",
            "end_week": "2026-W48",
            "reason": "=moved",
            "by": "",
            "at": "",
        }
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("client_id,placement_id,reason\nc1,p1,x\n", "line 1: missing column(s) end_week"),
        ("client_id,placement_id,end_week,reason\nc1,p1,48,x\n", "line 2, column end_week"),
        ("client_id,placement_id,end_week,reason\nc1,p1,2026-W48,\n", "line 2, column reason"),
        ("", "empty"),
    ],
)
def test_bad_ends_name_the_line_and_column(tmp_path, text, message):
    path = tmp_path / "ends.csv"
    path.write_text(text)
    with pytest.raises(EndsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_ends(path)


def test_next_week_from_files_applies_an_early_end(tmp_path, capsys):
    alloc = tmp_path / "allocation.json"
    assert main(["solve", str(SMALL), "--time-limit", "5", "--out", str(alloc)]) == 0
    first = json.loads(alloc.read_text())["assignments"][0]
    ends = tmp_path / "ends.csv"
    ends.write_text(
        "client_id,placement_id,end_week,reason\n"
        f"{first['client_id']},{first['placement_id']},2026-W48,motivation faded\n"
    )
    out = tmp_path / "w49"
    args = ["next-week", str(SMALL), str(alloc), "--ends", str(ends), "--out", str(out)]
    assert main(args) == 0
    assert "1 placements ended (1 early)" in capsys.readouterr().out
    new = read_instance(out)
    row = new.clients.set_index("id").loc[first["client_id"]]
    assert row["current_placement"] == ""  # back in the queue
    (ended,) = new.outcomes.to_dict("records")
    assert (ended["client_id"], ended["ended"], ended["end_reason"]) == (
        first["client_id"],
        "early",
        "motivation faded",
    )
    ends.write_text("client_id,placement_id,end_week,reason\nnobody,p01,2026-W48,x\n")
    assert main(args) == 2
    assert "no such client" in capsys.readouterr().err
