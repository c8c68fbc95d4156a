"""GET /reports: the period report over a region's published runs — figures equal to sums over
the published allocations, region scoping, bad ranges, CSV and XLSX answers."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter

import openpyxl
import pytest

from tests.api.support import make_api


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    """Two published weeks of region savo (W48 and the W49 built from it), and their allocations."""
    api = make_api(tmp_path_factory.mktemp("reports"))
    first = api.solved_run(api.upload_week())
    assert api.post(f"/runs/{first}/publish").status_code == 200
    r = api.post(f"/runs/{first}/next-week")
    assert r.status_code == 201, r.text
    second = api.solved_run(r.json()["id"])
    assert api.post(f"/runs/{second}/publish").status_code == 200
    allocs = [api.get(f"/runs/{run}/allocation").json() for run in (first, second)]
    yield api, allocs
    api.client.close()


def report(api, who="coord", **params):
    return api.get("/reports", who, params={"from": "2026-W48", "to": "2026-W49", **params})


def test_the_figures_are_sums_over_the_published_allocations(chain) -> None:
    api, allocs = chain
    r = report(api)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["weeks"] == ["2026-W48", "2026-W49"] and out["region"] == "savo"
    weeks = out["tables"]["weeks"]
    assert [w["placed"] for w in weeks[:2]] == [len(a["assignments"]) for a in allocs]
    assert weeks[2]["placed"] == sum(len(a["assignments"]) for a in allocs)
    cost = sum(x["cost"] for a in allocs for x in a["assignments"])
    assert weeks[2]["cost"] == pytest.approx(cost)
    used = Counter()
    for a in allocs:
        for x in a["assignments"]:
            used[x["pool_id"]] += x["cost"]
    pools = {p["pool_id"]: p for p in out["tables"]["pools"]}
    assert {k: pools[k]["used"] for k in used} == pytest.approx(dict(used))
    assert out["headings"]["weeks"]["placed"] == "Placed"


def test_finnish_headings_with_lang(chain) -> None:
    api, _ = chain
    out = report(api, lang="fi").json()
    assert out["titles"]["weeks"] == "Viikot" and out["tables"]["weeks"][-1]["week"] == "Yhteensä"


def test_region_scoping(chain) -> None:
    api, _ = chain
    assert report(api, "liaison_a").status_code == 403
    assert report(api, "coord", region="kainuu").status_code == 404
    other = report(api, "other_coord").json()  # a coordinator of kainuu: nothing of savo
    assert other["weeks"] == [] and other["missing_weeks"] == ["2026-W48", "2026-W49"]
    assert other["tables"]["weeks"][-1]["placed"] == 0
    assert report(api, "admin").status_code == 422
    assert report(api, "admin", region="savo").json()["weeks"] == ["2026-W48", "2026-W49"]
    assert report(api, "none").status_code == 401


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-W49", "2026-W48", "after"),
        ("2026-W60", "2026-W61", "does not exist"),
        ("W48", "2026-W49", "not an ISO week"),
        ("2024-W01", "2026-W01", "at most 53 weeks"),
    ],
)
def test_bad_ranges_are_422(chain, first, last, message) -> None:
    api, _ = chain
    r = api.get("/reports", params={"from": first, "to": last})
    assert r.status_code == 422 and message in r.json()["detail"]


def test_csv_and_xlsx(chain) -> None:
    api, _ = chain
    one = report(api, format="csv", table="by_type")
    assert one.status_code == 200 and one.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(one.text)))
    assert rows[0][:2] == ["Placement type", "Placed"]
    assert report(api, format="csv", table="nope").status_code == 422
    with zipfile.ZipFile(io.BytesIO(report(api, format="csv").content)) as z:
        assert "weeks.csv" in z.namelist()
    xlsx = report(api, format="xlsx", lang="fi")
    assert "report-savo-2026-W48-2026-W49.xlsx" in xlsx.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    json_weeks = report(api, lang="fi").json()["tables"]["weeks"]
    sheet = [list(r) for r in book["Viikot"].iter_rows(values_only=True)]
    assert [r[2] for r in sheet[1:]] == [w["placed"] for w in json_weeks]


def test_a_liaisons_early_end_and_outcome_reach_the_report(tmp_path) -> None:
    api = make_api(tmp_path)
    run = api.solved_run(api.upload_week())
    assert api.post(f"/runs/{run}/publish").status_code == 200
    end = {"client_ids": ["c4"], "reason": "motivaatio loppui", "end_week": "2026-W48"}
    assert api.post(f"/runs/{run}/placements/p2/end", "liaison_a", json=end).status_code == 201
    outcome = {"client_id": "c4", "outcome": "training"}
    r = api.post(f"/runs/{run}/placements/p2/outcome", "liaison_a", json=outcome)
    assert r.status_code == 201, r.text

    def overall():
        rows = report(api, lang="fi").json()["tables"]["outcomes"]
        return rows[0], {(x["by"], x["unit"]) for x in rows[1:]}

    row, units = overall()  # recorded in the store, not yet in any snapshot
    assert (row["ended"], row["early"], row["recorded"], row["n:training"]) == (1, 1, 1, 1)
    assert row["share:training"] == 1.0 and ("järjestäjä", "v2") in units
    shown = report(api, lang="fi").json()["labelled"]["outcomes"]
    assert ("palvelumuoto", "työvalmennus") in {(x["by"], x["unit"]) for x in shown}  # coaching
    second = api.post(f"/runs/{run}/next-week").json()["id"]  # the snapshot carries it now
    assert api.post(f"/runs/{api.solved_run(second)}/publish").status_code == 200
    assert overall()[0]["ended"] == 1  # the same end once, though two weeks hold it
    api.client.close()
