"""Fixtures for intel tests: a store with a few cases and a clock the test controls."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest

from caselink.intel import ManualClock
from caselink.store import Store

T0 = datetime(2026, 3, 2, 9, 0, 0)

CASES = [
    {"case_id": "D1", "incident_type": "death", "occurred_from": "2014-06-19", "status": "open",
     "classification": "non_suspicious", "circumstances": ["note_left"], "substances": ["ghb"],
     "entities": [{"kind": "phone", "role": "reporter", "value": "+44 7700 900123", "name": "Steve"}]},
    {"case_id": "D2", "incident_type": "death", "occurred_from": "2014-08-28", "status": "closed",
     "classification": "non_suspicious",
     "entities": [{"kind": "phone", "role": "associate", "value": "447700900123"},
                  {"kind": "vehicle", "role": "other", "value": "AB12 CDE"}]},
    {"case_id": "B1", "incident_type": "burglary", "occurred_from": "2015-01-01"},
]


def write_cases(path: Path, cases: list[dict[str, object]]) -> Path:
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in cases) + b"\n")
    return path


def load_cases(store: Store, tmp_path: Path, cases: list[dict[str, object]] | None = None) -> None:
    store.ingest([write_cases(tmp_path / "cases.jsonl", cases or CASES)], run_hooks=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def cased_store(store: Store, tmp_path: Path) -> Store:
    load_cases(store, tmp_path)
    return store
