"""The national benchmark's tools: the CSV that widens its header, and the tree-RSS runner."""

from __future__ import annotations

import csv
import sys

from benchmarks.national import append_row
from benchmarks.peak_rss import main as peak_rss


def test_append_row_widens_the_header(tmp_path):
    out = tmp_path / "n.csv"
    append_row(out, {"a": 1, "b": 2})
    append_row(out, {"a": 3, "c": 4})
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == [{"a": "1", "b": "2", "c": ""}, {"a": "3", "b": "", "c": "4"}]


def test_peak_rss_sees_a_child_that_holds_memory(tmp_path, capsys):
    code = "import time; b = bytearray(300 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(3)"
    log = tmp_path / "rss.csv"
    assert peak_rss(["--every", "0.2", "--log", str(log), "--", sys.executable, "-c", code]) == 0
    out = capsys.readouterr().out
    peak = float(out.rsplit("peak tree RSS ", 1)[1].split()[0])
    assert peak >= 0.29  # the 300 MiB the child touched
    assert log.read_text().startswith("seconds,tree_gib,available_gib\n")


def test_peak_rss_passes_the_exit_code():
    assert peak_rss(["--", sys.executable, "-c", "raise SystemExit(5)"]) == 5
