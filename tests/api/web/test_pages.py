"""The web pages in a real browser: headless Chromium (Debian's package) driven by Playwright against
the real server (`polku serve`, worker process) on 127.0.0.1.

A coordinator signs in, uploads a generated 300-client week, runs it and sees the figures the API
gives; pins one pair and forbids another from the page; a liaison (in a separate browser context)
rejects a proposal with a reason and sees it in the history; the coordinator re-runs and the
rejected and forbidden pairs are gone, the pinned one stays; then publishes. A second test checks
the basics: sign-in by keyboard, both languages, a label for every input, a bad token refused.
Two more switch runs (and weeks) on the coordinator's page while the one left still loads: its
late answer never lands in the newly chosen one's panels.

Without Chromium or Playwright the tests fail in CI (CI=true) and are skipped elsewhere.
Screenshots go to docs/ when POLKU_SCREENSHOTS=1, otherwise to a temporary folder.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import create_token
from tests.api.server import Server, pairs_of
from tests.api.web.pages import (
    REGION,
    attr_values,
    new_page,
    sign_in,
    solved,
    texts,
    upload_week,
)
from tests.factories import english_in

pytestmark = pytest.mark.browser

RUN_SECONDS = 2
LIAISON_ROUTES = re.compile(r"^/(me|runs|runs/\d+|runs/\d+/(proposals|decisions|outcomes))$")


def test_week_through_the_pages(
    browser: Any, server: Server, week: dict[str, Any], shots: Path
) -> None:
    from playwright.sync_api import expect

    t0 = time.monotonic()
    inst = week["inst"]
    api = httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {week['coordinator']}"}
    )

    # --- the coordinator signs in, uploads the week and runs it
    coord = new_page(browser)
    sign_in(coord, server.url, week["coordinator"], "/coordinator")
    expect(coord.locator("html")).to_have_attribute("lang", "fi")
    expect(coord.locator("#who")).to_contain_text("Kaisa Koordinaattori")
    coord.set_input_files("#upload-file", str(week["zip"]))
    expect(coord.locator("#status .msg.ok")).to_contain_text(inst.name, timeout=30_000)
    queue = int((inst.clients["current_placement"] == "").sum())
    coord.fill("#time-limit", str(RUN_SECONDS))
    expect(coord.locator("#run-btn")).to_have_text("Käynnistä ajo")
    coord.click("#run-btn")
    expect(coord.locator("#status .msg.ok")).to_contain_text("valmis", timeout=60_000)
    first = api.get("/runs").json()[0]["id"]
    alloc = api.get(f"/runs/{first}/allocation").json()
    summary = alloc["summary"]

    # --- the figures on the page are the allocation's
    placed = len(alloc["assignments"])
    expect(coord.locator("#kpi-placed")).to_have_text(f"{placed} / {queue}")
    assert coord.locator("#chart-progress path.series-objective").count() == 1
    assert int(
        coord.locator("#chart-progress path.series-objective").get_attribute("data-points")
    ) == len(
        [h for h in alloc["solver"]["history"] if h["objective"] is not None]
    )  # bound-only reports
    assert attr_values(coord, "#chart-types g.bar-row", "data-value") == [
        str(v["placed"]) for v in summary["by_type"].values()
    ]
    munis = attr_values(coord, "#chart-munis g.bar-row", "data-label")
    assert sorted(munis) == sorted(summary["by_municipality"])
    assert summary["by_municipality"][munis[0]]["queue"] == max(
        v["queue"] for v in summary["by_municipality"].values()
    )
    assert attr_values(coord, "#chart-pools g.bar-row", "data-label") == [
        p["pool_id"] for p in summary["pools"]
    ]
    assert sum(int(v) for v in attr_values(coord, "#chart-commute g.col", "data-value")) == placed
    assert len(attr_values(coord, "#chart-fairness g.bar-row", "data-value")) == len(
        summary["by_group"]
    )
    canvas = coord.locator("#map")
    assert canvas.get_attribute("data-clients") == str(len(inst.clients))
    assert canvas.get_attribute("data-placements") == str(len(inst.placements))
    assert canvas.get_attribute("data-lines") == str(placed)
    assert canvas.get_attribute("data-left") == str(len(alloc["unassigned"]))
    assert canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height)"
        ".data.some((v, i) => i % 4 === 3 && v > 0)"
    )  # something is drawn
    rows = coord.locator("#unassigned-table tbody tr")
    expect(rows).to_have_count(min(150, len(alloc["unassigned"])))
    left = api.get(f"/runs/{first}/unassigned", params={"lang": "fi"}).json()["unassigned"][0]
    expect(rows.first).to_contain_text(left["reasons"][0][:40])
    assert english_in(texts(coord, "#unassigned-table tbody tr")) == []  # Finnish page

    # --- a client's explanation from the search box
    coord.fill("#client-search", left["client_id"])
    coord.press("#client-search", "Enter")
    expect(coord.locator("#client-outcome")).to_have_text(f"{left['client_id']}: jäi jonoon")
    expect(coord.locator("#client-reasons li")).to_have_count(len(left["reasons"]))
    expect(coord.locator("#client-reasons li").first).to_have_text(left["reasons"][0])
    assert english_in(texts(coord, "#client-reasons li")) == []
    assert canvas.get_attribute("data-focus") == left["client_id"]

    # --- pin one proposal (from the explanation's button) and forbid another (typed in the form)
    by_provider: dict[str, list[tuple[str, str]]] = {}
    provider_of = dict(zip(inst.placements["id"], inst.placements["provider_id"], strict=True))
    for c, p in sorted(pairs_of(alloc)):
        by_provider.setdefault(provider_of[p], []).append((c, p))
    provider = max(sorted(by_provider), key=lambda v: len(by_provider[v]))
    assert len(by_provider[provider]) >= 2
    others = sorted(pairs_of(alloc) - set(by_provider[provider]))
    forbidden = others[-1]
    pinned = next(
        pair
        for pair in others
        if any(  # one whose placement the page lists
            f["chosen"]
            for f in api.get(f"/runs/{first}/clients/{pair[0]}").json()["explanation"]["feasible"]
        )
    )
    coord.fill("#client-search", pinned[0])
    coord.press("#client-search", "Enter")
    expect(coord.locator("#client-outcome")).to_contain_text("sijoitettu")
    coord.get_by_role("button", name=f"Kiinnitä pari {pinned[0]} – {pinned[1]}").click()
    expect(coord.locator("#d-placement")).to_have_value(pinned[1])
    coord.fill("#d-reason", "sovittu viikkotiimissä")
    coord.click("#decision-btn")
    expect(coord.locator("#status .msg.ok")).to_contain_text(f"{pinned[0]} – {pinned[1]}")
    coord.fill("#d-client", forbidden[0])
    coord.fill("#d-placement", forbidden[1])
    coord.check("#d-forbid")
    coord.click("#decision-btn")
    expect(coord.locator("#status .msg.error")).to_be_visible()  # a forbid needs a reason
    coord.fill("#d-reason", "asiakas muuttaa toiselle paikkakunnalle")
    coord.click("#decision-btn")
    expect(coord.locator("#decisions-table tbody tr")).to_have_count(2)

    # --- the liaison of the busiest provider rejects one proposal
    liaison_token = create_token(
        week["db"], "liaison", region=REGION, providers=[provider], name="Liisa Yhteyshenkilö"
    )
    liaison = new_page(browser)
    called: list[str] = []
    liaison.on("request", lambda r: called.append(httpx.URL(r.url).path))
    sign_in(liaison, server.url, liaison_token, "/liaison")
    proposals = liaison.locator("#panel-proposals tbody tr")
    expect(proposals).to_have_count(len(by_provider[provider]))
    assert texts(liaison, "#panel-proposals th") == [
        "Asiakas",
        "Kotikunta",
        "Kielet",
        "Kiinnostukset",
        "Järjestelyt",
        "Matka (min)",
        "Paikka",
        "Palvelu",
        "Tuottaja",
        "Päätös",
        "Toiminnot",
    ]
    rejected = by_provider[provider][0]
    row = liaison.locator(
        f"#panel-proposals tr[data-client='{rejected[0]}'][data-placement='{rejected[1]}']"
    )
    row.get_by_role("button", name="Hylkää").click()
    expect(row.locator("input.reject-reason")).to_be_focused()
    liaison.keyboard.type("tiimi on täynnä tässä kuussa")
    liaison.keyboard.press("Enter")
    expect(row).to_have_attribute("data-decision", "rejected")
    accepted = by_provider[provider][1]
    row = liaison.locator(
        f"#panel-proposals tr[data-client='{accepted[0]}'][data-placement='{accepted[1]}']"
    )
    row.get_by_role("button", name="Hyväksy").click()
    expect(row).to_have_attribute("data-decision", "accepted")
    history = liaison.locator("#panel-history tbody tr")
    expect(history).to_have_count(2)  # the coordinator's decisions were on other providers
    expect(history.last).to_contain_text("tiimi on täynnä tässä kuussa")
    expect(liaison.locator("#counts")).to_contain_text("hyväksytty: 1")
    expect(liaison.locator("#counts")).to_contain_text("hylätty: 1")
    liaison.mouse.move(0, 0)  # no hover colour in the picture
    liaison.screenshot(path=str(shots / "liaison.png"), full_page=True)
    api_paths = {p for p in called if not p.startswith("/static/") and p not in ("/", "/liaison")}
    assert api_paths and all(LIAISON_ROUTES.match(p) for p in api_paths), api_paths
    assert not liaison.errors, liaison.errors  # type: ignore[attr-defined]
    assert not liaison.failed, liaison.failed  # type: ignore[attr-defined]

    # --- the coordinator re-runs: the rejected and forbidden pairs are gone, the pinned stays
    expect(coord.locator("#run-btn")).to_have_text("Aja uudelleen")
    coord.click("#run-btn")
    expect(coord.locator("#status .msg")).to_contain_text("käynnistetty")
    expect(coord.locator("#status .msg.ok")).to_contain_text("valmis", timeout=60_000)
    second = api.get("/runs").json()[0]["id"]
    assert second != first
    alloc2 = api.get(f"/runs/{second}/allocation").json()
    decided = {
        (d["client_id"], d["placement_id"]): d["effect"]
        for d in api.get(f"/runs/{second}/decisions").json()
    }
    assert decided == {pinned: "lock", forbidden: "forbid", rejected: "forbid", accepted: "lock"}
    assert rejected not in pairs_of(alloc2) and forbidden not in pairs_of(alloc2)
    assert pinned in pairs_of(alloc2) and accepted in pairs_of(alloc2)
    expect(coord.locator("#kpi-placed")).to_have_text(f"{len(alloc2['assignments'])} / {queue}")
    assert canvas.get_attribute("data-lines") == str(len(alloc2["assignments"]))
    coord.fill("#client-search", rejected[0])
    coord.press("#client-search", "Enter")
    expect(coord.locator("#client-outcome")).not_to_contain_text(rejected[1])
    expect(coord.locator("#client-view")).to_contain_text("tiimi on täynnä tässä kuussa")
    coord.fill("#client-search", pinned[0])
    coord.press("#client-search", "Enter")
    expect(coord.locator("#client-outcome")).to_contain_text(pinned[1])
    expect(coord.locator("#client-view")).to_contain_text("sovittu viikkotiimissä")
    coord.evaluate("() => window.scrollTo(0, 0)")
    coord.screenshot(path=str(shots / "coordinator.png"), full_page=True)

    # --- publish closes the week
    coord.click("#publish-btn")
    coord.click("#publish-confirm")
    expect(coord.locator("#status .msg.ok")).to_contain_text(f"#{second}")
    expect(coord.locator("#publish-btn")).to_be_disabled()
    expect(coord.locator("#run-btn")).to_be_disabled()
    assert api.get(f"/runs/{second}").json()["published"] is True
    assert not coord.errors, coord.errors  # type: ignore[attr-defined]
    assert not coord.failed, coord.failed  # type: ignore[attr-defined]
    api.close()
    print(f"browser workflow took {time.monotonic() - t0:.1f} s")


def test_page_basics(browser: Any, server: Server, week: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    page = new_page(browser)
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    # keyboard: the skip link comes first, then the language switch, then the form
    page.keyboard.press("Tab")
    expect(page.locator("a.skip")).to_be_focused()
    page.fill("#token", "polku_not-a-token")
    page.press("#token", "Enter")
    expect(page.locator("#status .msg.error")).to_contain_text("Tunniste ei kelpaa")

    sign_in(page, server.url, week["coordinator"], "/coordinator")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => !e.labels?.length && !e.getAttribute('aria-label')).map(e => e.id)""")
    assert unlabelled == []
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#h-map")).to_have_text("Map")
    expect(page.locator("#run-btn")).to_have_text(re.compile("Start run|Re-run"))
    expect(page.locator("label[for=time-limit]")).to_have_text("Time limit (s)")
    body = page.locator("body").inner_text()
    assert not re.search(r"\b(coord|kpi|chart|common|col|fact)\.[a-z_]+", body), (
        "a label key shows instead of its text"
    )
    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice is kept
    page.get_by_role("button", name="Suomi").click()
    expect(page.locator("#h-map")).to_have_text("Kartta")
    page.get_by_role("button", name="Kirjaudu ulos").click()
    page.wait_for_url(server.url + "/")
    page.goto(server.url + "/coordinator")
    page.wait_for_url(server.url + "/")  # no token in this tab any more: back to sign-in
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    assert [f.split()[:2] for f in page.failed] == [["401", "GET"]]  # type: ignore[attr-defined]


def test_a_late_answer_for_the_run_left_does_not_land_in_the_chosen_one(
    browser: Any, server: Server, week: dict[str, Any]
) -> None:
    """Run A's allocation held back while the coordinator switches to run B (a shortlist run,
    no allocation): once A's answer comes, the page still shows B's (no figures), not A's
    (the old page wrote A's figures into B's panels)."""
    from playwright.sync_api import expect

    api = httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {week['coordinator']}"}
    )
    iid = upload_week(api, week["zip"])
    first = solved(api, iid)
    second = solved(api, iid, kind="shortlist")
    assert api.get(f"/runs/{first}/allocation").json()["assignments"]  # figures to show
    coord = new_page(browser)
    sign_in(coord, server.url, week["coordinator"], "/coordinator")
    expect(coord.locator("#instance")).to_have_value(str(iid))
    expect(coord.locator("#run")).to_have_value(str(second))
    expect(coord.locator("#status .msg.ok")).to_contain_text(f"#{second}")
    allocation = f"**/runs/{first}/allocation"
    stalled: list[Any] = []
    coord.route(allocation, lambda route: stalled.append(route))
    with coord.expect_request(lambda r: f"/runs/{first}/allocation" in r.url):
        coord.select_option("#run", str(first))
    coord.select_option("#run", str(second))
    coord.wait_for_timeout(500)
    with coord.expect_response(lambda r: f"/runs/{first}/allocation" in r.url):
        stalled[0].continue_()
    coord.unroute(allocation)
    coord.wait_for_timeout(1000)  # the old page wrote the first run's figures by now
    expect(coord.locator("#run")).to_have_value(str(second))
    expect(coord.locator("#publish-btn")).to_be_disabled()  # a shortlist run is not published
    expect(coord.locator("#kpi-placed")).to_have_text("–")
    expect(coord.locator("#unassigned-table tbody tr")).to_have_count(0)
    assert coord.locator("#map").get_attribute("data-lines") == "0"
    assert not coord.errors, coord.errors  # type: ignore[attr-defined]
    assert not coord.failed, coord.failed  # type: ignore[attr-defined]
    api.close()


def test_a_late_answer_for_the_week_left_does_not_land_in_the_chosen_one(
    browser: Any, server: Server, week: dict[str, Any]
) -> None:
    """Week A's run list held back while the coordinator switches to week B: once A's answer
    comes, the run choice still lists B's runs (the old page listed and loaded A's)."""
    from playwright.sync_api import expect

    api = httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {week['coordinator']}"}
    )
    left = upload_week(api, week["zip"])
    left_run = solved(api, left)
    chosen = upload_week(api, week["zip"])
    chosen_run = solved(api, chosen)
    coord = new_page(browser)
    sign_in(coord, server.url, week["coordinator"], "/coordinator")
    expect(coord.locator("#instance")).to_have_value(str(chosen))
    expect(coord.locator("#run")).to_have_value(str(chosen_run))
    runs = f"**/instances/{left}/runs"
    stalled: list[Any] = []
    coord.route(runs, lambda route: stalled.append(route))
    with coord.expect_request(lambda r: r.url.endswith(f"/instances/{left}/runs")):
        coord.select_option("#instance", str(left))
    coord.select_option("#instance", str(chosen))
    coord.wait_for_timeout(500)
    with coord.expect_response(lambda r: r.url.endswith(f"/instances/{left}/runs")):
        stalled[0].continue_()
    coord.unroute(runs)
    coord.wait_for_timeout(1000)  # the old page listed the left week's runs by now
    expect(coord.locator("#instance")).to_have_value(str(chosen))
    expect(coord.locator("#run")).to_have_value(str(chosen_run))
    assert attr_values(coord, "#run option", "value") == [str(chosen_run)]
    assert left_run != chosen_run
    assert not coord.errors, coord.errors  # type: ignore[attr-defined]
    assert not coord.failed, coord.failed  # type: ignore[attr-defined]
    api.close()
