"""Alerts with an owner and a deadline: linkage, entity and intel alerts must be acknowledged.

The policy's ``alerts`` section gives, per alert kind, the owner, a priority and how long the
owner has to acknowledge one from when it was raised. An unacknowledged alert past that is
overdue and escalates up the same chain as reports, by the same function
(``caselink.intel.escalation``); each step is a row in ``alert_events`` and an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import orjson

from caselink.intel.clock import Clock, system_clock
from caselink.intel.escalation import DEFAULT_EVERY, Step, apply, due_steps, level_at
from caselink.intel.policy import Policy, load_policy
from caselink.store.store import Store

STAGE = "acknowledge"


@dataclass(frozen=True)
class AlertDue:
    """An unacknowledged alert of a kind the policy gives a deadline."""

    alert_id: int
    kind: str
    title: str
    case_ids: tuple[str, ...]
    created_at: datetime
    deadline: datetime
    priority: str
    base_owner: str
    escalation_level: int     # recorded
    owner: str                # who the policy says owns it now
    overdue_by: timedelta     # negative while not yet due
    acknowledged: bool = False

    @property
    def overdue(self) -> bool:
        return not self.acknowledged and self.overdue_by > timedelta(0)

    def to_dict(self) -> dict[str, Any]:
        return {"alert_id": self.alert_id, "kind": self.kind, "title": self.title, "case_ids": list(self.case_ids),
                "created_at": self.created_at.isoformat(), "deadline": self.deadline.isoformat(),
                "priority": self.priority, "owner": self.owner, "escalation_level": self.escalation_level,
                "overdue": self.overdue, "overdue_hours": round(self.overdue_by.total_seconds() / 3600, 2)}


def alerts_due(con: duckdb.DuckDBPyConnection, policy: Policy, now: datetime, *, overdue_only: bool = False,
               alert_ids: list[int] | None = None, include_acknowledged: bool = False) -> list[AlertDue]:
    """Unacknowledged alerts with a deadline (only the overdue ones if asked; acknowledged ones too,
    never overdue, if asked), most overdue first."""
    kinds = sorted(policy.alert_rules)
    if not kinds:
        return []
    where = ("TRUE" if include_acknowledged else "acknowledged_at IS NULL") + " AND list_contains(?, kind)"
    params: list[Any] = [kinds]
    if alert_ids is not None:
        where += " AND list_contains(?, alert_id)"
        params.append(alert_ids)
    out: list[AlertDue] = []
    for aid, kind, title, case_id, related, created, level, acked in con.execute(
            "SELECT alert_id, kind, title, case_id, related_ids, created_at, coalesce(escalation_level, 0), "
            f"acknowledged_at IS NOT NULL FROM alerts WHERE {where}", params).fetchall():
        rule = policy.alert_rules[kind]
        deadline = created + rule.acknowledge
        late = now - deadline
        if overdue_only and late <= timedelta(0):
            continue
        due = level_at(late, policy.escalate_every.get(rule.priority, DEFAULT_EVERY), len(policy.escalation_chain))
        cases = tuple(dict.fromkeys([c for c in [case_id, *related] if c and not c.startswith("INT-")]))
        out.append(AlertDue(int(aid), kind, title, cases, created, deadline, rule.priority, rule.owner, int(level),
                            policy.role_at(rule.owner, max(int(level), due)), late, bool(acked)))
    out.sort(key=lambda a: (-a.overdue_by.total_seconds(), a.alert_id))
    return out


def overdue_alerts(store: Store, *, policy: Policy | None = None, clock: Clock = system_clock,
                   purpose: str | None = None, command: str = "intel overdue") -> list[AlertDue]:
    """Overdue alerts (audited as a consultation of the cases they name)."""
    found = alerts_due(store.con, policy or load_policy(), clock(), overdue_only=True)
    store.audit("consultation", command, sorted({c for a in found for c in a.case_ids}), purpose,
                {"overdue_alerts": [a.alert_id for a in found][:1000]})
    return found


def _write_alert_step(con: duckdb.DuckDBPyConnection, step: Step, now: datetime, user: str) -> dict[str, Any]:
    con.execute("INSERT INTO alert_events (alert_id, kind, happened_at, user_name, reason, detail) "
                "VALUES (?, 'escalation', ?, ?, ?, ?)",
                [int(step.item_id), now, user, step.reason, orjson.dumps(step.to_dict()).decode()])
    return {"alert_id": int(step.item_id)}


def escalate_alerts(store: Store, *, policy: Policy | None = None, clock: Clock = system_clock,
                    command: str = "intel escalate") -> list[Step]:
    """Bring every overdue alert to the escalation level its lateness calls for (idempotent)."""
    policy = policy or load_policy()
    now = clock()
    with store.transaction() as con:
        steps = [s for a in alerts_due(con, policy, now, overdue_only=True)
                 for s in due_steps(policy, subject="alert", item_id=str(a.alert_id), stage=STAGE,
                                    base_owner=a.base_owner, priority=a.priority, deadline=a.deadline,
                                    level=a.escalation_level, now=now, case_ids=a.case_ids)]
        apply(con, steps, writer=_write_alert_step, user=store.user, command=command, now=now, policy=policy,
              set_level="UPDATE alerts SET escalation_level = ? WHERE alert_id = CAST(? AS BIGINT)")
    return steps


def alert_history(con: duckdb.DuckDBPyConnection, alert_id: int) -> list[dict[str, Any]]:
    rows = con.execute("SELECT seq, kind, happened_at, user_name, reason FROM alert_events WHERE alert_id = ? "
                       "ORDER BY seq", [alert_id]).fetchall()
    return [{"seq": s, "kind": k, "at": at.isoformat(), "user": u, "reason": r} for s, k, at, u, r in rows]
