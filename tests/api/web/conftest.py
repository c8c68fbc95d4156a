"""Fixtures of the browser tests: headless Chromium (Debian's package) driven by Playwright, a
generated 300-client week with a coordinator token, and the real server over its database,
once on SQLite and once on PostgreSQL (`web_db`: a database of its own per module, since the
server outlives single tests; skipped without PostgreSQL, a failure in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.auth import create_token
from instances.generate import generate_instance
from instances.write import write_instance
from tests.api.conftest import BACKENDS
from tests.api.postgres import new_database
from tests.api.server import Server
from tests.api.web.pages import REGION, WAIT_MS
from tests.factories import ROOT

CHROMIUM = os.environ.get("POLKU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(why: str) -> None:
    """Fail in CI, where the browser must be there; skip on a developer's machine."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run: {why}", pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is missing (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _unavailable(
            f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it, "
            "or set POLKU_CHROMIUM)"
        )
    from playwright.sync_api import expect

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        expect.set_options(timeout=WAIT_MS)  # every expect of the web tests, not 5 s
        try:
            yield b
        finally:
            expect.set_options(timeout=None)
            b.close()


@pytest.fixture(scope="module", params=BACKENDS)
def web_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database for the module's server: a SQLite file, or a PostgreSQL database."""
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        return new_database(server, f"polku_{request.module.__name__.rsplit('.', 1)[-1]}")
    return str(tmp_path_factory.mktemp("webdb") / "polku.sqlite")


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory, web_db: str) -> dict[str, Any]:
    """The generated week, its zip, and a coordinator token in a fresh database."""
    tmp = tmp_path_factory.mktemp("web")
    inst = generate_instance(REGION, 300, seed=3)
    db = web_db
    return {
        "inst": inst,
        "zip": write_instance(inst, tmp / f"{inst.name}.zip"),
        "db": db,
        "tmp": tmp,
        "coordinator": create_token(db, "coordinator", region=REGION, name="Kaisa Koordinaattori"),
    }


@pytest.fixture(scope="module")
def server(week: dict[str, Any]) -> Iterator[Server]:
    srv = Server(week["db"], week["tmp"] / "server.log")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def shots(week: dict[str, Any]) -> Path:
    if os.environ.get("POLKU_SCREENSHOTS") == "1":
        return ROOT / "docs"
    return week["tmp"]
