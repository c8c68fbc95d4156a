"""models/outcomes.py: outcomes written into the history by key, follow-ups (latest answer per
month), and the outcome report's counts and shares on a hand-made history."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from models.outcomes import add_followups, apply_outcomes, frame, outcome_summary
from models.rules import Rules

CATS = Rules.default().outcome_categories


def ended(cid, ptype="work_trial", provider="v1", muni="Kuopio", groups=(), how="on_time"):
    return {
        "client_id": cid,
        "placement_id": f"p-{cid}",
        "provider_id": provider,
        "type": ptype,
        "municipality": muni,
        "groups": groups,
        "start_week": "2026-W40",
        "end_week": "2026-W48",
        "weeks": 9,
        "ended": how,
    }


def test_outcomes_land_in_their_rows_and_the_report_counts_them():
    history = frame(
        "outcomes.csv",
        [
            ended("a", groups=("youth",)),
            ended("b", ptype="coaching", provider="v2", how="early"),
            ended("c", groups=("youth", "senior")),
            ended("d", muni="Siilinjärvi"),
        ],
    )
    recorded = apply_outcomes(
        history,
        [
            {
                "client_id": "a",
                "placement_id": "p-a",
                "end_week": "2026-W48",
                "outcome": "job_search",
                "by": "x",
                "at": "t",
            },
            {
                "client_id": "a",
                "placement_id": "p-a",
                "end_week": "2026-W48",
                "outcome": "open_labour_market",
                "note": "Puutyö Oy",
                "by": "y",
                "at": "t2",
            },
            {
                "client_id": "b",
                "placement_id": "p-b",
                "end_week": "2026-W48",
                "outcome": "training",
            },
            {
                "client_id": "c",
                "placement_id": "p-c",
                "end_week": "2026-W48",
                "outcome": "job_search",
            },
            {"client_id": "zz", "placement_id": "p", "end_week": "2026-W48", "outcome": "other"},
        ],
    )
    assert recorded["outcome"].tolist() == ["open_labour_market", "training", "job_search", ""]
    assert recorded.loc[0, "by"] == "y" and recorded.loc[0, "note"] == "Puutyö Oy"
    assert history["outcome"].tolist() == [""] * 4  # the input is untouched
    fups = add_followups(
        frame("followups.csv"),
        [
            {
                "client_id": "a",
                "placement_id": "p-a",
                "end_week": "2026-W48",
                "months_after": 3,
                "still_employed": "unknown",
                "date": "2027-02-20",
            },
            {
                "client_id": "a",
                "placement_id": "p-a",
                "end_week": "2026-W48",
                "months_after": 3,
                "still_employed": "yes",
                "date": "2027-03-01",
            },
            {
                "client_id": "c",
                "placement_id": "p-c",
                "end_week": "2026-W48",
                "months_after": 3,
                "still_employed": "no",
                "date": "2027-03-01",
            },
        ],
    )
    assert fups["still_employed"].tolist() == ["yes", "no"]
    s = outcome_summary(recorded, CATS, fups)
    assert s["overall"]["ended"] == 4 and s["overall"]["recorded"] == 3
    assert s["overall"]["early"] == 1
    assert s["overall"]["shares"]["open_labour_market"] == round(1 / 3, 4)
    assert s["overall"]["shares"]["job_search"] == round(1 / 3, 4)  # back to the queue
    assert s["by_type"]["coaching"]["shares"]["training"] == 1.0
    assert s["by_provider_id"]["v1"]["recorded"] == 2
    assert s["by_municipality"]["Siilinjärvi"]["shares"]["other"] is None  # nothing recorded
    assert (
        s["by_group"]["youth"]["counts"]["job_search"] == 1
        and s["by_group"]["senior"]["ended"] == 1
    )
    assert s["followups"]["3"] == {"yes": 1, "no": 1, "unknown": 0, "still_employed_share": 0.5}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(("",) + CATS), min_size=1, max_size=30))
def test_shares_of_the_recorded_sum_to_one(outcomes):
    history = frame(
        "outcomes.csv", [{**ended(str(i)), "outcome": o} for i, o in enumerate(outcomes)]
    )
    s = outcome_summary(history, CATS)["overall"]
    assert s["recorded"] == sum(1 for o in outcomes if o)
    assert sum(s["counts"].values()) == s["recorded"]
    if s["recorded"]:
        assert abs(sum(s["shares"].values()) - 1.0) < 1e-3
