"""cli/demo.py: the demo's week becomes the first of a two-week period (so week 49 has money)."""

from __future__ import annotations

import shutil
from pathlib import Path

from cli.demo import declare_period
from instances.read import read_instance
from models.period import read_period

SMALL = Path(__file__).parents[2] / "instances" / "examples" / "small"


def test_the_period_appropriation_is_the_week_budget_times_its_weeks(tmp_path: Path) -> None:
    folder = tmp_path / "week"
    shutil.copytree(SMALL, folder)
    before = read_instance(folder).pools.set_index("id")["budget"]
    assert declare_period(folder, "2026-W48", "2026-W49") == 2
    inst = read_instance(folder)
    period = read_period(inst)
    assert period is not None
    by_pool = {p.pool_id: p for p in period.pools}
    assert set(by_pool) == set(before.index)
    for pool_id, budget in before.items():
        assert by_pool[pool_id].budget == round(2 * budget, 2)
        assert by_pool[pool_id].spent == 0.0
    assert (inst.pools.set_index("id")["budget"] == before).all()  # the week's pace as it was
