"""Time to acknowledge intel, by the concerned case's victim: real intel reports and lifecycle."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
import pytest

from caselink.audit import entries
from caselink.disparity import DisparitySpec, run
from caselink.intel import ManualClock, NewReport, add_reports, transition
from caselink.store import Store

START = datetime(2026, 1, 5, 9, 0)


@pytest.fixture
def intel_store(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Reports about gay victims acknowledged after 30 h (or never); others after 2 h."""
    cases = [{"case_id": f"C{i}", "incident_type": "death", "occurred_from": "2025-12-01",
              "victim_sex": "M", "victim_tags": ["gay"] if i < 10 else []} for i in range(30)]
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in cases) + b"\n")
    store.ingest([path], show_progress=False, run_hooks=False)
    clock = ManualClock(START)
    reports = add_reports(store, [
        NewReport(text=f"my friend in case C{i} met a man online", reporter_relation="friend",
                  channel="phone", received_at=START, case_ids=(f"C{i}",)) for i in range(30)], clock=clock)
    by_case = {r.case_ids[0]: r.report_id for r in reports}
    ids = [by_case[f"C{i}"] for i in range(30)]
    clock.advance(hours=2)
    for i in range(10, 30):
        transition(store, ids[i], "acknowledge", "called back", clock=clock)
    clock.advance(hours=28)
    for i in range(0, 7):  # 7 of the 10 acknowledged after 30 h; 3 never
        transition(store, ids[i], "acknowledge", "called back", clock=clock)
    monkeypatch.setenv("CASELINK_NOW", "2026-01-08T09:00:00Z")  # 72 h after receipt
    return store


def test_late_acknowledgement_by_victim_tag(intel_store: Store) -> None:
    result = run(intel_store, DisparitySpec(outcome="ack_hours > 24", by="victim_tags has gay"), purpose="t")
    assert result.source == "intel" and result.n_reports == 30
    groups = {g.group: (g.k, g.n) for g in result.groups}
    assert groups == {"yes": (10, 10), "no": (0, 20)}  # 3 never acknowledged count as late by now
    assert any("not yet acknowledged" in n for n in result.notes)
    last = entries(intel_store.con)[0]
    assert (last.command, last.purpose) == ("disparity", "t") and len(last.case_ids) == 30


def test_intel_fields_combine_with_case_fields(intel_store: Store) -> None:
    result = run(intel_store, DisparitySpec(outcome="acknowledged = no", by="victim_tags",
                                            where="intel_channel = phone and victim_sex = M"), purpose="t")
    groups = {g.group: (g.k, g.n) for g in result.groups}
    assert groups == {"gay": (3, 10), "(none)": (0, 20)}
