"""instances/next_week.py on a hand-made week with every figure worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from instances.build import build_instance, frame_from_records
from instances.next_week import (
    NextWeekError,
    advance_week,
    months_begun,
    next_week,
    weeks_between,
)
from instances.read import read_instance
from instances.validate import validate_instance
from instances.write import write_instance
from models.allocation import Allocation, Assignment
from tests import factories


def week():
    base = dict(age=35, benefit_days=400, unemployed_months=14, weeks_since_activation=3)
    clients = [
        {**base, "id": "a"},  # placed at p1 this week
        {**base, "id": "b", "months_used": {"coaching": 1}},  # placed at p2
        {**base, "id": "c", "weeks_since_activation": None},  # waits
        {
            **base,
            "id": "d",
            "current_placement": "p2",
            "placement_start_week": "2026-W41",
            "months_used": {"coaching": 1.62},
        },  # 8-week coaching since W41: ends at W49
        {
            **base,
            "id": "e",
            "current_placement": "p1",
            "placement_start_week": "2026-W47",
            "months_used": {"work_trial": 0.23},
        },  # continues
        {**base, "id": "f", "current_placement": "p1"},  # no start week: stays
    ]
    seat = dict(lat=62.9, lon=27.7, funding_pools=["f1"])
    placements = [
        {
            **seat,
            "id": "p1",
            "type": "work_trial",
            "provider_id": "v1",
            "seats": 2,
            "duration_weeks": 12,
        },
        {
            **seat,
            "id": "p2",
            "type": "coaching",
            "provider_id": "v1",
            "seats": 1,
            "duration_weeks": 8,
        },
    ]
    providers = [{"id": "v1", "name": "V", "kind": "company", "municipality": "Kuopio"}]
    pools = [
        {"id": "f1", "name": "F", "budget": 5000.0, "types": [], "municipalities": []},
        {"id": "f2", "name": "G", "budget": 100.0, "types": [], "municipalities": []},
    ]
    decisions = [
        {"client_id": "c", "placement_id": "p1", "decision": "forbid", "reason": "no"},
        {"client_id": "c", "placement_id": "p2", "decision": "lock", "reason": "yes"},
        {"client_id": "a", "placement_id": "p1", "decision": "lock", "reason": "yes"},
    ]
    inst = build_instance(
        clients=[factories.client(**c) for c in clients],  # Kuopio, by car, every type
        placements=[factories.placement(**p) for p in placements],
        providers=providers,
        pools=pools,
        decisions=decisions,
        name="savo-2026-W48",
        week="2026-W48",
    )
    alloc = Allocation(
        instance=inst.name,
        status="OPTIMAL",
        objective=0,
        bound=0,
        solve_seconds=0,
        assignments=[
            Assignment("a", "p1", "f1", 1200.0, 10.0),
            Assignment("b", "p2", "f1", 800.0, 12.0),
        ],
    )
    return inst, alloc


def by_id(frame):
    return {r["id"]: r for r in frame.to_dict("records")}


def test_weeks():
    assert advance_week("2026-W48") == "2026-W49"
    assert advance_week("2026-W53") == "2027-W01"  # 2026 has 53 ISO weeks
    assert advance_week("2026-W52", 2) == "2027-W01"
    assert weeks_between("2026-W41", "2026-W49") == 8
    assert months_begun("2026-W48", "2026-W49") == 0  # Mon 23 Nov → Mon 30 Nov
    assert months_begun("2026-W49", "2026-W50") == 1  # Mon 30 Nov → Mon 7 Dec
    assert months_begun("2026-W48", "2027-W01") == 2
    with pytest.raises(NextWeekError):
        advance_week("week 48")
    with pytest.raises(NextWeekError):
        advance_week("2025-W53")  # 2025 has 52 weeks


def test_next_week_carries_the_allocation_forward():
    inst, alloc = week()
    new = next_week(inst, alloc)
    assert new.week == "2026-W49" and new.name == "savo-2026-W49"
    c = by_id(new.clients)
    # placed clients hold their seats from the published week on
    assert c["a"]["current_placement"] == "p1" and c["a"]["placement_start_week"] == "2026-W48"
    assert c["b"]["current_placement"] == "p2"
    # a week in a placement: months used grow by 12/52 = 0.23
    assert c["a"]["months_used"] == {"work_trial": 0.23}
    assert c["b"]["months_used"] == {"coaching": 1.23}
    assert c["e"]["months_used"] == {"work_trial": 0.46}
    assert c["f"]["months_used"] == {"work_trial": 0.23}
    # … and the same months at the placement's organiser (v1); the waiting client has none
    assert c["a"]["months_by_provider"] == {"v1": 0.23}
    assert c["b"]["months_by_provider"] == {"v1": 0.23}
    assert c["c"]["months_by_provider"] == {}
    # d's 8 weeks of coaching since W41 are over: back in the queue, the seat free again
    assert c["d"]["current_placement"] == "" and c["d"]["placement_start_week"] == ""
    assert c["d"]["months_used"] == {"coaching": 1.85}
    assert c["e"]["current_placement"] == "p1" and c["f"]["current_placement"] == "p1"
    # the waiting client: +5 benefit days; both Mondays are in November: no month begun
    assert c["c"]["benefit_days"] == 405
    assert c["c"]["unemployed_months"] == 14
    assert math.isnan(c["c"]["weeks_since_activation"])
    assert c["a"]["weeks_since_activation"] == 0 and c["a"]["benefit_days"] == 400
    assert c["d"]["weeks_since_activation"] == 0
    # seats: p1 2 − 1 (a) = 1; p2 1 − 1 (b) + 1 (d leaves) = 1
    seats = dict(zip(new.placements["id"], new.placements["seats"], strict=True))
    assert seats == {"p1": 1, "p2": 1}
    # budgets: f1 5000 − 1200 − 800; f2 untouched
    budgets = dict(zip(new.pools["id"], new.pools["budget"], strict=True))
    assert budgets == {"f1": 3000.0, "f2": 100.0}
    # decisions: the forbid stays; c's lock stays (c waits); a's lock goes (a holds p1 anyway)
    kept = {(r.client_id, r.placement_id, r.decision) for r in new.decision_records()}
    assert kept == {("c", "p1", "forbid"), ("c", "p2", "lock")}
    assert new.columns_in_file["clients.csv"][-1] == "placement_start_week"
    assert validate_instance(new) == []
    # the input is untouched
    assert by_id(inst.clients)["a"]["current_placement"] == ""


def test_several_weeks_and_given_decisions():
    inst, alloc = week()
    forbid_only = frame_from_records(
        "decisions.csv", [{"client_id": "b", "placement_id": "p1", "decision": "forbid"}]
    )
    new = next_week(inst, alloc, weeks=4, decisions=forbid_only)
    assert new.week == "2026-W52"
    c = by_id(new.clients)
    assert c["c"]["benefit_days"] == 420
    assert c["c"]["unemployed_months"] == 15  # December began
    assert c["a"]["months_used"] == {"work_trial": 0.92}
    assert [r.client_id for r in new.decision_records()] == ["b"]
    with pytest.raises(NextWeekError):
        next_week(inst, alloc, weeks=0)


def test_next_week_carries_period_spending_forward():
    inst, alloc = week()
    pools = inst.pools.copy()
    pools["period_budget"] = [20000.0, 500.0]
    pools["period_spent"] = [7000.0, float("nan")]  # an empty cell: nothing spent yet
    pools["period_end_week"] = ["2026-W52", "2026-W52"]
    inst.pools = pools
    new = next_week(inst, alloc)
    spent = dict(zip(new.pools["id"], new.pools["period_spent"], strict=True))
    assert spent == {"f1": 9000.0, "f2": 0.0}  # 7000 + 1200 + 800 committed to f1
    assert list(new.pools["period_budget"]) == [20000.0, 500.0]
    assert list(new.pools["period_end_week"]) == ["2026-W52", "2026-W52"]
    assert validate_instance(new) == []
    # a week without period budgets gets no spending figures
    plain = next_week(*week()).pools
    assert "period_spent" not in plain.columns or (plain["period_spent"].fillna(0) == 0).all()


def test_a_paced_week_keeps_its_pace_within_the_appropriation_left():
    # f1's week budget 5 000 is a pace of a 20 000 appropriation (7 000 spent before): the week
    # commits 2 000, so 11 000 is left and next week may again spend 5 000 — not 5 000 − 2 000,
    # which lost the appropriation's 8 000 beyond this week's pace for good
    inst, alloc = week()
    pools = inst.pools.copy()
    pools["period_budget"] = [20000.0, 150.0]
    pools["period_spent"] = [7000.0, 0.0]  # f2: 100 a week of 150, so only 50 left after it
    pools["period_end_week"] = ["2026-W52", "2026-W52"]
    inst.pools = pools
    alloc.assignments.append(Assignment("e", "p2", "f2", 100.0, 12.0))
    inst.clients.loc[inst.clients["id"] == "e", "current_placement"] = ""
    new = next_week(inst, alloc)
    budget = dict(zip(new.pools["id"], new.pools["budget"], strict=True))
    assert budget == {"f1": 5000.0, "f2": 50.0}
    # without an appropriation the budget is the period's: what is left of it
    plain = next_week(*week()).pools
    assert dict(zip(plain["id"], plain["budget"], strict=True)) == {"f1": 3000.0, "f2": 100.0}


def test_period_view_reads_the_columns_and_names_bad_cells():
    from models.period import PeriodError, read_period

    inst, _ = week()
    assert read_period(inst) is None or read_period(inst).pools == []
    pools = inst.pools.copy()
    pools["period_budget"] = ["20000", ""]
    pools["period_spent"] = ["7000", ""]
    pools["period_end_week"] = ["2026-W52", ""]
    inst.pools = pools
    inst.meta = {"period": {"prices": {"f1": 0.05}, "policy": "dual"}}
    period = read_period(inst)
    assert [(p.pool_id, p.budget, p.spent, p.left, p.price) for p in period.pools] == [
        ("f1", 20000.0, 7000.0, 13000.0, 0.05)
    ]
    pools["period_spent"] = ["lots", ""]
    with pytest.raises(PeriodError, match="line 2, column period_spent"):
        read_period(inst)


def test_an_ended_placement_is_written_to_the_history_and_read_back(tmp_path):
    inst, alloc = week()
    new = next_week(inst, alloc)
    rows = new.outcomes.to_dict("records")
    assert len(rows) == 1  # d's coaching ended on time: W41 + 8 weeks → last week W48
    (d,) = rows
    assert (d["client_id"], d["placement_id"], d["provider_id"], d["type"]) == (
        "d",
        "p2",
        "v1",
        "coaching",
    )
    assert (d["start_week"], d["end_week"], d["weeks"], d["ended"]) == (
        "2026-W41",
        "2026-W48",
        8,
        "on_time",
    )
    assert d["outcome"] == "" and d["groups"] == ()  # 35 years, 400 days: in no group
    write_instance(new, tmp_path / "w49")
    back = read_instance(tmp_path / "w49")
    assert back.outcomes.to_dict("records") == rows
    # the history travels: a week later d's row is still there
    nobody = Allocation(instance=back.name, status="OPTIMAL", objective=0, bound=0, solve_seconds=0)
    later = next_week(back, nobody)
    assert later.outcomes["client_id"].tolist() == ["d"]


def test_an_early_end_frees_the_seat_and_returns_the_client_with_what_was_used():
    inst, alloc = week()
    ends = pd.DataFrame(
        [
            # e has been in p1 since W47 and attended only W47
            {"client_id": "e", "placement_id": "p1", "end_week": "2026-W47", "reason": "=moved"},
            # a, placed this week, attends W48 and stops
            {"client_id": "a", "placement_id": "p1", "end_week": "2026-W48", "reason": "ill"},
        ]
    )
    new = next_week(inst, alloc, ends=ends)
    c = by_id(new.clients)
    assert c["e"]["current_placement"] == "" and c["a"]["current_placement"] == ""
    assert c["e"]["months_used"] == {"work_trial": 0.23}  # W47 only: nothing more this week
    assert c["e"]["months_by_provider"] == {}  # W47's month was never at an organiser here
    assert c["a"]["months_used"] == {"work_trial": 0.23} and c["a"]["months_by_provider"] == {
        "v1": 0.23
    }
    assert c["e"]["benefit_days"] == 405 and c["e"]["weeks_since_activation"] == 1  # W48 waited
    assert c["a"]["benefit_days"] == 400 and c["a"]["weeks_since_activation"] == 0
    seats = dict(zip(new.placements["id"], new.placements["seats"], strict=True))
    assert seats["p1"] == 3  # 2 free − 1 (a placed) + 1 (e ends) + 1 (a ends)
    rows = {r["client_id"]: r for r in new.outcomes.to_dict("records")}
    assert set(rows) == {"a", "d", "e"}
    assert (rows["e"]["ended"], rows["e"]["weeks"], rows["e"]["end_reason"]) == (
        "early",
        1,
        "=moved",
    )
    assert (rows["a"]["start_week"], rows["a"]["end_week"], rows["a"]["weeks"]) == (
        "2026-W48",
        "2026-W48",
        1,
    )
    assert rows["d"]["ended"] == "on_time"


@pytest.mark.parametrize(
    "end, message",
    [
        ({"client_id": "c", "placement_id": "p1", "end_week": "2026-W48"}, "in no placement"),
        ({"client_id": "e", "placement_id": "p2", "end_week": "2026-W48"}, "is in p1"),
        ({"client_id": "e", "placement_id": "p1", "end_week": "2026-W49"}, "not before"),
        ({"client_id": "e", "placement_id": "p1", "end_week": "49"}, "not an ISO week"),
        ({"client_id": "e", "placement_id": "p1", "end_week": "2026-W45"}, "began in 2026-W47"),
        ({"client_id": "zz", "placement_id": "p1", "end_week": "2026-W48"}, "no such client"),
    ],
)
def test_an_early_end_that_cannot_be_is_an_error_naming_it(end, message):
    inst, alloc = week()
    with pytest.raises(NextWeekError, match=message):
        next_week(inst, alloc, ends=pd.DataFrame([{**end, "reason": "x"}]))


def test_a_seat_starting_later_is_held_from_its_start_and_uses_no_months_before():
    inst, alloc = week()
    inst.placements["start_week"] = ["2026-W50", ""]  # p1's seats begin in W50
    new = next_week(inst, alloc)
    c = by_id(new.clients)
    assert c["a"]["current_placement"] == "p1" and c["a"]["placement_start_week"] == "2026-W50"
    assert c["a"]["months_used"] == {} and c["a"]["months_by_provider"] == {}
    nobody = Allocation(instance=new.name, status="OPTIMAL", objective=0, bound=0, solve_seconds=0)
    later = next_week(new, nobody, weeks=3)  # W49, W50 and W51 pass; the seat ran W50 and W51
    assert by_id(later.clients)["a"]["months_used"] == {"work_trial": 0.46}
