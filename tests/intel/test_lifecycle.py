"""The report lifecycle with a controllable clock: deadlines, overdue, escalation, audit."""

from __future__ import annotations

import orjson
import pytest

from caselink.errors import NotFound
from caselink.intel import (
    IntelError,
    InvalidTransition,
    ManualClock,
    NewReport,
    add_reports,
    escalate,
    get_report,
    load_policy,
    overdue_reports,
    transition,
)
from caselink.store import Store

from .helpers import audit_rows, snapshot

POLICY = load_policy()


def _add(store: Store, clock: ManualClock, cases: tuple[str, ...] = ("D2",)) -> str:
    return add_reports(store, [NewReport("saw him with a man", "mother", "phone", case_ids=cases)],
                       policy=POLICY, clock=clock)[0].report_id


def _overdue_ids(store: Store, clock: ManualClock) -> list[str]:
    return [o.report_id for o in overdue_reports(store, policy=POLICY, clock=clock)]


def test_full_lifecycle_with_deadlines_overdue_and_escalation(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock, ("B1",))  # a burglary: normal priority, ack 24 h, escalate every 24 h
    assert get_report(cased_store, rid, purpose="t").priority == "normal"
    clock.advance(hours=23, minutes=59)
    assert _overdue_ids(cased_store, clock) == []
    assert escalate(cased_store, policy=POLICY, clock=clock) == []
    clock.advance(hours=2)                   # 25 h 59 m: acknowledgement is 1 h 59 m late
    [item] = overdue_reports(cased_store, policy=POLICY, clock=clock)
    # once late it belongs to the first role of the chain, whether or not that was recorded yet
    assert (item.report_id, item.waiting_for, item.owner, item.escalation_level) == (
        rid, "acknowledge", "detective_sergeant", 0)
    assert round(item.overdue_by.total_seconds() / 60) == 119
    [esc] = escalate(cased_store, policy=POLICY, clock=clock)
    assert (esc.from_role, esc.to_role, esc.level) == ("intel_desk", "detective_sergeant", 1)
    assert escalate(cased_store, policy=POLICY, clock=clock) == []   # same time: nothing more to do
    assert _overdue_ids(cased_store, clock) == [rid]                 # escalated, still overdue
    clock.advance(hours=24)
    [esc] = escalate(cased_store, policy=POLICY, clock=clock)
    assert esc.to_role == "detective_inspector"
    assert [o.owner for o in overdue_reports(cased_store, policy=POLICY, clock=clock)] == ["detective_inspector"]
    for _ in range(10):                       # the chain has an end; the report never leaves the list
        clock.advance(days=2)
        escalate(cased_store, policy=POLICY, clock=clock)
        assert _overdue_ids(cased_store, clock) == [rid]
    assert get_report(cased_store, rid, purpose="t").escalation_level == len(POLICY.escalation_chain)

    transition(cased_store, rid, "acknowledge", "called her back", policy=POLICY, clock=clock)
    [item] = overdue_reports(cased_store, policy=POLICY, clock=clock)   # handled late: assess is late too
    # weeks late for the assessment too: by the policy it is a superintendent's, before any run records it
    assert (item.report_id, item.waiting_for, item.owner, item.escalation_level) == (
        rid, "assess", "superintendent", 0)

    on_time = _add(cased_store, clock, ("B1",))   # a second report, handled in time
    clock.advance(hours=23)
    transition(cased_store, on_time, "acknowledge", "called back", policy=POLICY, clock=clock)
    clock.advance(hours=48)                   # received + 71 h: assessment not yet due
    assert _overdue_ids(cased_store, clock) == [rid]
    clock.advance(hours=2)
    assert sorted(_overdue_ids(cased_store, clock)) == sorted([rid, on_time])
    for r in (rid, on_time):
        transition(cased_store, r, "assess", "credible: names a man seen at two scenes", policy=POLICY,
                   clock=clock)
        transition(cased_store, r, "action", "passed to the SIO; man traced", policy=POLICY, clock=clock)
    assert _overdue_ids(cased_store, clock) == []    # actioned within 14 days of receipt
    closed = transition(cased_store, rid, "close", "man arrested", outcome="passed_to_investigation",
                        policy=POLICY, clock=clock)
    assert (closed.state, closed.outcome) == ("closed", "passed_to_investigation")
    clock.advance(days=365)
    assert _overdue_ids(cased_store, clock) == []
    full = get_report(cased_store, rid, purpose="t")
    kinds = [(h["kind"], h["to"]) for h in full.history]
    assert kinds[0] == ("received", "received")
    assert [k for k in kinds if k[0] == "transition"] == [
        ("transition", s) for s in ("acknowledged", "assessed", "actioned", "closed")]
    assert sum(1 for k in kinds if k[0] == "escalation") == len(POLICY.escalation_chain)


def test_late_step_records_how_late(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock)
    clock.advance(hours=30)
    transition(cased_store, rid, "acknowledge", "sorry for the delay", policy=POLICY, clock=clock)
    detail = orjson.loads(audit_rows(cased_store, "intel acknowledge")[-1][4])
    assert detail["late_by_hours"] == 6.0


def test_high_priority_escalates_faster(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock, ("D1",))   # open death: high priority, escalate every 12 h
    assert get_report(cased_store, rid, purpose="t").priority == "high"
    clock.advance(hours=25)
    assert [e.to_role for e in escalate(cased_store, policy=POLICY, clock=clock)] == ["detective_sergeant"]
    clock.advance(hours=12)
    assert [e.to_role for e in escalate(cased_store, policy=POLICY, clock=clock)] == ["detective_inspector"]


def test_every_transition_and_escalation_is_audited(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock)
    clock.advance(hours=30)
    escalate(cased_store, policy=POLICY, clock=clock)
    steps = [("acknowledge", None), ("assess", None), ("action", None), ("close", "no_further_action")]
    for step, outcome in steps:
        transition(cased_store, rid, step, f"did {step}", outcome=outcome, policy=POLICY, clock=clock)
    rows = audit_rows(cased_store)
    assert rows[0][:3] == ("collection", "intel add", ["D2"])
    changes = [r for r in rows if r[0] == "alteration"]
    assert [r[1] for r in changes] == ["intel escalate", "intel acknowledge", "intel assess", "intel action",
                                       "intel close"]
    for (step, _), row in zip(steps, changes[1:], strict=True):
        assert row[2] == ["D2"] and row[3] == f"did {step}" and row[5] == "tester"
        assert orjson.loads(row[4])["report_id"] == rid
    assert "escalated from intel_desk to detective_sergeant" in changes[0][3]


@pytest.mark.parametrize(("step", "reason", "outcome", "error", "words"), [
    ("assess", "skipping", None, InvalidTransition, "the next step is acknowledge"),
    ("close", "skipping", "duplicate", InvalidTransition, "cannot close"),
    ("acknowledge", "", None, IntelError, "needs a reason"),
    ("acknowledge", "   ", None, IntelError, "needs a reason"),
    ("acknowledge", None, None, IntelError, "needs a reason"),
    ("acknowledge", "ok", "duplicate", IntelError, "only when closing"),
    ("reopen", "ok", None, InvalidTransition, "unknown step"),
])
def test_bad_transitions_are_refused_and_change_nothing(
    cased_store: Store, clock: ManualClock, step: str, reason: str | None, outcome: str | None,
    error: type[Exception], words: str,
) -> None:
    rid = _add(cased_store, clock)
    before = snapshot(cased_store)
    with pytest.raises(error, match=words):
        transition(cased_store, rid, step, reason, outcome=outcome, policy=POLICY, clock=clock)
    assert snapshot(cased_store) == before


def test_close_needs_a_known_outcome(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock)
    for step in ("acknowledge", "assess", "action"):
        transition(cased_store, rid, step, "done", policy=POLICY, clock=clock)
    before = snapshot(cased_store)
    with pytest.raises(IntelError, match="needs an outcome"):
        transition(cased_store, rid, "close", "done", policy=POLICY, clock=clock)
    with pytest.raises(IntelError, match="'solved' is not one of"):
        transition(cased_store, rid, "close", "done", outcome="solved", policy=POLICY, clock=clock)
    assert snapshot(cased_store) == before
    transition(cased_store, rid, "close", "done", outcome="not_substantiated", policy=POLICY, clock=clock)
    with pytest.raises(InvalidTransition, match="it is closed"):
        transition(cased_store, rid, "close", "again", outcome="duplicate", policy=POLICY, clock=clock)


def test_unknown_report_is_not_found(cased_store: Store, clock: ManualClock) -> None:
    before = snapshot(cased_store)
    with pytest.raises(NotFound, match="no intel report 'INT-2026-999999'"):
        transition(cased_store, "INT-2026-999999", "acknowledge", "x", policy=POLICY, clock=clock)
    assert snapshot(cased_store) == before
