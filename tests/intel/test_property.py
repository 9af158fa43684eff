"""Property: under any sequence of valid and invalid operations, every report is in exactly one
state, the set of reports never shrinks, and an overdue report stays overdue until handled."""

from __future__ import annotations

import tempfile
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from caselink.errors import CaselinkError
from caselink.intel import (
    STATES,
    ManualClock,
    NewReport,
    add_reports,
    escalate,
    load_policy,
    transition,
)
from caselink.intel import (
    STEPS as LIFECYCLE,
)
from caselink.intel.overdue import find_overdue
from caselink.store import Store

from .helpers import CASES, T0, load_cases

POLICY = load_policy()
STEPS = ["acknowledge", "assess", "action", "close", "reopen"]


class IntelMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.store = Store.open(Path(self.tmp.name) / "p.duckdb", user="prop")
        load_cases(self.store, Path(self.tmp.name), CASES)
        self.clock = ManualClock(T0)
        self.seen: set[str] = set()
        self.history_rows = 0
        self.overdue_before: dict[str, str] = {}   # report -> state when it was overdue

    def teardown(self) -> None:
        self.store.close()
        self.tmp.cleanup()

    def _ids(self) -> list[str]:
        return [r[0] for r in self.store.con.execute("SELECT report_id FROM intel_reports").fetchall()]

    @rule(cases=st.lists(st.sampled_from(["D1", "D2", "B1", "NOPE"]), max_size=2, unique=True),
          priority=st.sampled_from([None, "high", "normal", "bogus"]))
    def add(self, cases: list[str], priority: str | None) -> None:
        try:
            add_reports(self.store, [NewReport("t", "friend", "phone", case_ids=tuple(cases), priority=priority)],
                        policy=POLICY, clock=self.clock)
        except CaselinkError:
            assert "NOPE" in cases or priority == "bogus"

    @rule(index=st.integers(0, 20), step=st.sampled_from(STEPS),
          reason=st.sampled_from(["done", "", None]), outcome=st.sampled_from([None, "duplicate", "nonsense"]))
    def step(self, index: int, step: str, reason: str | None, outcome: str | None) -> None:
        ids = sorted(self.seen) or ["INT-2026-000999"]
        rid = ids[index % len(ids)]
        state = dict(self.store.con.execute("SELECT report_id, state FROM intel_reports").fetchall()).get(rid)
        valid = (step in LIFECYCLE and state == LIFECYCLE[step][0] and bool(reason)
                 and (outcome == "duplicate" if step == "close" else outcome is None))
        try:
            report = transition(self.store, rid, step, reason, outcome=outcome, policy=POLICY, clock=self.clock)
        except CaselinkError:
            assert not valid
            return
        assert valid and report.state == LIFECYCLE[step][1]

    @rule(hours=st.integers(0, 100))
    def advance(self, hours: int) -> None:
        self.clock.advance(hours=hours)

    @rule()
    def run_escalation(self) -> None:
        escalate(self.store, policy=POLICY, clock=self.clock)

    @invariant()
    def every_report_in_exactly_one_state_and_none_lost(self) -> None:
        rows = self.store.con.execute("SELECT report_id, state FROM intel_reports").fetchall()
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids))
        assert all(state in STATES for _, state in rows)
        assert self.seen <= set(ids)
        self.seen = set(ids)
        rows_now = self.store.con.execute("SELECT count(*) FROM intel_transitions").fetchall()[0][0]
        assert rows_now >= self.history_rows           # the history is append-only
        self.history_rows = rows_now

    @invariant()
    def overdue_until_handled(self) -> None:
        states = dict(self.store.con.execute("SELECT report_id, state FROM intel_reports").fetchall())
        now_overdue = {o.report_id for o in find_overdue(self.store.con, POLICY, self.clock())}
        for rid, state in self.overdue_before.items():
            if states[rid] == state:          # not handled since: must still be overdue
                assert rid in now_overdue
        self.overdue_before = {rid: states[rid] for rid in now_overdue}


IntelMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
TestIntelProperties = IntelMachine.TestCase
