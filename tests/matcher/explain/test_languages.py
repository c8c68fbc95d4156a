"""Explanations in English and Finnish: the English text is unchanged (snapshot taken before the
message catalogue), and the Finnish one holds no English catalogue text."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from instances.generate import generate_instance
from instances.read import read_instance
from matcher.allocation.result import to_allocation
from matcher.allocation.solve import SolveOptions, solve
from matcher.explain.formatting import format_client, format_placement
from matcher.explain.unassigned import reasons_for_unassigned
from matcher.explain.views import explain_client, explain_placement
from matcher.messages import current
from models.allocation import Allocation
from models.instance import Instance
from tests.factories import english_in

SNAPSHOTS = Path(__file__).with_name("snapshots")
SMALL = Path(__file__).parents[3] / "instances" / "examples" / "small"


def _explain_all(inst: Instance, alloc: Allocation, lang: str, step: int = 1) -> list[str]:
    """Every client's and placement's explanation as text and JSON (the snapshot's layout)."""
    out = []
    for cid in list(inst.clients["id"].astype(str))[::step]:
        e = explain_client(inst, alloc, cid, lang=lang)
        out += [format_client(e, lang=lang), json.dumps(e, ensure_ascii=False, sort_keys=True)]
    for pid in list(inst.placements["id"].astype(str))[::step]:
        e = explain_placement(inst, alloc, pid, lang=lang)
        out += [format_placement(e, lang=lang), json.dumps(e, ensure_ascii=False, sort_keys=True)]
    return out


def test_english_explanations_of_small_are_unchanged() -> None:
    inst = read_instance(SMALL)
    raw = json.loads((SNAPSHOTS / "small_allocation.json").read_text(encoding="utf-8"))
    got = "\n".join(_explain_all(inst, Allocation.from_dict(raw), "en")) + "\n"
    assert got == (SNAPSHOTS / "small_en.txt").read_text(encoding="utf-8")


def test_the_fragment_check_finds_english() -> None:
    assert "is below its minimum" in english_in(["work ability 2 is below its minimum 3"])


def test_finnish_explanations_of_small_hold_no_english_reason() -> None:
    inst = read_instance(SMALL)
    raw = json.loads((SNAPSHOTS / "small_allocation.json").read_text(encoding="utf-8"))
    fi = _explain_all(inst, Allocation.from_dict(raw), "fi")
    assert english_in(fi) == []
    assert any("työkyky" in t for t in fi) and any("SIJOITETTU" in t for t in fi)
    assert current() == "en"


@pytest.mark.slow
def test_finnish_reasons_of_a_demo_sized_week_hold_no_english_reason() -> None:
    inst = generate_instance("pohjois-savo", 3000, seed=48, week="2026-W48")
    result = solve(inst, SolveOptions(time_limit=20.0))
    left = np.arange(inst.columns.n_clients)
    reasons = reasons_for_unassigned(inst, result, left, lang="fi")
    texts = [line for lines in reasons.values() for line in lines]
    assert len(texts) > 1000
    assert english_in(texts) == []
    alloc = to_allocation(inst, result)
    sample = [
        json.dumps(explain_client(inst, alloc, c, lang="fi"), ensure_ascii=False)
        for c in list(inst.clients["id"].astype(str))[::25]
    ]
    assert english_in(sample) == []


def test_finnish_shortlists_of_small_hold_no_english_reason(tmp_path: Path) -> None:
    from cli.main import main

    out = tmp_path / "shortlists.json"
    argv = ["shortlist", str(SMALL), "--per-seat", "3", "--time-limit", "10", "--out", str(out)]
    assert main([*argv, "--lang", "fi"]) == 0
    lists = json.loads(out.read_text(encoding="utf-8"))
    why = [w for lst in lists["lists"] for cand in lst["candidates"] for w in cand["why"]]
    reasons = [r for u in lists["unlisted"] for r in u["reasons"]]
    assert why and reasons and english_in(why + reasons) == []
    assert any(w.startswith("sija 1/") for w in why)
