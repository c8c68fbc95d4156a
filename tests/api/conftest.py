"""Fixtures of the API tests: `api`, the app over a fresh temporary database with a token per
role (tests.api.support.Api), closed after the test; `db_url`, a fresh empty database;
`open_db`, stores on it that are closed after the test. A test module with
`BOTH_BACKENDS = True` runs its tests that use either on SQLite and on PostgreSQL
(tests/api/postgres.py: one server per session, skipped without PostgreSQL, failing in CI)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.store import Store, open_store
from tests.api.postgres import fresh_database, start_server
from tests.api.support import Api, open_api

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Both backends for the tests of a BOTH_BACKENDS module that reach a database fixture."""
    if "backend" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_BACKENDS", False):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    yield from start_server()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgresql":
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
