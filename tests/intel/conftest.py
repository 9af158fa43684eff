"""Fixtures for intel tests: a store with a few cases and a clock the test controls."""

from __future__ import annotations

from pathlib import Path

import pytest

from caselink.intel import ManualClock
from caselink.store import Store

from .helpers import T0, load_cases


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def cased_store(store: Store, tmp_path: Path) -> Store:
    load_cases(store, tmp_path)
    return store
