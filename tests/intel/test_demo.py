"""The intel demo step: an overdue report, an escalation, an entity alert and missed-action findings."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from caselink.intel import ManualClock, demo_step, load_policy
from caselink.intel.overdue import find_overdue
from caselink.store import Store

from .helpers import T0


def test_demo_step_on_a_barking_like_store(cased_store: Store) -> None:
    text = demo_step(cased_store, ManualClock(T0))
    assert "recorded for D1" in text                                   # the non-suspicious GHB death
    assert "mentions phone '+44 7700 900123', also in case(s) D2" in text   # the 999 caller turns up again
    assert "escalated intel_desk -> detective_sergeant" in text
    assert "on the overdue list: waiting for acknowledge" in text
    assert "reporter-not-checked" not in text and "not checked against police records" in text
    assert "Review classification" in text and "A note was left" in text
    # acknowledged at the end, late: now waiting for assessment, due 72 h after receipt
    overdue = find_overdue(cased_store.con, load_policy(), T0 + timedelta(hours=1))
    assert [(o.waiting_for, o.state) for o in overdue] == [("assess", "acknowledged")]


def test_demo_step_on_synthetic_data(store: Store, tmp_path: Path) -> None:
    synth = pytest.importorskip("caselink.synth", reason="the synthetic data generator is not installed")
    path = tmp_path / "s.jsonl"
    synth.write_jsonl(2000, str(path), seed=0)
    store.ingest([path], run_hooks=False)
    text = demo_step(store, ManualClock(T0))
    assert "escalated" in text and "check [high]" in text
