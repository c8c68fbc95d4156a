"""Fixtures of the reader and validator tests: the valid instance written once per module, and a
fresh copy of it for each test to corrupt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from instances.write import write_instance
from tests.instances.cases import valid_instance


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_instance(valid_instance(), tmp_path_factory.mktemp("template") / "inst")


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the valid instance folder, to corrupt."""
    return Path(shutil.copytree(template, tmp_path / "inst"))
