"""Reason texts in the API: English by default, Finnish with `?lang=fi` or Accept-Language."""

from __future__ import annotations


def _solved(api) -> int:
    iid = api.upload_week()
    run = api.post(f"/instances/{iid}/runs", json={"time_limit": 5}).json()
    assert api.solve_queued() == [run["id"]]
    return run["id"]


def test_reasons_follow_lang_and_accept_language(api):
    rid = _solved(api)
    en = api.get(f"/runs/{rid}/unassigned").json()["unassigned"]
    assert en[0]["reasons"] == ["not eligible: age 70 is above the limit 67"]
    fi = api.get(f"/runs/{rid}/unassigned", params={"lang": "fi"}).json()["unassigned"]
    assert fi[0]["client_id"] == "c5"
    assert fi[0]["reasons"] == ["ei oikeutta: ikä 70 on yli ylärajan 67"]
    header = {"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.5"}
    c5 = api.get(f"/runs/{rid}/clients/c5", headers=header).json()
    assert c5["reasons"] == fi[0]["reasons"] == c5["explanation"]["reasons"]
    assert "stored_reasons" not in c5["explanation"]
    c5_en = api.get(f"/runs/{rid}/clients/c5", params={"lang": "en"}, headers=header).json()
    assert c5_en["reasons"] == en[0]["reasons"]


def test_an_unknown_lang_is_a_422_naming_the_parameter(api):
    rid = _solved(api)
    r = api.get(f"/runs/{rid}/unassigned", params={"lang": "sv"})
    assert r.status_code == 422 and "lang" in r.text


FI = {"Accept-Language": "fi-FI,fi;q=0.9"}


def test_a_refused_request_is_explained_in_the_callers_language(api):
    rid = _solved(api)
    url = f"/runs/{rid}/placements/p2/end"
    body = {"client_ids": [], "reason": "x" * 2001, "end_week": "48", "extra": 1}
    en = api.post(url, json=body)
    fi = api.post(url, json=body, headers=FI)
    assert en.status_code == fi.status_code == 422
    assert en.json()["detail"].startswith("invalid request: client_ids: List should have at least")
    assert fi.json()["detail"].startswith("virheellinen pyyntö: client_ids: luettelossa pitää")
    by_field = {e["loc"][-1]: e["message"] for e in fi.json()["errors"]}
    assert by_field == {
        "client_ids": "luettelossa pitää olla vähintään 1 kohtaa",
        "reason": "tekstissä saa olla enintään 2000 merkkiä",
        "end_week": "teksti ei ole muotoa '^\\d{4}-W\\d{2}$'",
        "extra": "tätä kenttää ei voi antaa tässä pyynnössä",
    }
    # loc and type stay the machine's; ?lang= wins over the header
    assert [e["type"] for e in fi.json()["errors"]] == [e["type"] for e in en.json()["errors"]]
    again = api.post(url, json=body, headers=FI, params={"lang": "en"})
    assert again.json()["detail"] == en.json()["detail"]


def test_malformed_and_too_large_bodies_in_finnish(api):
    rid = _solved(api)
    url = f"/runs/{rid}/placements/p2/end"
    headers = {**FI, "Content-Type": "application/json"}
    bad = api.post(url, content=b"{not json", headers=headers)
    assert bad.status_code == 400 and bad.json()["detail"].startswith("virheellinen JSON: ")
    big = api.post(url, content=b"[" + b"0," * 2_000_000 + b"0]", headers=headers)
    assert big.status_code == 413 and "ylittää rajan" in big.json()["detail"]
