"""Shortlists in a real browser (issue 8): the coordinator starts a shortlist run from the page,
a liaison sees their provider's list and picks a candidate, the coordinator re-runs and the pick
holds (the client is locked in that placement and on no list). Same setup as test_web_pages.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from api.auth import create_token
from tests.api.server import Server
from tests.api.web.pages import REGION, new_page, sign_in

pytestmark = pytest.mark.browser


def shortlist_run_from_page(coord: Any, expect: Any, api: httpx.Client) -> int:
    """Start a shortlist run from the coordinator's page and wait until the page says it is
    done; its id."""
    before = {r["id"] for r in api.get("/runs").json()}
    coord.select_option("#run-kind", "shortlist")
    coord.fill("#time-limit", "2")
    coord.click("#run-btn")
    deadline = time.monotonic() + 10
    while not (added := {r["id"] for r in api.get("/runs").json()} - before):
        assert time.monotonic() < deadline, "the page started no run"
        time.sleep(0.2)
    new = max(added)
    expect(coord.locator("#status .msg.ok")).to_contain_text(
        f"Ehdokaslista-ajo #{new}", timeout=60_000
    )
    return new


def test_liaison_picks_from_a_list_and_the_pick_holds(
    browser: Any,
    server: Server,
    week: dict[str, Any],
) -> None:
    from playwright.sync_api import expect

    api = httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {week['coordinator']}"}
    )
    coord = new_page(browser)
    sign_in(coord, server.url, week["coordinator"], "/coordinator")
    coord.set_input_files("#upload-file", str(week["zip"]))
    expect(coord.locator("#status .msg.ok")).to_contain_text(week["inst"].name, timeout=30_000)
    first = shortlist_run_from_page(coord, expect, api)
    assert api.get(f"/runs/{first}").json()["request"]["kind"] == "shortlist"
    lists = api.get(f"/runs/{first}/shortlists").json()["lists"]
    chosen = next(s for s in lists if s["seats"] > 0 and s["candidates"])
    placement, provider = chosen["placement_id"], chosen["provider_id"]
    client = chosen["candidates"][0]["client_id"]

    liaison_token = create_token(
        week["db"], "liaison", region=REGION, providers=[provider], name="Leena Yhteyshenkilö"
    )
    liaison = new_page(browser)
    sign_in(liaison, server.url, liaison_token, "/liaison")
    card = liaison.locator(f"#panel-shortlists .shortlist[data-placement='{placement}']")
    expect(card).to_be_visible()
    row = card.locator(f"tr[data-client='{client}']")
    expect(row).to_have_attribute("data-decision", "pending")
    assert "score" not in liaison.locator("#panel-shortlists").inner_text().lower()
    row.locator("button.pick").click()
    expect(liaison.locator("#status .msg.ok")).to_contain_text(client)
    expect(row).to_have_attribute("data-decision", "accepted")
    expect(liaison.locator("#panel-history")).to_contain_text(client)

    second = shortlist_run_from_page(coord, expect, api)
    assert second != first
    rerun = {s["placement_id"]: s for s in api.get(f"/runs/{second}/shortlists").json()["lists"]}
    assert client in rerun[placement]["locked"]
    assert all(client not in [c["client_id"] for c in s["candidates"]] for s in rerun.values())
    # the first run's lists held back while the liaison switches to the second run: the late
    # answer must not land in the second run's panels (it did, under load, before refreshes
    # were queued)
    stalled: list[Any] = []
    liaison.route(f"**/runs/{first}/shortlists*", lambda route: stalled.append(route))
    with liaison.expect_request(lambda r: f"/runs/{first}/shortlists" in r.url):
        liaison.click("#refresh")
    expect(liaison.locator(f"#run option[value='{second}']")).to_have_count(1)
    liaison.select_option("#run", str(second))
    liaison.wait_for_timeout(500)
    stalled[0].continue_()
    liaison.unroute(f"**/runs/{first}/shortlists*")
    liaison.wait_for_selector(f"body[data-run='{second}']", state="attached")
    expect(
        liaison.locator(f"#panel-shortlists .shortlist[data-placement='{placement}'] .locked")
    ).to_contain_text(client)
    assert not liaison.errors and not coord.errors, (liaison.errors, coord.errors)
    assert not liaison.failed and not coord.failed, (liaison.failed, coord.failed)
