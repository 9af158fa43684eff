"""Shared fixtures: a fresh store per test, the real data folder, a CLI runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from caselink.store import Store

# Timing deadlines make property tests flaky on a shared 2-core machine; behaviour is what we test.
settings.register_profile("caselink", deadline=None, print_blob=True)
settings.load_profile("caselink")

SHARED_DATA = Path(os.environ.get("CASELINK_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")).resolve()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(db_path, user="tester")
    yield s
    s.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data folder {SHARED_DATA} is not present")
    return SHARED_DATA


@pytest.fixture
def cli(db_path: Path) -> CliRunner:
    """A CLI runner whose commands use the test's store and user by environment."""
    return CliRunner(env={"CASELINK_DB": str(db_path), "CASELINK_USER": "tester", "CASELINK_PURPOSE": ""})
