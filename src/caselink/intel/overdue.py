"""What is past its deadline, who owns it, for how long; and escalation up the policy's chain.

A report is overdue while the step it waits for is past ``received_at + deadline`` (from the
policy, by priority). It stays overdue until that step is done: escalation changes its owner,
never its place on the list. Escalation moves it one role up the chain when it first goes
overdue and again every ``escalate_every`` (one role per run at most, so nobody is skipped);
running it twice at the same time changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from caselink.intel.chain import add_history, transition_anchor
from caselink.intel.clock import Clock, system_clock
from caselink.intel.escalation import DEFAULT_EVERY, Step, apply, due_steps, level_at
from caselink.intel.policy import WAITING_FOR, Policy, load_policy
from caselink.store.store import Store


@dataclass(frozen=True)
class Overdue:
    report_id: str
    priority: str
    state: str
    waiting_for: str
    received_at: datetime
    deadline: datetime
    overdue_by: timedelta
    owner: str
    escalation_level: int
    case_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "priority": self.priority, "state": self.state,
                "waiting_for": self.waiting_for, "received_at": self.received_at.isoformat(),
                "deadline": self.deadline.isoformat(),
                "overdue_hours": round(self.overdue_by.total_seconds() / 3600, 2), "owner": self.owner,
                "escalation_level": self.escalation_level, "case_ids": list(self.case_ids)}


@dataclass(frozen=True)
class Escalation:
    report_id: str
    from_role: str
    to_role: str
    level: int
    overdue_hours: float      # how late the report is now
    due_at: datetime | None = None   # when it reached this level by the policy

    def to_dict(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "from": self.from_role, "to": self.to_role,
                "level": self.level, "overdue_hours": self.overdue_hours,
                "due_at": self.due_at.isoformat() if self.due_at else None}


def find_overdue(con: Any, policy: Policy, now: datetime) -> list[Overdue]:
    """Every open report past the deadline of the step it waits for, most urgent first."""
    rows = con.execute(
        "SELECT r.report_id, r.priority, r.state, r.received_at, r.escalation_level, "
        "  coalesce(list(c.case_id ORDER BY c.case_id) FILTER (WHERE c.case_id IS NOT NULL), []) "
        "FROM intel_reports r LEFT JOIN intel_report_cases c USING (report_id) "
        "WHERE r.state <> 'closed' GROUP BY ALL").fetchall()
    out: list[Overdue] = []
    for rid, priority, state, received, level, cases in rows:
        stage = WAITING_FOR[state]
        limit = policy.deadline(priority, stage)
        if limit is None or now <= received + limit:
            continue
        late = now - (received + limit)
        due = level_at(late, policy.escalate_every.get(priority, DEFAULT_EVERY), len(policy.escalation_chain))
        out.append(Overdue(rid, priority, state, stage, received, received + limit, late,
                           policy.owner(stage, max(int(level), due)), int(level), tuple(cases)))
    rank = {p: i for i, p in enumerate(policy.priorities)}
    out.sort(key=lambda o: (rank.get(o.priority, len(rank)), -o.overdue_by.total_seconds(), o.report_id))
    return out


def overdue_reports(
    store: Store, *, policy: Policy | None = None, clock: Clock = system_clock, purpose: str | None = None,
    command: str = "intel overdue",
) -> list[Overdue]:
    """The overdue list (audited as a consultation of the cases it names)."""
    found = find_overdue(store.con, policy or load_policy(), clock())
    store.audit("consultation", command, sorted({c for o in found for c in o.case_ids}), purpose,
                {"overdue": [o.report_id for o in found][:1000]})
    return found


def _write_report_step(con: Any, step: Step, now: datetime, user: str) -> dict[str, Any]:
    """One ``escalation`` row in the report's history; returns its anchor for the audit row."""
    state = con.execute("SELECT state FROM intel_reports WHERE report_id = ?", [step.item_id]).fetchall()[0][0]
    detail = {"report_id": step.item_id, "from_role": step.from_role, "to_role": step.to_role, "level": step.level,
              "overdue_hours": step.late_hours, "waiting_for": step.stage, "due_at": step.due_at.isoformat()}
    seq = add_history(con, step.item_id, "escalation", state, state, now, user, step.reason, detail)
    return transition_anchor(con, seq)


def escalate(
    store: Store, *, policy: Policy | None = None, clock: Clock = system_clock, command: str = "intel escalate",
) -> list[Escalation]:
    """Bring every overdue report to the escalation level its lateness calls for (``escalation``).

    Idempotent for one instant; a long gap since the last run gives every level passed, each its
    own history row and audit row.
    """
    policy = policy or load_policy()
    now = clock()
    done: list[Escalation] = []
    with store.transaction() as con:
        steps: list[Step] = []
        for item in find_overdue(con, policy, now):
            steps += due_steps(policy, subject="intel report", item_id=item.report_id, stage=item.waiting_for,
                               base_owner=policy.owners[item.waiting_for], priority=item.priority,
                               deadline=item.deadline, level=item.escalation_level, now=now,
                               case_ids=item.case_ids)
        apply(con, steps, writer=_write_report_step, user=store.user, command=command, now=now, policy=policy,
              set_level="UPDATE intel_reports SET escalation_level = ? WHERE report_id = ?")
        done = [Escalation(s.item_id, s.from_role, s.to_role, s.level,
                           round((now - s.deadline).total_seconds() / 3600, 2), s.due_at) for s in steps]
    return done
