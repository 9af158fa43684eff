"""Escalation as a function of time (issue 16): 0, 1, many runs and a long gap give the level the
policy says; the server escalates on its own schedule; every step is audited with owner and reason."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import orjson
from fastapi.testclient import TestClient

from caselink.accounts import ManualClock as ServerClock
from caselink.api import Settings, create_app
from caselink.intel import (
    ManualClock,
    NewReport,
    add_reports,
    escalate,
    get_report,
    load_policy,
    overdue_reports,
)
from caselink.intel.escalation import level_at
from caselink.intel.schedule import Escalator
from caselink.store import Store

from .helpers import T0, load_cases

POLICY = load_policy()


def _add(store: Store, clock: ManualClock, case: str = "B1") -> str:
    return add_reports(store, [NewReport("saw a man", "friend", "phone", case_ids=(case,))], policy=POLICY,
                       clock=clock)[0].report_id


def _escalation_audit(store: Store) -> list[tuple[str, str]]:
    return [(str(p), str(orjson.loads(d)["to"])) for p, d in store.con.execute(
        "SELECT purpose, detail FROM audit_log WHERE command = 'intel escalate' ORDER BY seq").fetchall()]


def test_level_is_a_function_of_lateness() -> None:
    every = timedelta(hours=24)
    assert [level_at(timedelta(hours=h), every, 4) for h in (-1, 0, 0.1, 23.9, 24, 48, 72, 96, 696)] == \
        [0, 0, 1, 1, 2, 3, 4, 4, 4]


def test_no_run_then_one_then_many_at_the_same_instant(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock)                # burglary: normal, acknowledge 24 h, escalate every 24 h
    clock.advance(hours=30)                       # 6 h late, nobody has run anything yet
    [item] = overdue_reports(cased_store, policy=POLICY, clock=clock)
    assert (item.owner, item.escalation_level) == ("detective_sergeant", 0)   # the policy's owner regardless
    [step] = escalate(cased_store, policy=POLICY, clock=clock)
    assert (step.from_role, step.to_role, step.level) == ("intel_desk", "detective_sergeant", 1)
    history = len(get_report(cased_store, rid, purpose="t").history)
    audit_rows = cased_store.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0]
    for _ in range(5):                            # the same instant: nothing changes, nothing is logged
        assert escalate(cased_store, policy=POLICY, clock=clock) == []
    assert len(get_report(cased_store, rid, purpose="t").history) == history
    assert cased_store.con.execute("SELECT count(*) FROM audit_log WHERE command = 'intel escalate'"
                                   ).fetchall()[0][0] == 1
    assert cased_store.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == audit_rows + 1  # the read above
    assert get_report(cased_store, rid, purpose="t").escalation_level == 1


def test_long_gap_lands_on_the_level_the_policy_says(cased_store: Store, clock: ManualClock) -> None:
    normal, high = _add(cased_store, clock), _add(cased_store, clock, "D1")   # D1: high, every 12 h
    clock.advance(hours=24 + 696)                 # 696 h late for the acknowledgement; nothing ran meanwhile
    steps = escalate(cased_store, policy=POLICY, clock=clock)
    for rid in (normal, high):
        report = get_report(cased_store, rid, purpose="t")
        assert report.escalation_level == len(POLICY.escalation_chain) == 4
        assert [o.owner for o in overdue_reports(cased_store, policy=POLICY, clock=clock)
                if o.report_id == rid] == ["superintendent"]
        mine = [s for s in steps if s.report_id == rid]
        assert [s.to_role for s in mine] == list(POLICY.escalation_chain)     # every role, none skipped
        due = [h["detail"]["due_at"] for h in report.history if h["kind"] == "escalation"]
        every = POLICY.escalate_every[report.priority]
        deadline = T0 + POLICY.deadline(report.priority, "acknowledge")   # type: ignore[operator]
        assert due == [(deadline + every * i).isoformat() for i in range(4)]
    audited = _escalation_audit(cased_store)
    assert len(audited) == 8                      # one audited step per escalation, with its reason
    assert all("acknowledge not done by its deadline" in p and "escalated from" in p for p, _ in audited)
    assert [to for p, to in audited if normal in p] == list(POLICY.escalation_chain)
    assert escalate(cased_store, policy=POLICY, clock=clock) == []


def test_partial_gap_gives_exactly_the_levels_due(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock)
    clock.advance(hours=24 + 49)                  # 49 h late at 24 h per level: level 3
    assert [s.level for s in escalate(cased_store, policy=POLICY, clock=clock)] == [1, 2, 3]
    clock.advance(hours=22)                       # 71 h: still 3
    assert escalate(cased_store, policy=POLICY, clock=clock) == []
    clock.advance(hours=1)                        # 72 h: 4
    assert [s.level for s in escalate(cased_store, policy=POLICY, clock=clock)] == [4]
    assert get_report(cased_store, rid, purpose="t").escalation_level == 4


def test_escalator_loop_runs_on_its_interval_without_sleeping(cased_store: Store, clock: ManualClock) -> None:
    rid = _add(cased_store, clock)
    levels: list[int] = []

    def run_pass() -> int:
        done = len(escalate(cased_store, policy=POLICY, clock=clock))
        levels.append(get_report(cased_store, rid, purpose="t").escalation_level)
        return done

    async def fake_wait(stop: asyncio.Event, seconds: float) -> None:
        clock.advance(hours=seconds / 3600)       # time passes only when the loop waits
        if len(levels) == 8:
            stop.set()

    escalator = Escalator(run_pass, timedelta(hours=12), fake_wait)
    asyncio.run(escalator.loop(asyncio.Event()))
    # passes at 0, 12, ..., 84 h after receipt: due at 24 h (on time there), late from then on,
    # one level more per 24 h of lateness
    assert levels == [0, 0, 0, 1, 2, 2, 3, 3]
    assert (escalator.passes, escalator.escalated, escalator.failures) == (8, 3, 0)


def test_escalator_survives_a_failing_pass() -> None:
    calls: list[int] = []

    def run_pass() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("store busy")
        return 0

    async def fake_wait(stop: asyncio.Event, seconds: float) -> None:
        if len(calls) == 3:
            stop.set()

    escalator = Escalator(run_pass, timedelta(minutes=5), fake_wait)
    asyncio.run(escalator.loop(asyncio.Event()))
    assert (escalator.passes, escalator.failures) == (3, 1)


def test_server_escalates_on_its_own_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "server.duckdb"
    clock = ManualClock(T0)
    with Store.open(db, user="setup") as store:
        load_cases(store, tmp_path)
        rid = _add(store, clock)
    server_clock = ServerClock(T0 + timedelta(hours=24 + 696))
    waited = threading.Event()

    async def wait(stop: asyncio.Event, seconds: float) -> None:
        assert seconds == 3600
        waited.set()
        await stop.wait()

    app = create_app(Settings(db_path=db, escalate_every=timedelta(hours=1)), clock=server_clock,
                     escalation_wait=wait)
    with TestClient(app):
        assert waited.wait(10), "the first scheduled pass did not run"
        state = app.state.caselink
        level, = state.store.con.execute("SELECT escalation_level FROM intel_reports WHERE report_id = ?",
                                         [rid]).fetchall()[0]
        assert level == 4
        users = {u for (u,) in state.store.con.execute(
            "SELECT DISTINCT user_name FROM audit_log WHERE command = 'serve: scheduled escalation'").fetchall()}
        assert users == {"caselink (scheduled escalation)"}
    assert app.state.escalator.passes == 1
    app.state.caselink.store.close()


def test_server_without_schedule_does_not_escalate(tmp_path: Path) -> None:
    db = tmp_path / "server.duckdb"
    clock = ManualClock(T0)
    with Store.open(db, user="setup") as store:
        load_cases(store, tmp_path)
        _add(store, clock)
    app = create_app(Settings(db_path=db, escalate_every=None), clock=ServerClock(T0 + timedelta(days=40)))
    with TestClient(app):
        pass
    assert app.state.caselink.store.con.execute("SELECT max(escalation_level) FROM intel_reports"
                                                ).fetchall()[0][0] == 0
    app.state.caselink.store.close()
