"""The placement lifecycle in a real browser (issue 17): a liaison ends a placement of their
provider early and records the outcome on their page; the coordinator's page then shows the
ended placement with that outcome and the outcome report counts it, and a note the coordinator
adds is not on the liaison's page. Same setup as
test_pages (a generated 300-client week on the real server)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.auth import create_token
from tests.api.server import Server
from tests.api.web.pages import REGION, new_page, sign_in, solved, upload_week

pytestmark = pytest.mark.browser
SECRET = "SALAINEN"  # a coordinator's note: never on the liaison's page


def done_run(api: httpx.Client, zip_path: Any) -> tuple[int, int]:
    """Upload the week and solve it (the server's worker); (instance id, run id)."""
    iid = upload_week(api, zip_path)
    return iid, solved(api, iid)


def test_liaison_ends_a_placement_and_records_an_outcome_the_coordinator_sees_it(
    browser: Any, server: Server, week: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    api = httpx.Client(
        base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {week['coordinator']}"}
    )
    _, run = done_run(api, week["zip"])
    holding = api.get(f"/runs/{run}/outcomes").json()["holding"]
    assert holding, "the generated week has clients in placements"
    held = holding[0]
    client, placement, provider = held["client_id"], held["placement_id"], held["provider_id"]
    token = create_token(
        week["db"], "liaison", region=REGION, providers=[provider], name="Leena Yhteyshenkilö"
    )

    liaison = new_page(browser)
    sign_in(liaison, server.url, token, "/liaison")
    panel = liaison.locator("#panel-lifecycle")
    expect(panel).to_contain_text("Paikalla nyt")  # Finnish by default
    row = panel.locator(f"tr[data-client='{client}'][data-placement='{placement}']")
    row.locator("button.end-btn").click()
    row.locator("input.end-reason").fill("motivaatio hiipui")
    row.get_by_role("button", name="Vahvista päättyminen").click()
    expect(liaison.locator("#status .msg.ok")).to_contain_text(client)
    ended = panel.locator(f"tr[data-client='{client}'][data-outcome='']")
    expect(ended).to_contain_text("keskeytyi")
    ended.locator("button.outcome-btn").click()
    ended.locator("select.outcome-select").select_option("training")
    ended.get_by_role("button", name="Tallenna").click()
    mine = panel.locator(f"tr[data-client='{client}'][data-outcome='training']")
    expect(mine).to_contain_text("koulutus tai opinnot")
    expect(mine).to_contain_text("motivaatio hiipui")  # the liaison's own end reason

    # the coordinator adds a note that may hold health details: the liaison's page never shows it
    note = {"client_id": client, "outcome": "training", "note": f"{SECRET} sairausloma"}
    assert api.post(f"/runs/{run}/placements/{placement}/outcome", json=note).status_code == 201
    liaison.click("#refresh")
    expect(mine).to_contain_text("Kaisa Koordinaattori")
    assert SECRET not in liaison.locator("body").inner_text()

    coord = new_page(browser)
    sign_in(coord, server.url, week["coordinator"], "/coordinator")
    card = coord.locator("#card-lifecycle")
    shown = card.locator(f"tr[data-client='{client}'][data-outcome='training']")
    expect(shown).to_contain_text(f"{SECRET} sairausloma", timeout=30_000)
    expect(shown).to_contain_text("motivaatio hiipui")
    expect(coord.locator("#outcome-summary-table")).to_contain_text("koulutus tai opinnot")
    summary = api.get("/outcomes/summary").json()["summary"]["overall"]
    assert summary["recorded"] >= 1 and summary["counts"]["training"] >= 1
    assert not liaison.errors and not coord.errors, (liaison.errors, coord.errors)
    assert not liaison.failed and not coord.failed, (liaison.failed, coord.failed)
