"""Escalation as a function of time: one implementation for intel reports and alerts.

Something with a deadline that has passed is escalated one role up the policy's chain when it
goes overdue and one more every ``escalate_every`` of its priority, up to the last role. The
level is a function of lateness alone (``level_at``), so asking twice at the same instant
changes nothing, and a job that did not run for a month lands where the policy says on its next
run. Levels passed while nobody looked are each recorded as their own step, with the time they
fell due, so the history shows every role the item should have reached and when.

``apply`` writes the steps: each is one history row (by the subject's writer) and one audit row
naming the owner it moved from and to and why, in one transaction with the new level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb

from caselink import audit
from caselink.intel.policy import Policy

DEFAULT_EVERY = timedelta(hours=24)


def level_at(late_by: timedelta, every: timedelta, chain_length: int) -> int:
    """The escalation level ``late_by`` past a deadline: 0 on time, 1 once late, +1 per ``every``."""
    if late_by <= timedelta(0) or chain_length <= 0:
        return 0
    return min(1 + int(late_by / every), chain_length)


@dataclass(frozen=True)
class Step:
    """One role up the chain: from ``from_role`` to ``to_role`` at ``level``, due at ``due_at``."""

    subject: str          # "intel report" or "alert"
    item_id: str
    stage: str            # what it waits for (acknowledge, assess, ...)
    level: int
    from_role: str
    to_role: str
    deadline: datetime
    due_at: datetime
    late_hours: float     # how late it was when this level fell due
    case_ids: tuple[str, ...]

    @property
    def reason(self) -> str:
        return (f"{self.subject} {self.item_id}: {self.stage} not done by its deadline {self.deadline.isoformat()}; "
                f"level {self.level} due at {self.due_at.isoformat()} ({self.late_hours:g} h late): "
                f"escalated from {self.from_role} to {self.to_role}")

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "id": self.item_id, "stage": self.stage, "level": self.level,
                "from": self.from_role, "to": self.to_role, "deadline": self.deadline.isoformat(),
                "due_at": self.due_at.isoformat(), "overdue_hours": self.late_hours,
                "case_ids": list(self.case_ids)}


def due_steps(policy: Policy, *, subject: str, item_id: str, stage: str, base_owner: str, priority: str,
              deadline: datetime, level: int, now: datetime, case_ids: Sequence[str] = ()) -> list[Step]:
    """The steps from ``level`` to the level ``now`` calls for (none if it is already there)."""
    every = policy.escalate_every.get(priority, DEFAULT_EVERY)
    target = level_at(now - deadline, every, len(policy.escalation_chain))
    steps = []
    for new in range(level + 1, target + 1):
        due = deadline + every * (new - 1)
        steps.append(Step(subject, item_id, stage, new, policy.role_at(base_owner, new - 1),
                          policy.role_at(base_owner, new), deadline, due,
                          round((due - deadline).total_seconds() / 3600, 2), tuple(case_ids)))
    return steps


Writer = Callable[[duckdb.DuckDBPyConnection, Step, datetime, str], dict[str, Any]]


def apply(con: duckdb.DuckDBPyConnection, steps: Sequence[Step], *, writer: Writer, set_level: str,
          user: str, command: str, now: datetime, policy: Policy) -> None:
    """Record ``steps`` inside the caller's transaction: the writer's history row and one audit row
    each, then the new level per item (``set_level``: an UPDATE taking (level, id))."""
    last: dict[str, int] = {}
    for step in steps:
        extra = writer(con, step, now, user)
        audit.append(con, user=user, action="alteration", command=command, case_ids=step.case_ids,
                     purpose=step.reason, detail={**step.to_dict(), "policy_hash": policy.hash, **extra})
        last[step.item_id] = max(last.get(step.item_id, 0), step.level)
    for item_id, level in last.items():
        con.execute(set_level, [level, item_id])
