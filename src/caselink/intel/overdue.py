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

import orjson

from caselink import audit
from caselink.intel.clock import Clock, system_clock
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
    overdue_hours: float

    def to_dict(self) -> dict[str, Any]:
        return {"report_id": self.report_id, "from": self.from_role, "to": self.to_role,
                "level": self.level, "overdue_hours": self.overdue_hours}


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
        out.append(Overdue(rid, priority, state, stage, received, received + limit, now - (received + limit),
                           policy.owner(stage, level), int(level), tuple(cases)))
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


def _target_level(policy: Policy, item: Overdue) -> int:
    every = policy.escalate_every.get(item.priority, timedelta(hours=24))
    return min(1 + int(item.overdue_by / every), len(policy.escalation_chain))


def escalate(
    store: Store, *, policy: Policy | None = None, clock: Clock = system_clock, command: str = "intel escalate",
) -> list[Escalation]:
    """Move every overdue report up the chain (one role per run at most); one history row per report
    and one audit row per run that lists every escalation with its reason."""
    policy = policy or load_policy()
    now = clock()
    done: list[Escalation] = []
    with store.transaction() as con:
        rows: list[list[Any]] = []
        cases: set[str] = set()
        for item in find_overdue(con, policy, now):
            level = min(item.escalation_level + 1, _target_level(policy, item))
            if level <= item.escalation_level:
                continue
            to_role = policy.owner(item.waiting_for, level)
            hours = round(item.overdue_by.total_seconds() / 3600, 2)
            reason = (f"{item.waiting_for} overdue by {hours} h (deadline {item.deadline.isoformat()}): "
                      f"escalated from {item.owner} to {to_role}")
            detail = {"report_id": item.report_id, "from_role": item.owner, "to_role": to_role, "level": level,
                      "overdue_hours": hours, "waiting_for": item.waiting_for, "policy_hash": policy.hash}
            rows.append([item.report_id, level, item.state, reason, orjson.dumps(detail).decode()])
            cases.update(item.case_ids)
            done.append(Escalation(item.report_id, item.owner, to_role, level, hours))
        if not rows:
            return done
        ids, levels, states, reasons, details = (list(col) for col in zip(*rows, strict=True))
        con.execute("UPDATE intel_reports SET escalation_level = u.level FROM "
                    "(SELECT unnest(?) AS id, unnest(?) AS level) u WHERE report_id = u.id", [ids, levels])
        con.execute("INSERT INTO intel_transitions (report_id, kind, from_state, to_state, happened_at, user_name, "
                    "reason, detail) SELECT unnest(?), 'escalation', unnest(?), unnest(?), ?, ?, unnest(?), unnest(?)",
                    [ids, states, states, now, store.user, reasons, details])
        what = reasons[0] if len(ids) == 1 else f"{len(ids)} overdue intel reports escalated"
        audit.append(con, user=store.user, action="alteration", command=command, case_ids=sorted(cases),
                     purpose=what, detail={"policy_hash": policy.hash, "escalations": [
                         {"report_id": i, "reason": r} for i, r in zip(ids, reasons, strict=True)]})
    return done
