"""The period report page in headless Chromium: a coordinator follows the link from the
coordinator page over two published weeks (W48 and the W49 built from it) and reads the
figures GET /reports gives, in Finnish by default, with charts drawn and the workbook loaded."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from matcher.messages import CATALOGUE
from tests.api.server import Server
from tests.api.web.pages import new_page, sign_in, texts

pytestmark = pytest.mark.browser


def solved_and_published(api: httpx.Client, instance_id: int) -> int:
    """Queue a 2-second run of the instance, wait for it, publish it; the run id."""
    run = api.post(f"/instances/{instance_id}/runs", json={"time_limit": 2}).json()
    deadline = time.monotonic() + 90
    while run["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
        run = api.get(f"/runs/{run['id']}").json()
    assert run["status"] == "done", run
    assert api.post(f"/runs/{run['id']}/publish").status_code == 200
    return run["id"]


def test_the_report_page_shows_two_published_weeks(
    browser: Any, server: Server, week: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    api = httpx.Client(
        base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {week['coordinator']}"}
    )
    with open(week["zip"], "rb") as f:
        first = api.post("/instances", files={"file": ("week.zip", f, "application/zip")}).json()
    run1 = solved_and_published(api, first["id"])
    second = api.post(f"/runs/{run1}/next-week").json()
    run2 = solved_and_published(api, second["id"])
    weeks = [first["week"], second["week"]]
    want = api.get("/reports", params={"from": weeks[0], "to": weeks[1], "lang": "fi"}).json()

    page = new_page(browser)
    sign_in(page, server.url, week["coordinator"], "/coordinator")
    page.click("#report-link")
    page.wait_for_url("**/report")
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("#from-week")).to_have_value(weeks[0])
    expect(page.locator("#to-week")).to_have_value(weeks[1])
    expect(page.locator("#weeks-line")).to_contain_text(
        f"Julkaistut viikot: {weeks[0]}, {weeks[1]}"
    )
    bars = page.locator("#chart-weeks .bar-row")
    expect(bars).to_have_count(2)
    placed = [int(v) for v in [bars.nth(i).get_attribute("data-value") for i in range(2)]]
    assert placed == [w["placed"] for w in want["tables"]["weeks"][:2]]
    expect(page.locator("#tables caption").first).to_have_text("Viikot")
    assert "Yhteensä" in texts(page, "[data-table=weeks] tbody tr:last-child td")[0]
    assert page.locator("#chart-pools .bar-row").count() == len(want["tables"]["pools"])

    page.click("button[data-lang=en]")
    expect(page.locator("#tables caption").first).to_have_text("Weeks")
    with page.expect_download() as download:
        page.click("#xlsx-btn")
    assert download.value.suggested_filename == f"kausiraportti-{weeks[0]}-{weeks[1]}.xlsx"

    # a liaison ends a placement of week 49 (the latest) early and records the outcome (their
    # page does the same through these routes, tests/api/web/test_lifecycle.py); the report
    # page shows it
    held = api.get(f"/runs/{run2}/outcomes").json()["holding"][0]
    liaison = httpx.Client(
        base_url=server.url,
        timeout=60,
        headers={"Authorization": "Bearer " + liaison_token(week, held["provider_id"])},
    )
    where = f"/runs/{run2}/placements/{held['placement_id']}"
    end = {"client_ids": [held["client_id"]], "reason": "motivaatio hiipui", "end_week": weeks[1]}
    r = liaison.post(f"{where}/end", json=end)
    assert r.status_code == 201, r.text
    outcome = {"client_id": held["client_id"], "outcome": "training"}
    assert liaison.post(f"{where}/outcome", json=outcome).status_code == 201
    page.click("button[data-lang=fi]")
    page.click("#show-btn")
    expect(page.locator("#outcomes-line")).to_contain_text("tulos kirjattu 1")
    bar = page.locator("#chart-outcomes .bar-row[data-label='koulutus tai opinnot']")
    expect(bar).to_have_attribute("data-value", "1")
    expect(page.locator("[data-table=outcomes]")).to_contain_text(held["provider_id"])
    # coded cells as labels in Finnish: the held placement's type, every type of the by-type table
    expect(page.locator("[data-table=outcomes]")).to_contain_text(
        CATALOGUE[f"type.{held['type']}"]["fi"]
    )
    finnish = {CATALOGUE[f"type.{r['type']}"]["fi"] for r in want["tables"]["by_type"]}
    assert set(texts(page, "[data-table=by_type] tbody td:first-child")) == finnish
    assert page.errors == [] and page.failed == []  # type: ignore[attr-defined]


def liaison_token(week: dict[str, Any], provider: str) -> str:
    """A liaison of `provider` in the week's region, in the server's database."""
    from api.auth import create_token
    from tests.api.web.pages import REGION

    return create_token(week["db"], "liaison", region=REGION, providers=[provider], name="Leena")
