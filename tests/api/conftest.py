"""Fixtures of the API tests: `api`, the app over a fresh temporary database with a token per
role (tests.api.support.Api), closed after the test; `db_url`, a fresh empty database. A test
module with `BOTH_BACKENDS = True` runs its tests that use either on SQLite and on PostgreSQL
(tests/api/postgres.py: one server per session, skipped without PostgreSQL, failing in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
def api(tmp_path: Path, db_url: str) -> Iterator[Api]:
    yield from open_api(tmp_path, db=db_url)
