"""The routes behind the web pages (no browser): the pages and their files are served with a strict
Content-Security-Policy and nothing outside api/static; the map gives coordinators the coordinates
and nobody else; the run list shows a liaison only the runs of their providers' weeks; every label
exists in Finnish and in English (served from the one message catalogue), and no page loads
anything from the internet.
"""

from __future__ import annotations

import json
import re

import pytest

from api.routes.pages import STATIC
from matcher.messages import CATALOGUE, page_labels
from tests.api.support import KUOPIO, NEAR, Api, week_records

# ---------------------------------------------------------------- pages and files


@pytest.mark.parametrize("path", ["/", "/coordinator", "/liaison", "/report"])
def test_pages_are_served_with_a_strict_policy(api: Api, path: str) -> None:
    r = api.client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert re.search(r'<html lang="fi">', r.text)
    assert "<script>" not in r.text and " onclick=" not in r.text  # no inline code under the CSP


def test_static_files_and_nothing_outside(api: Api) -> None:
    r = api.client.get("/static/js/api.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert "export async function api" in r.text
    assert api.client.get("/static/css/polku.css").headers["content-type"].startswith("text/css")
    assert api.client.get("/static/nope.js").status_code == 404
    assert api.client.get("/static/../routes/pages.py").status_code == 404
    assert api.client.get("/static/%2e%2e/app.py").status_code == 404
    assert api.client.get("/static/js").status_code == 404  # a folder is not a file


def test_no_asset_comes_from_the_internet() -> None:
    allowed = {"http://www.w3.org/2000/svg"}
    for path in STATIC.rglob("*"):
        if path.suffix not in {".html", ".js", ".css", ".json", ".svg"}:
            continue
        urls = set(re.findall(r"https?://[^\s\"'`)]+", path.read_text(encoding="utf-8")))
        assert urls <= allowed, f"{path.relative_to(STATIC)} refers to {urls - allowed}"


def _i18n() -> dict[str, dict[str, str]]:
    return page_labels()


def test_the_served_labels_are_the_catalogues_page_section(api: Api) -> None:
    r = api.client.get("/static/i18n.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    served = json.loads(r.content.decode("utf-8"))
    assert served == page_labels()
    assert served["fi"]["coord.title"] == CATALOGUE["page.coord.title"]["fi"]
    assert served["en"]["outcome.training"] == CATALOGUE["outcome.training"]["en"]  # shared
    assert "reason.ability" not in served["fi"]  # engine-only texts stay on the server
    assert not (STATIC / "i18n.json").exists()  # one source: no second file to drift


def test_every_label_exists_in_finnish_and_english() -> None:
    labels = _i18n()
    assert set(labels) == {"fi", "en"}
    assert set(labels["fi"]) == set(labels["en"])
    for lang, table in labels.items():
        empty = [k for k, v in table.items() if not v.strip()]
        assert not empty, f"{lang}: empty labels {empty}"
        for key, text in table.items():  # the same {placeholders} in both languages
            other = labels["en" if lang == "fi" else "fi"][key]
            assert set(re.findall(r"{\w+}", text)) == set(re.findall(r"{\w+}", other)), key
    used: set[str] = set()
    for page in STATIC.glob("*.html"):
        used |= set(re.findall(r'data-i18n(?:-[a-z-]+)?="([^"]+)"', page.read_text("utf-8")))
    for script in (STATIC / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([a-z_.-]+)"', script.read_text("utf-8")))
    missing = sorted(k for k in used if k not in labels["fi"])
    assert not missing, f"labels used but not defined: {missing}"
    assert len(used) > 100


def test_labels_of_the_four_types_and_the_default_groups() -> None:
    fi = _i18n()["fi"]
    assert fi["type.work_trial"] == "työkokeilu" and fi["type.wage_subsidy"] == "palkkatuki"
    for group in ("youth", "long_term", "partial_work_ability", "senior", "swedish"):
        assert f"group.{group}" in fi


# ---------------------------------------------------------------- the map


def test_map_gives_coordinators_every_client_and_placement(api: Api) -> None:
    week = api.upload_week()
    r = api.get(f"/instances/{week}/map")
    assert r.status_code == 200, r.text
    m = r.json()
    clients, placements = m["clients"], m["placements"]
    assert clients["id"] == ["c1", "c2", "c3", "c4", "c5"]
    assert clients["lat"][0] == KUOPIO[0] and clients["lon"][1] == NEAR[1]
    assert clients["queue"] == [True, True, True, False, True]  # c4 is already in p2
    assert clients["municipality"] == ["Kuopio"] * 5
    assert clients["placement"] is None
    assert placements["id"] == ["p1", "p2", "p3", "p4"]
    assert placements["type"] == ["work_trial", "coaching", "wage_subsidy", "work_trial"]
    assert placements["provider_id"] == ["v1", "v2", "v1", "v3"]
    assert placements["seats"] == [1, 1, 1, 1]
    assert placements["lat"] == [NEAR[0]] * 4


def test_map_marks_the_placement_each_client_got_in_a_run(api: Api) -> None:
    week = api.upload_week()
    run = api.solved_run(week)
    alloc = api.get(f"/runs/{run}/allocation").json()
    m = api.get(f"/instances/{week}/map", params={"run_id": run}).json()
    got = dict(zip(m["clients"]["id"], m["clients"]["placement"], strict=True))
    assert got == {
        c: next((a["placement_id"] for a in alloc["assignments"] if a["client_id"] == c), None)
        for c in got
    }
    assert sum(v is not None for v in got.values()) == 3
    other = api.upload_week(
        {
            **week_records(),
            "instance": {**week_records()["instance"], "name": "savo-2026-W49", "week": "2026-W49"},
        }
    )
    assert api.get(f"/instances/{other}/map", params={"run_id": run}).status_code == 404


def test_map_is_for_the_coordinators_of_the_region_only(api: Api) -> None:
    week = api.upload_week()
    assert api.get(f"/instances/{week}/map", who="liaison_a").status_code == 403
    assert api.get(f"/instances/{week}/map", who="other_coord").status_code == 404
    assert api.get(f"/instances/{week}/map", who="none").status_code == 401
    assert api.get(f"/instances/{week}/map", who="admin").status_code == 200


# ---------------------------------------------------------------- runs a caller may see


def test_run_list_shows_each_caller_only_their_runs(api: Api) -> None:
    week = api.upload_week()
    first = api.solved_run(week)
    queued = api.post(f"/instances/{week}/runs", json={"time_limit": 5}).json()["id"]
    mine = api.get("/runs", who="liaison_a").json()
    assert [r["id"] for r in mine] == [queued, first]  # newest first
    assert mine[1] == {
        "id": first,
        "instance_id": week,
        "instance": "savo-2026-W48",
        "week": "2026-W48",
        "status": "done",
        "published": False,
        "created_at": mine[1]["created_at"],
        "finished_at": mine[1]["finished_at"],
    }
    assert [
        r["id"] for r in api.get("/runs", params={"status": "done"}, who="liaison_b").json()
    ] == [first]
    assert api.get("/runs", who="liaison_x").json() == []  # providers not in this week
    assert api.get("/runs", who="other_coord").json() == []  # another region
    assert [r["id"] for r in api.get("/runs").json()] == [queued, first]
    assert api.get("/runs", params={"status": "bogus"}).status_code == 422
    assert api.get("/runs", who="none").status_code == 401


# ---------------------------------------------------------------- contrast


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_of_the_colours_text_is_drawn_in() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0  # the formula itself
    css = (STATIC / "css" / "polku.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", css))
    text_on = [
        ("ink", "bg"),
        ("ink", "card"),
        ("muted", "card"),
        ("muted", "bg"),
        ("brand", "card"),
        ("ok", "card"),
        ("warn", "card"),
        ("bad", "card"),
        ("ink", "soft"),
    ]
    for fg, bg in text_on:
        assert contrast(var[fg], var[bg]) >= 4.5, (fg, bg, contrast(var[fg], var[bg]))
    assert contrast("#ffffff", var["brand-dark"]) >= 7  # the header
    assert contrast("#ffffff", var["brand"]) >= 4.5  # primary buttons
    assert contrast(var["placed"], var["ref"]) >= 3  # a bar against its reference (non-text)
