"""Fixtures of the API tests: `api`, the app over a fresh temporary database with a token per
role (tests.api.support.Api), closed after the test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.support import Api, open_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    yield from open_api(tmp_path)
