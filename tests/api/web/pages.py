"""Page helpers of the browser tests (no tests here): a fresh laptop-sized page that records script
errors and failed requests, signing in with a token, reading texts and attributes; and through the
API, uploading a week and solving it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

REGION = "pohjois-savo"  # the generated week of the browser tests
LAPTOP = {"width": 1366, "height": 768}
# how long a page action or an `expect` waits by default: Playwright's 5 s for expect flaked
# when the machine ran two suites at once (the server answers, but late)
WAIT_MS = 15_000


def new_page(browser: Any) -> Any:
    """A page in a fresh context (own session storage) on a laptop-sized screen; any script
    error on it fails the test."""
    context = browser.new_context(viewport=LAPTOP, locale="fi-FI")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    errors: list[str] = []
    failed: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.status} {r.request.method} {r.url}") if r.status >= 400 else None
        ),
    )
    page.errors = errors  # type: ignore[attr-defined]
    page.failed = failed  # type: ignore[attr-defined]
    return page


def sign_in(page: Any, url: str, token: str, lands_on: str) -> None:
    page.goto(url + "/")
    page.wait_for_selector("body[data-ready]")
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_url(f"**{lands_on}")
    page.wait_for_selector("body[data-ready]")


def show_run(page: Any, run_id: int) -> None:
    """Choose run `run_id` on the liaison page and wait until its panels have loaded it."""
    page.select_option("#run", str(run_id))
    page.wait_for_selector(f"body[data-run='{run_id}']", state="attached")


def texts(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def attr_values(page: Any, selector: str, name: str) -> list[str]:
    return [e.get_attribute(name) for e in page.locator(selector).all()]


def upload_week(api: httpx.Client, zip_path: Path) -> int:
    """Upload the week's zip as a new instance; its id."""
    with open(zip_path, "rb") as f:
        r = api.post("/instances", files={"file": ("week.zip", f, "application/zip")})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def solved(api: httpx.Client, instance_id: int, kind: str | None = None) -> int:
    """Queue a 2-second run of the instance (a shortlist run with kind="shortlist") and wait
    until the server's worker has done it; the run id."""
    body: dict[str, Any] = {"time_limit": 2} | ({"kind": kind} if kind else {})
    run = api.post(f"/instances/{instance_id}/runs", json=body).json()["id"]
    deadline = time.monotonic() + 60
    while api.get(f"/runs/{run}").json()["status"] != "done":
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.3)
    return int(run)
