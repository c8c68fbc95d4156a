"""Instance routes: uploads (zip, JSON), validation problems as 422, malformed requests as 4xx,
size limits, region and role isolation, adding new clients."""

from __future__ import annotations

import copy
import io
import zipfile

from tests.api.support import week_instance, week_records, week_zip

ZIP = "application/zip"


def test_upload_zip_and_read_back(api):
    r = api.post("/instances", files={"file": ("savo-2026-W48.zip", week_zip(), ZIP)})
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["name"] == "savo-2026-W48" and out["week"] == "2026-W48"
    assert out["region"] == "savo"
    assert out["counts"] == {
        "clients": 5,
        "queue": 4,
        "placements": 4,
        "seats": 4,
        "providers": 3,
        "pools": 1,
        "decisions": 0,
    }
    got = api.get(f"/instances/{out['id']}").json()
    assert got["runs"] == [] and got["published_run"] is None and got["source"] == "upload"
    listed = api.get("/instances").json()
    assert [i["id"] for i in listed] == [out["id"]]
    zipped = api.get(f"/instances/{out['id']}/download")
    assert zipped.status_code == 200 and zipped.headers["content-type"] == ZIP
    names = set(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist())
    assert {
        "instance.json",
        "clients.csv",
        "placements.csv",
        "providers.csv",
        "funding.csv",
    } <= names
    # the extra column survives the round trip
    clients = zipfile.ZipFile(io.BytesIO(zipped.content)).read("clients.csv").decode()
    assert "placement_start_week" in clients.splitlines()[0]


def test_upload_json_body(api):
    r = api.post("/instances", json=week_records())
    assert r.status_code == 201, r.text
    assert r.json()["counts"]["clients"] == 5


def test_zip_problems_are_422_with_file_line_column(api):
    inst = week_instance()
    inst.clients.loc[1, "transport"] = "bike"
    inst.placements.loc[2, "provider_id"] = "nope"
    r = api.post("/instances", files={"file": ("w.zip", week_zip(inst), ZIP)})
    assert r.status_code == 422
    problems = r.json()["problems"]
    where = {(p["file"], p["line"], p["column"]) for p in problems}
    assert ("clients.csv", 3, "transport") in where
    assert ("placements.csv", 4, "provider_id") in where
    bike = next(p for p in problems if p["column"] == "transport")
    assert bike["value"] == "bike" and bike["message"]


def test_json_problems_name_row_index(api):
    rec = week_records()
    rec["clients"][2]["age"] = "old"
    rec["clients"][3]["languages"] = {"fi": 1}
    rec["placements"][0]["seats"] = -1
    r = api.post("/instances", json=rec)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert {"file": "clients.csv", "column": "languages", "index": 3}.items() <= next(
        p for p in problems if p["column"] == "languages"
    ).items()
    r2 = api.post("/instances", json={**rec, "clients": week_records()["clients"]})
    problems = r2.json()["problems"]
    seats = next(p for p in problems if p["column"] == "seats")
    assert seats["file"] == "placements.csv" and seats["index"] == 0 and seats["line"] == 2
    rec3 = week_records()
    rec3["clients"][2]["age"] = "old"
    age = next(
        p for p in api.post("/instances", json=rec3).json()["problems"] if p["column"] == "age"
    )
    assert age["index"] == 2 and age["value"] == "old"


def test_bad_rules_and_unknown_parts(api):
    rec = week_records()
    rec["instance"]["rules"] = {"age.mx": 60}
    rec["extra_table"] = []
    r = api.post("/instances", json=rec)
    assert r.status_code == 422
    columns = {p["column"] for p in r.json()["problems"]}
    assert "extra_table" in columns
    rec.pop("extra_table")
    r = api.post("/instances", json=rec)
    assert r.status_code == 422
    assert any(
        p["file"] == "instance.json" and "age.mx" in (p["column"] or "")
        for p in r.json()["problems"]
    )


def test_malformed_requests_are_4xx(api):
    h = {**api.as_("coord"), "content-type": "application/json"}
    assert api.client.post("/instances", content=b"{not json", headers=h).status_code == 400
    assert api.post("/instances", json=[1, 2]).status_code == 422
    assert api.post("/instances", json={"clients": "x"}).status_code == 422
    assert (
        api.post("/instances", content=b"abc", headers={"content-type": "text/plain"}).status_code
        == 415
    )
    r = api.post("/instances", files={"other": ("w.zip", week_zip(), ZIP)})
    assert r.status_code == 422 and "file" in r.json()["detail"]
    r = api.post("/instances", files={"file": ("w.zip", b"PK\x03\x04garbage", ZIP)})
    assert r.status_code == 422 and r.json()["problems"][0]["file"] == "upload"
    r = api.post("/instances", files={"file": ("w.txt", b"hello", "text/plain")})
    assert r.status_code == 422
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").writestr("readme.txt", "nothing")
    r = api.post("/instances", files={"file": ("w.zip", empty.getvalue(), ZIP)})
    assert r.status_code == 422
    assert api.get("/instances/abc").status_code == 422
    assert api.get("/instances/999").status_code == 404


def test_size_limits(custom_api):
    small = custom_api(max_upload_bytes=2000, max_json_bytes=100)
    r = small.post("/instances", files={"file": ("w.zip", week_zip(), ZIP)})
    assert r.status_code == 413
    iid_rec = week_records()
    assert small.post("/instances", json=iid_rec).status_code == 413
    r = small.post("/instances/1/runs", json={"time_limit": 5, "weights": {"x" * 200: 1}})
    assert r.status_code == 413 and "limit" in r.json()["detail"]

    # chunked body without a Content-Length is counted as it arrives
    def chunks():
        for _ in range(10):
            yield b"x" * 50

    r = small.client.post(
        "/instances/1/runs",
        content=chunks(),
        headers={**small.as_("coord"), "content-type": "application/json"},
    )
    assert r.status_code == 413
    small.client.close()


def test_tokens_and_roles(api):
    assert api.client.get("/instances").status_code == 401
    assert api.client.get("/instances", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert api.client.get("/health").json()["database"] == "ok"
    assert api.get("/me", "liaison_a").json()["providers"] == ["v1", "v2"]
    iid = api.upload_week()
    for who in ("liaison_a", "liaison_b"):
        assert api.get(f"/instances/{iid}", who).status_code == 403
        assert api.post("/instances", who, json=week_records()).status_code == 403
        assert api.post(f"/instances/{iid}/runs", who, json={}).status_code == 403
    # a coordinator of another region: the instance does not exist for them
    assert api.get(f"/instances/{iid}", "other_coord").status_code == 404
    assert api.get(f"/instances/{iid}/download", "other_coord").status_code == 404
    assert api.get(f"/instances/{iid}/runs", "other_coord").status_code == 404
    assert api.post(f"/instances/{iid}/runs", "other_coord", json={}).status_code == 404
    assert (
        api.post(f"/instances/{iid}/clients", "other_coord", json={"clients": []}).status_code
        == 404
    )
    assert api.get("/instances", "other_coord").json() == []
    # … and may not upload another region's week
    r = api.post("/instances", "other_coord", json=week_records())
    assert r.status_code == 403 and "savo" in r.json()["detail"]
    assert api.get(f"/instances/{iid}", "admin").status_code == 200


def test_region_from_instance_json(api):
    rec = week_records()
    rec["instance"]["region"] = "kainuu"
    assert api.post("/instances", json=rec).status_code == 403
    r = api.post("/instances", "other_coord", json=rec)
    assert r.status_code == 201 and r.json()["region"] == "kainuu"


def test_add_clients_csv_and_json(api):
    iid = api.upload_week()
    header = (
        "id,municipality,lat,lon,age,benefit_days,unemployed_months,work_ability,"
        "partial_work_ability,languages,needs,interests,transport,max_commute_min,consents,"
        "current_placement,months_used,source\n"
    )
    csv = header + "n1,Kuopio,62.9,27.7,30,100,2,4,false,fi,,it,car,60,work_trial;coaching,,,TE\n"
    r = api.post(f"/instances/{iid}/clients", files={"file": ("new.csv", csv.encode(), "text/csv")})
    assert r.status_code == 201, r.text
    assert r.json()["added"] == 1 and r.json()["counts"]["queue"] == 5
    new = dict(week_records()["clients"][1], id="n2")
    r = api.post(f"/instances/{iid}/clients", json={"clients": [new]})
    assert r.status_code == 201 and r.json()["counts"]["clients"] == 7
    # problems name the uploaded file's lines; ids already there are refused
    bad = header + "n3,Kuopio,62.9,27.7,thirty,100,2,4,false,fi,,it,car,60,work_trial,,,\n"
    r = api.post(f"/instances/{iid}/clients", files={"file": ("new.csv", bad.encode(), "text/csv")})
    assert r.status_code == 422
    assert (r.json()["problems"][0]["line"], r.json()["problems"][0]["column"]) == (2, "age")
    r = api.post(f"/instances/{iid}/clients", json={"clients": [new]})
    assert r.status_code == 422 and "n2" in r.text
    r = api.post(
        f"/instances/{iid}/clients", json={"clients": [dict(new, id="n4", transport="ufo")]}
    )
    assert r.status_code == 422 and r.json()["problems"][0]["column"] == "transport"
    zipped = zipfile.ZipFile(io.BytesIO(api.get(f"/instances/{iid}/download").content))
    text = zipped.read("clients.csv").decode()
    assert "n1,Kuopio" in text and "n2,Kuopio" in text and ",TE" in text
    # once a run exists the instance no longer changes
    api.post(f"/instances/{iid}/runs", json={"time_limit": 1})
    r = api.post(f"/instances/{iid}/clients", json={"clients": [dict(new, id="n5")]})
    assert r.status_code == 409


def test_openapi_lists_the_contract(api):
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (
        "/instances",
        "/instances/{instance_id}",
        "/instances/{instance_id}/runs",
        "/runs/{run_id}",
        "/runs/{run_id}/cancel",
        "/runs/{run_id}/allocation",
        "/runs/{run_id}/clients/{client_id}",
        "/runs/{run_id}/proposals",
        "/runs/{run_id}/decisions",
        "/runs/{run_id}/publish",
        "/runs/{run_id}/next-week",
        "/health",
    ):
        assert path in paths, path


def test_json_records_are_not_mutated(api):
    rec = week_records()
    before = copy.deepcopy(rec)
    api.upload_week(rec)
    assert rec == before


def _history(outcome: str) -> dict[str, list[dict[str, object]]]:
    """An ended placement with its outcome and a follow-up, as JSON records."""
    end = {"client_id": "c9", "placement_id": "p4", "provider_id": "v3", "type": "work_trial"}
    return {
        "outcomes": [
            {**end, "municipality": "Kuopio", "groups": ["youth"], "start_week": "2026-W40",
             "end_week": "2026-W47", "weeks": 8, "ended": "on_time", "outcome": outcome,
             "note": "=aloitti opinnot", "by": "maija", "at": "2026-11-20T10:00:00+00:00"}
        ],
        "followups": [
            {"client_id": "c9", "placement_id": "p4", "end_week": "2026-W47",
             "months_after": 3, "still_employed": "yes", "date": "2027-02-20"}
        ],
    }  # fmt: skip


def _stored(api, instance_id: int, name: str) -> str:
    data = api.get(f"/instances/{instance_id}/download").content
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")


def test_json_upload_carries_outcomes_and_followups_like_the_zip(api):
    first = api.upload_week({**week_records(), **_history("training")})
    outcomes = _stored(api, first, "outcomes.csv")
    followups = _stored(api, first, "followups.csv")
    assert "training" in outcomes and "'=aloitti opinnot" in outcomes  # neutralised on write
    assert "2027-02-20" in followups and ",3," in followups
    # the same week as a zip stores the same history files
    blob = api.get(f"/instances/{first}/download").content
    r = api.post("/instances", files={"file": ("savo-2026-W48.zip", blob, ZIP)})
    assert r.status_code == 201, r.text
    assert _stored(api, r.json()["id"], "outcomes.csv") == outcomes
    assert _stored(api, r.json()["id"], "followups.csv") == followups


def test_json_outcomes_are_validated_as_the_zips_are(api):
    bad = {**week_records(), **_history("lottery")}
    bad["followups"][0]["still_employed"] = "maybe"
    r = api.post("/instances", json=bad)
    assert r.status_code == 422, r.text
    found = {(p["file"], p["column"], p.get("index")) for p in r.json()["problems"]}
    assert ("outcomes.csv", "outcome", 0) in found
    assert ("followups.csv", "still_employed", 0) in found
    # the zip of the same rows gives the same problems (by line instead of index)
    good = api.upload_week({**week_records(), **_history("training")})
    blob = api.get(f"/instances/{good}/download").content
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(buf, "w") as dst:
        for name in src.namelist():
            text = src.read(name).decode("utf-8")
            if name == "outcomes.csv":
                text = text.replace(",training,", ",lottery,")
            if name == "followups.csv":
                text = text.replace(",yes,", ",maybe,")
            dst.writestr(name, text)
    z = api.post("/instances", files={"file": ("w.zip", buf.getvalue(), ZIP)})
    assert z.status_code == 422, z.text
    zfound = {(p["file"], p["column"], p.get("line")) for p in z.json()["problems"]}
    assert zfound == {(f, c, 2) for f, c, _ in found}
    strip = lambda ps: sorted((p["file"], p["column"], p["message"]) for p in ps)  # noqa: E731
    assert strip(z.json()["problems"]) == strip(r.json()["problems"])
