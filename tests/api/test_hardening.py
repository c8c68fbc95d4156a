"""Service hardening (issue 14): region-scoped lookups, bounded ids and JSON, zip limits, safe
names and downloads, the accept re-check, the run cap, honest health and the disk guard,
security headers."""

from __future__ import annotations

import io
import json
import re
import zipfile

from api.auth import create_token
from api.limits import json_shape
from api.security import content_disposition
from tests.api.support import week_records, week_zip


def id_routes(api) -> list[tuple[str, str]]:
    """(method, path template) of every route with an id in its path, from the served schema."""
    paths = api.client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path)
        for path, ops in paths.items()
        for method in ops
        if "{instance_id}" in path or "{run_id}" in path
    ]


BODIES = {
    "/runs/{run_id}/decisions": {"client_id": "c1", "placement_id": "p1", "decision": "accept"},
    "/runs/{run_id}/picks": {"placement_id": "p1", "client_ids": ["c1"]},
    "/instances/{instance_id}/clients": {"clients": []},
    "/runs/{run_id}/placements/{placement_id}/end": {
        "client_ids": ["c4"],
        "reason": "x",
        "end_week": "2026-W48",
    },
    "/runs/{run_id}/placements/{placement_id}/outcome": {"client_id": "c4", "outcome": "other"},
    "/runs/{run_id}/placements/{placement_id}/followup": {
        "client_id": "c4",
        "months_after": 3,
        "still_employed": "yes",
        "date": "2027-03-01",
    },
}


def fill(path: str, instance_id: int, run_id: int) -> str:
    return (
        path.replace("{instance_id}", str(instance_id))
        .replace("{run_id}", str(run_id))
        .replace("{client_id}", "c1")
        .replace("{placement_id}", "p2")
    )


def test_other_regions_objects_are_404_for_every_id_route(api):
    """Region C = savo; a liaison of region A (kainuu) handling a provider id that savo has too,
    and the coordinator of region B (kainuu) get 404 on every id route for savo's objects."""
    savo = api.upload_week()
    run_id = api.solved_run(savo)
    other = week_records()
    other["instance"]["name"] = "kainuu-2026-W48"
    r = api.post("/instances", "admin", json=other)
    assert r.status_code == 201 and r.json()["region"] == "kainuu"
    kainuu_liaison = create_token(api.store, "liaison", region="kainuu", providers=["v1", "v3"])
    api.headers["kainuu_liaison"] = {"Authorization": f"Bearer {kainuu_liaison}"}
    # the same provider ids in the liaison's own region are visible to them
    assert api.get("/runs", "kainuu_liaison").status_code == 200
    routes = id_routes(api)
    assert len(routes) >= 18
    for who in ("kainuu_liaison", "other_coord"):
        for method, template in routes:
            url = fill(template, savo, run_id)
            kw = {"json": BODIES.get(template, {})} if method == "POST" else {}
            r = api.client.request(method, url, headers=api.headers[who], **kw)
            # a liaison may not call coordinator routes at all (403), else it must look absent
            assert r.status_code in (404, 403), (who, method, url, r.status_code, r.text)
            if who == "other_coord" or r.status_code != 403:
                assert r.status_code == 404, (who, method, url, r.text)
    decisions = api.get(f"/runs/{run_id}/decisions").json()
    assert decisions == []  # nothing was written into savo's week


def test_huge_ids_are_422_not_500(api):
    for method, template in id_routes(api):
        url = fill(template, 2**63, 2**63)
        kw = {"json": {}} if method == "POST" else {}
        r = api.client.request(method, url, headers=api.headers["admin"], **kw)
        assert r.status_code == 422, (method, url, r.status_code, r.text)
        assert isinstance(r.json()["detail"], str)
    assert api.get("/instances/0").status_code == 422
    assert api.get(f"/instances/{2**53 - 1}").status_code == 404


def test_json_shape_counts_outside_strings():
    assert json_shape(b'{"a": [1, {"b": "[[[{{"}]}') == (3, 3)
    assert json_shape(b'["\\"[", "\\\\", [[]]]') == (3, 3)
    assert json_shape(b"[" * 100 + b"]" * 100) == (100, 100)


def test_deep_and_huge_json_are_refused(api, custom_api):
    deep = b'{"clients": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    r = api.post("/instances", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 422 and "levels" in r.json()["detail"]
    iid = api.upload_week()
    r = api.post(
        f"/instances/{iid}/clients", content=deep, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    # a small body nested deeper than Python's recursion limit on an ordinary route
    r = api.post(
        f"/instances/{iid}/runs",
        content=b'{"weights": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code in (400, 413, 422), r.text
    many = custom_api(max_json_containers=1000)
    r = many.post("/instances", json={"clients": [{}] * 5000})
    assert r.status_code == 422 and "objects and lists" in r.json()["detail"]


def zip_of(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def upload_zip(api, data: bytes, name: str = "week.zip"):
    return api.post("/instances", files={"file": (name, data, "application/zip")})


def test_zip_bomb_over_the_ratio_is_refused_before_unpacking(api):
    bomb = zip_of({"instance.json": b"{}", "clients.csv": b"0" * (50 * 2**20)})
    assert len(bomb) < 200_000
    r = upload_zip(api, bomb)
    assert r.status_code == 422
    text = json.dumps(r.json())
    assert "zip bomb" in text and "/tmp" not in text and "polku-upload" not in text


def test_zip_over_the_total_cap_and_under_it(custom_api):
    small = custom_api(max_unzipped_bytes=64 * 1024, max_zip_ratio=10**6)
    r = upload_zip(small, zip_of({"instance.json": b"{}", "clients.csv": b"x" * 100_000}))
    assert r.status_code == 422 and "limit" in json.dumps(r.json())
    r = upload_zip(small, week_zip())  # the real week is far under the cap
    assert r.status_code == 201, r.text


def test_zip_with_100000_entries_is_refused(api):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(100_000):
            zf.writestr(f"e{i}", b"")
    r = upload_zip(api, buf.getvalue())
    assert r.status_code == 422 and "100000 entries" in json.dumps(r.json())


def test_unsafe_instance_names_are_refused_and_downloads_quoted(api):
    for bad in ('savo"; filename="evil.exe', "savo\r\nX-Evil: 1", "../savo", ""):
        rec = week_records()
        rec["instance"]["name"] = bad
        r = api.post("/instances", json=rec)
        assert r.status_code == 422, bad
        assert r.json()["problems"][0]["column"] == "name"
    rec = week_records()
    rec["instance"]["name"] = "savo Ääni-2026-W48"
    r = api.post("/instances", "admin", json=rec)
    assert r.status_code == 201, r.text
    header = api.get(f"/instances/{r.json()['id']}/download", "admin").headers[
        "content-disposition"
    ]
    assert header == (
        'attachment; filename="savo Aani-2026-W48.zip"; '
        "filename*=UTF-8''savo%20%C3%84%C3%A4ni-2026-W48.zip"
    )
    assert content_disposition('a"b\r\n.zip').count('"') == 2
    # an uploaded file's name becomes a safe default name
    r = upload_zip(api, week_zip(), name='we"ek\r\n.zip')
    assert r.status_code in (201, 409), r.text


def test_accept_of_a_pair_the_rules_forbid_is_409_naming_the_rule(api):
    iid = api.upload_week()
    run_id = api.solved_run(iid)
    url = f"/runs/{run_id}/decisions"
    r = api.post(url, json={"client_id": "c5", "placement_id": "p1", "decision": "accept"})
    assert r.status_code == 409 and r.json()["errors"][0].startswith("age:"), r.text
    # seats: p4 has one seat; lock c2 there, then c3 cannot be locked as well
    assert (
        api.post(url, json={"client_id": "c2", "placement_id": "p4", "decision": "accept"})
    ).status_code == 201
    r = api.post(url, json={"client_id": "c3", "placement_id": "p4", "decision": "accept"})
    assert r.status_code == 409 and any(e.startswith("seats:") for e in r.json()["errors"])
    # the week still solves: no lock the engine cannot keep was recorded
    r = api.post(f"/instances/{iid}/runs", json={"time_limit": 5})
    api.solve_queued()
    assert api.get(f"/runs/{r.json()['id']}").json()["status"] == "done"


def test_accept_over_the_budget_is_409(api):
    rec = week_records()
    rec["funding"][0]["budget"] = 30_000.0  # p3 costs 26 000 €, p1 1 200 €
    rec["placements"][0]["seats"] = 2
    iid = api.upload_week(rec)
    run_id = api.solved_run(iid)
    url = f"/runs/{run_id}/decisions"
    assert (
        api.post(url, json={"client_id": "c2", "placement_id": "p3", "decision": "accept"})
    ).status_code == 201
    r = api.post(url, json={"client_id": "c3", "placement_id": "p2", "decision": "accept"})
    assert r.status_code == 201, r.text  # 800 € still fits
    rec_b = api.post(url, json={"client_id": "c1", "placement_id": "p1", "decision": "accept"})
    assert rec_b.status_code == 201, rec_b.text  # 1 200 € fits in the 3 200 € left
    r = api.post(url, json={"client_id": "c2", "placement_id": "p1", "decision": "accept"})
    # c2 moves from p3 to p1: their own older lock gives way, so the budget holds
    assert r.status_code == 201, r.text


def test_queued_runs_per_user_are_capped(custom_api):
    api = custom_api(max_queued_runs=2)
    iid = api.upload_week()
    url = f"/instances/{iid}/runs"
    assert api.post(url, json={}).status_code == 201
    assert api.post(url, json={}).status_code == 201
    r = api.post(url, json={})
    assert r.status_code == 429 and "limit is 2" in r.json()["detail"]
    assert r.headers["retry-after"]
    assert api.post(url, "admin", json={}).status_code == 201  # per user
    api.solve_queued()
    assert api.post(url, json={}).status_code == 201


def test_health_reports_writes_and_disk(api, custom_api, backend):
    r = api.client.get("/health")
    body = r.json()
    assert r.status_code == 200 and body["status"] == "ok" and body["database"] == "ok"
    if backend == "postgres":  # the database's disk is the server's: not seen from here
        assert body["free_disk_mb"] is None
        return
    assert body["free_disk_mb"] > 0
    full = custom_api(min_free_bytes=2**62)
    r = full.client.get("/health")
    assert r.status_code == 503 and r.json()["status"] == "degraded"
    r = full.post("/instances", json=week_records())
    assert r.status_code == 507 and "disk is full" in r.json()["detail"]
    assert full.get("/instances").status_code == 200  # reads still work


def test_security_headers_and_no_docs_by_default(api):
    for url in ("/health", "/instances", "/openapi.json", "/instances/999"):
        r = api.get(url)
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert r.headers["cache-control"] == "no-store", url
    assert api.client.get("/docs").status_code == 404
    r = api.post("/instances/1/runs", content=b"1" * (2 * 2**20))
    assert r.status_code == 413 and r.headers["x-content-type-options"] == "nosniff"


def test_422_bodies_follow_the_published_schema(api):
    schema = api.client.get("/openapi.json").json()
    op = schema["paths"]["/instances/{instance_id}/runs"]["post"]
    ref = op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ErrorOut")
    assert "HTTPValidationError" not in json.dumps(schema["paths"])
    iid = api.upload_week()
    r = api.post(f"/instances/{iid}/runs", json={"seed": "x"})
    body = r.json()
    assert r.status_code == 422 and isinstance(body["detail"], str)
    assert set(body) <= {"detail", "problems", "warnings", "errors"}
    assert body["errors"][0]["loc"] == ["body", "seed"]


def test_upload_errors_show_no_server_paths(api):
    r = upload_zip(api, b"PK\x03\x04 broken")
    text = json.dumps(r.json())
    assert r.status_code == 422 and not re.search(r"/tmp|polku-upload", text), text


def test_formula_reasons_round_trip_through_next_week(api):
    """A reject reason that is a formula goes into next week's decisions.csv with an apostrophe
    in front (a spreadsheet shows text) and comes back from the snapshot exactly as typed."""
    iid = api.upload_week()
    run_id = api.solved_run(iid)
    proposal = api.get(f"/runs/{run_id}/proposals", "liaison_a").json()["proposals"][0]
    formula = '=HYPERLINK("http://evil.example","click")'
    r = api.post(
        f"/runs/{run_id}/decisions",
        "liaison_a",
        json={
            "client_id": proposal["client_id"],
            "placement_id": proposal["placement_id"],
            "decision": "reject",
            "reason": formula,
        },
    )
    assert r.status_code == 201, r.text
    rerun = api.solved_run(iid)
    assert api.post(f"/runs/{rerun}/publish").status_code == 200
    r = api.post(f"/runs/{rerun}/next-week", json={})
    assert r.status_code in (200, 201), r.text
    nxt = r.json()["id"]
    data = api.get(f"/instances/{nxt}/download").content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        decisions = next(zf.read(n) for n in zf.namelist() if n.endswith("decisions.csv"))
    text = decisions.decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text
    inst = api.client.app.state.instances  # the parsed snapshot, read back by the reader
    from api.uploads import load_stored

    row = api.store.get_instance(nxt)
    reasons = set(load_stored(api.store.instance_data(nxt), row.name).decisions["reason"])
    assert formula in reasons and inst is not None


def test_allocation_csv_is_spreadsheet_safe(api):
    rec = week_records()
    for c in rec["clients"]:
        c["id"] = "-" + c["id"] if c["id"] == "c2" else c["id"]
    iid = api.upload_week(rec)
    run_id = api.solved_run(iid)
    text = api.get(f"/runs/{run_id}/allocation", params={"format": "csv"}).text
    assert "'-c2," in text and "\n-c2," not in text
