"""The lifecycle routes: ending a placement early, outcomes and follow-ups with who and when,
their scoping (404 for another provider's or region's), 409/422 with messages, the outcome
summary, and next week carrying all of it in the snapshot."""

from __future__ import annotations

import io
import zipfile

import pytest

from instances.read import read_instance_files

END = {"client_ids": ["c4"], "reason": "motivaatio loppui", "end_week": "2026-W48"}


@pytest.fixture
def solved(api):
    iid = api.upload_week()
    return api, iid, api.solved_run(iid)


def snapshot(api, instance_id):
    r = api.get(f"/instances/{instance_id}/download")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        files = {n.rsplit("/", 1)[-1]: zf.read(n) for n in zf.namelist()}
    return read_instance_files(files)[0]


def test_a_liaison_ends_a_placement_and_records_outcome_and_follow_up(solved):
    api, iid, run = solved
    # c4 has held p2 (provider v2) since W42
    r = api.post(f"/runs/{run}/placements/p2/end", "liaison_a", json=END)
    assert r.status_code == 201, r.text
    (end,) = r.json()
    assert (end["client_id"], end["provider_id"], end["by"]) == ("c4", "v2", "Liisa (A)")
    assert end["at"] and end["end_week"] == "2026-W48"
    again = api.post(f"/runs/{run}/placements/p2/end", "coord", json=END)
    assert again.status_code == 409 and "already ended" in again.json()["detail"]

    bad = api.post(
        f"/runs/{run}/placements/p2/outcome",
        "liaison_a",
        json={"client_id": "c4", "outcome": "lottery_win"},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"][-1] == "outcome"
    assert "open_labour_market" in bad.json()["detail"]
    ok = api.post(
        f"/runs/{run}/placements/p2/outcome",
        "liaison_a",
        json={"client_id": "c4", "outcome": "training", "note": "=aloitti koulun"},
    )
    assert ok.status_code == 201, ok.text
    row = ok.json()
    assert (row["outcome"], row["note"], row["by"], row["ended"]) == (
        "training",
        "=aloitti koulun",
        "Liisa (A)",
        "early",
    )
    assert (row["start_week"], row["end_week"], row["weeks"]) == ("2026-W42", "2026-W48", 7)

    wrong_month = api.post(
        f"/runs/{run}/placements/p2/followup",
        "coord",
        json={"client_id": "c4", "months_after": 4, "still_employed": "yes", "date": "2027-03-01"},
    )
    assert wrong_month.status_code == 422
    assert wrong_month.json()["errors"][0]["loc"][-1] == "months_after"
    fu = api.post(
        f"/runs/{run}/placements/p2/followup",
        "coord",
        json={"client_id": "c4", "months_after": 3, "still_employed": "yes", "date": "2027-03-01"},
    )
    assert fu.status_code == 201, fu.text
    assert fu.json()["followups"] == [
        {
            "months_after": 3,
            "still_employed": "yes",
            "date": "2027-03-01",
            "by": "Kaisa (coordinator)",
            "at": fu.json()["followups"][0]["at"],
        }
    ]

    listed = api.get(f"/runs/{run}/outcomes").json()
    assert listed["categories"][0] == "open_labour_market" and listed["followup_months"] == [3, 6]
    assert [(e["client_id"], e["outcome"]) for e in listed["ended"]] == [("c4", "training")]
    assert api.get(f"/runs/{run}/outcomes", "liaison_b").json()["ended"] == []  # v3 only

    summary = api.get("/outcomes/summary").json()
    assert summary["instance_id"] == iid
    overall = summary["summary"]["overall"]
    assert (overall["ended"], overall["early"], overall["recorded"]) == (1, 1, 1)
    assert overall["shares"]["training"] == 1.0 and overall["shares"]["job_search"] == 0.0
    assert summary["summary"]["by_provider_id"]["v2"]["recorded"] == 1
    assert summary["summary"]["followups"]["3"]["still_employed_share"] == 1.0
    assert api.get("/outcomes/summary", "liaison_a").status_code == 403
    assert api.get("/outcomes/summary", "other_coord").status_code == 404

    # next week: the seat is free, c4 is back in the queue, the history travels
    assert api.post(f"/runs/{run}/publish").status_code == 200
    nxt = api.post(f"/runs/{run}/next-week")
    assert nxt.status_code == 201, nxt.text
    new = snapshot(api, nxt.json()["id"])
    c4 = new.clients.set_index("id").loc["c4"]
    # W48 was attended: one more week of coaching (12/52), then back in the queue
    assert c4["current_placement"] == "" and c4["months_used"] == {"coaching": 1.73}
    hist = new.outcomes.to_dict("records")
    assert [(h["client_id"], h["outcome"], h["note"], h["by"]) for h in hist] == [
        ("c4", "training", "=aloitti koulun", "Liisa (A)")
    ]
    assert new.followups[["months_after", "still_employed"]].values.tolist() == [[3, "yes"]]
    late = api.post(
        f"/runs/{run}/placements/p2/outcome", "coord", json={"client_id": "c4", "outcome": "other"}
    )
    assert late.status_code == 409 and "latest week" in late.json()["detail"]


@pytest.mark.parametrize(
    "who, placement, body, status, words",
    [
        ("liaison_b", "p2", END, 404, "not found"),  # v2 is not Lauri's provider
        ("other_coord", "p2", END, 404, "not found"),  # another region
        ("liaison_a", "p9", END, 404, "not found"),
        ("liaison_a", "p2", {**END, "client_ids": ["zz"]}, 404, "client"),
        ("liaison_a", "p1", {**END, "client_ids": ["c1"]}, 409, "published"),  # only proposed
        ("coord", "p2", {**END, "end_week": "2026-W49"}, 422, "end_week"),
        ("coord", "p2", {**END, "reason": "  "}, 422, "reason"),
        ("coord", "p2", {**END, "end_week": "48"}, 422, "end_week"),
        # c4 began p2 in W42: W41 means it never started, anything earlier is not a week of it
        ("coord", "p2", {**END, "end_week": "2026-W40"}, 422, "2026-W42"),
    ],
)
def test_ends_that_may_not_be_are_refused_with_a_message(
    solved, who, placement, body, status, words
):
    api, _, run = solved
    r = api.post(f"/runs/{run}/placements/{placement}/end", who, json=body)
    assert r.status_code == status, r.text
    assert words in r.text


def test_outcomes_need_an_ended_placement(solved):
    api, _, run = solved
    r = api.post(
        f"/runs/{run}/placements/p2/outcome", "coord", json={"client_id": "c4", "outcome": "other"}
    )
    assert r.status_code == 404 and "no ended placement" in r.json()["detail"]


def test_the_outcomes_view_lists_who_holds_the_callers_placements(solved):
    api, _, run = solved
    mine = api.get(f"/runs/{run}/outcomes", "liaison_a").json()["holding"]
    assert mine == [
        {
            "client_id": "c4",
            "placement_id": "p2",
            "provider_id": "v2",
            "type": "coaching",
            "start_week": "2026-W42",
        }
    ]  # the run's assignments count once it is published
    assert api.get(f"/runs/{run}/outcomes", "liaison_b").json()["holding"] == []
    assert api.post(f"/runs/{run}/publish").status_code == 200
    alloc = api.get(f"/runs/{run}/allocation").json()
    held = {
        (h["client_id"], h["placement_id"])
        for h in api.get(f"/runs/{run}/outcomes").json()["holding"]
    }
    assert held == {("c4", "p2")} | {
        (a["client_id"], a["placement_id"]) for a in alloc["assignments"]
    }
