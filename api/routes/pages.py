"""The web pages (coordinator, period report, liaison) and the log-in page, as static files.

Plain HTML, CSS and JavaScript modules from api/static (nothing is built, nothing is fetched
from the internet); every piece of data comes from the JSON routes with the bearer token the
user typed in. The pages themselves need no token. A strict Content-Security-Policy allows
scripts, styles and requests to this server only.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from api.problems import HttpError
from matcher.messages import page_labels

STATIC = Path(__file__).resolve().parents[1] / "static"
PAGES = {
    "": "index.html",
    "coordinator": "coordinator.html",
    "liaison": "liaison.html",
    "report": "report.html",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(
        STATIC / PAGES[name], media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS
    )


@router.get("/")
def index_page() -> FileResponse:
    """Log-in: the user pastes their token and is sent to the page of their role."""
    return _page("")


@router.get("/coordinator")
def coordinator_page() -> FileResponse:
    """The coordinator's page (admins use it too)."""
    return _page("coordinator")


@router.get("/report")
def report_page() -> FileResponse:
    """The coordinator's period report: charts and tables of GET /reports, XLSX and CSV."""
    return _page("report")


@router.get("/liaison")
def liaison_page() -> FileResponse:
    """The employer liaison's page: proposals, accept / reject, decision history."""
    return _page("liaison")


@cache
def _i18n_body() -> bytes:
    """The pages' labels from the message catalogue, made once per process (the catalogue is
    read at import and never changes while the service runs)."""
    return json.dumps(page_labels(), ensure_ascii=False, sort_keys=True).encode("utf-8")


@router.get("/static/i18n.json")
def i18n_labels() -> Response:
    """The pages' labels in Finnish and English, built from matcher/messages.json (one catalogue
    for the engine's texts and the pages'; there is no i18n.json file)."""
    return Response(
        _i18n_body(),
        media_type="application/json",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
    )


@router.get("/static/{path:path}")
def static_file(path: str) -> FileResponse:
    """A file under api/static (404 for anything outside it or missing)."""
    target = (STATIC / path).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        raise HttpError(404, "error.page.no_file", path=path)
    return FileResponse(
        target, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    )
