"""Fixtures of the API tests: `api`, the app over a fresh database with a token per role
(tests.api.support.Api), closed after the test; `custom_api(**settings)`, more such apps on the
same database; `db_url`, a fresh empty database; `open_db`, stores on it closed after the test.

Every test that reaches a database through these runs twice, `[sqlite]` and `[postgres]`
(tests/api/postgres.py: one throw-away server per session; without PostgreSQL the postgres
variants skip with the reason, with CI=true they fail). A test parametrised on `backend`
itself keeps its own choice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.store import Store, open_store
from tests.api.postgres import fresh_database, start_server
from tests.api.support import Api, open_api

BACKENDS = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Both backends for every test that reaches a database fixture (unless it chose)."""
    chosen = any(
        "backend" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize")
    )
    if "backend" in metafunc.fixturenames and not chosen:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    yield from start_server()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        return fresh_database(request.getfixturevalue("pg_server"))
    return str(tmp_path / "polku.sqlite")


@pytest.fixture
def open_db(db_url: str) -> Iterator[Callable[..., Store]]:
    """`open_db()` a store on the test's database (or `open_db(url)`), as a separate process
    would; every one is closed after the test, so none holds a connection into the next."""
    opened: list[Store] = []

    def open_(url: str | None = None) -> Store:
        store = open_store(url or db_url)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def api(tmp_path: Path, db_url: str) -> Iterator[Api]:
    yield from open_api(tmp_path, db=db_url)


@pytest.fixture
def custom_api(tmp_path: Path, db_url: str) -> Iterator[Callable[..., Api]]:
    """`custom_api(max_queued_runs=2, …)`: an Api with those settings on the test's database,
    closed after the test."""
    opened: list[Iterator[Api]] = []

    def make(**settings: object) -> Api:
        body = open_api(tmp_path, db=db_url, **settings)
        opened.append(body)
        return next(body)

    yield make
    for body in opened:
        next(body, None)  # runs its closing
