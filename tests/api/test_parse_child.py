"""Large zips are parsed in a child process (api/parse_child.py): the same stored instance,
the same 422 problems and the same zip-bomb refusal as when parsed in the server."""

from __future__ import annotations

import io
import zipfile

import pytest

from api import parse_child
from tests.api.support import make_api, week_instance, week_zip

ZIP = "application/zip"


@pytest.fixture
def apis(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    here, child = make_api(tmp_path / "a"), make_api(tmp_path / "b", parse_in_child_bytes=0)
    yield here, child
    here.client.close()
    child.client.close()


def upload(api, data: bytes):
    return api.post("/instances", files={"file": ("week.zip", data, ZIP)})


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def test_a_zip_parsed_in_a_child_is_stored_as_in_the_server(apis):
    here, child = apis
    a, b = upload(here, week_zip()), upload(child, week_zip())
    assert a.status_code == b.status_code == 201, (a.text, b.text)
    assert {k: v for k, v in a.json().items() if k != "id"} == {
        k: v for k, v in b.json().items() if k != "id"
    }
    ra = here.get(f"/instances/{a.json()['id']}").json()
    rb = child.get(f"/instances/{b.json()['id']}").json()
    assert ra["counts"] == rb["counts"] and ra["region"] == rb["region"] == "savo"
    stored_a = here.get(f"/instances/{a.json()['id']}/download").content
    stored_b = child.get(f"/instances/{b.json()['id']}/download").content
    assert members(stored_a) == members(stored_b)  # the same files (zip timestamps differ)
    run = child.solved_run(b.json()["id"])
    assert child.get(f"/runs/{run}/summary").json()["assigned"] == 3


def test_prepare_zip_gives_what_the_store_keeps(tmp_path):
    path = tmp_path / "week.zip"
    path.write_bytes(week_zip())
    kind, prepared = parse_child.prepare_zip(
        str(path), make_api(tmp_path).settings.zip_limits(), "w"
    )
    assert kind == "ok" and prepared.counts["clients"] == 5
    size = parse_child.declared_size(path)
    assert size > 0 and parse_child.declared_size(tmp_path) == 0
    assert parse_child.goes_to_child(path, size - 1, size)
    assert not parse_child.goes_to_child(path, size, 2**30)  # small: parsed in the server
    assert not parse_child.goes_to_child(path, 0, size - 1)  # over the cap: refused at once


def test_problems_and_bombs_from_the_child_are_422(apis):
    here, child = apis
    inst = week_instance()
    inst.clients.loc[1, "transport"] = "bike"
    for api in apis:
        r = upload(api, week_zip(inst))
        assert r.status_code == 422, r.text
        where = {(p["file"], p["line"], p["column"]) for p in r.json()["problems"]}
        assert ("clients.csv", 3, "transport") in where
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("instance.json", b"{}")
        zf.writestr("clients.csv", b"0" * (50 * 2**20))
    answers = [upload(api, buf.getvalue()) for api in apis]
    assert [r.status_code for r in answers] == [422, 422]
    assert answers[0].json() == answers[1].json()
    assert "zip bomb" in answers[1].text and "/tmp" not in answers[1].text
