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
