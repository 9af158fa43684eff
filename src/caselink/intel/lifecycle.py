"""The report lifecycle: received -> acknowledged -> assessed -> actioned -> closed.

Every step names who did it and why, is appended to ``intel_transitions`` and audited as an
``alteration`` in the same transaction. A step out of order, a missing reason or an unknown
outcome is refused with a clear error and nothing changes. Nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from caselink import audit
from caselink.errors import NotFound
from caselink.intel.chain import add_history, transition_anchor
from caselink.intel.clock import Clock, system_clock
from caselink.intel.policy import STATES, WAITING_FOR, Policy, load_policy
from caselink.intel.reports import IntelError, InvalidTransition, Report, _load, rule_priority
from caselink.store.store import Store

# The state each step leads to, and the one it must start from.
STEPS = {"acknowledge": ("received", "acknowledged"), "assess": ("acknowledged", "assessed"),
         "action": ("assessed", "actioned"), "close": ("actioned", "closed")}


def _late_by(policy: Policy, priority: str, stage: str, received: datetime, now: datetime) -> float | None:
    limit = policy.deadline(priority, stage)
    if limit is None or now <= received + limit:
        return None
    return round((now - (received + limit)).total_seconds() / 3600, 2)


def transition(
    store: Store, report_id: str, step: str, reason: str | None, *, outcome: str | None = None,
    policy: Policy | None = None, clock: Clock = system_clock, command: str | None = None,
) -> Report:
    """Do one lifecycle ``step`` (acknowledge, assess, action, close) on a report.

    ``reason`` says what was done (e.g. the assessment); closing also needs an ``outcome`` named
    in the policy. Raises InvalidTransition (wrong order), IntelError (bad input) or NotFound.
    """
    if step not in STEPS:
        raise InvalidTransition(f"unknown step {step!r} (steps: {', '.join(STEPS)})")
    if reason is None or not reason.strip():
        raise IntelError(f"{step} of {report_id} needs a reason saying what was done (--reason)")
    policy = policy or load_policy()
    if step == "close":
        if not outcome:
            raise IntelError(f"closing {report_id} needs an outcome (one of {', '.join(policy.outcomes)})")
        if outcome not in policy.outcomes:
            raise IntelError(f"outcome {outcome!r} is not one of {', '.join(policy.outcomes)}")
    elif outcome:
        raise IntelError(f"an outcome is given only when closing a report, not on {step}")
    start, end = STEPS[step]
    now = clock()
    with store.transaction() as con:
        found = _load(con, "report_id = ?", [report_id])
        if not found:
            raise NotFound(f"no intel report {report_id!r}")
        report = found[0]
        if report.state != start:
            expected = WAITING_FOR.get(report.state)
            raise InvalidTransition(
                f"{report_id} is {report.state}: cannot {step} it "
                + (f"(the next step is {expected})" if expected else "(it is closed; reports stay closed)"))
        late = _late_by(policy, report.priority, step, report.received_at, now)
        detail = {"report_id": report_id, "from": start, "to": end, "outcome": outcome,
                  "late_by_hours": late, "escalation_level": report.escalation_level}
        con.execute("UPDATE intel_reports SET state = ?, state_since = ?, escalation_level = 0, outcome = ? "
                    "WHERE report_id = ?", [end, now, outcome, report_id])
        seq = add_history(con, report_id, "transition", start, end, now, store.user, reason.strip(), detail)
        audit.append(con, user=store.user, action="alteration", command=command or f"intel {step}",
                     case_ids=report.case_ids, purpose=reason.strip(), detail={**detail, **transition_anchor(con, seq)})
        updated = _load(con, "report_id = ?", [report_id])[0]
    return updated


def state_counts(store: Store) -> dict[str, int]:
    """How many reports are in each state (counts only; no case detail)."""
    rows = dict(store.con.execute("SELECT state, count(*) FROM intel_reports GROUP BY state").fetchall())
    return {s: int(rows.get(s, 0)) for s in STATES}


def raise_priority_for_alerts(store: Store, report_ids: Sequence[str], *, policy: Policy, now: datetime,
                              command: str) -> list[str]:
    """Raise the priority of reports that an intel or entity alert names (e.g. one raised by entity
    resolution after they were recorded) when the policy's ``raised_alert`` rules call for a more
    urgent one; each change is one audited history step. A priority set by a person is kept.
    Returns the reports changed."""
    con = store.con
    rows = con.execute(
        "SELECT r.report_id, r.priority, r.disputes_classification, r.state, "
        "  coalesce(list(DISTINCT c.case_id) FILTER (WHERE c.case_id IS NOT NULL), []) "
        "FROM intel_reports r LEFT JOIN intel_report_cases c USING (report_id) "
        "WHERE list_contains(?, r.report_id) AND NOT starts_with(r.priority_reason, 'set by ') "
        "  AND EXISTS (SELECT 1 FROM alerts a WHERE a.kind IN ('intel', 'entity') "
        "              AND list_contains(a.related_ids, r.report_id)) GROUP BY ALL", [list(report_ids)]).fetchall()
    rank = {p: i for i, p in enumerate(policy.priorities)}
    changed: list[str] = []
    for rid, current, disputes, state, case_ids in rows:
        cases = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
            "SELECT case_id, incident_type, status, classification FROM cases WHERE list_contains(?, case_id)",
            [case_ids]).fetchall()}
        new, why = rule_priority(policy, [c for c in case_ids if c in cases], cases, disputes=bool(disputes),
                                 raised_alert=True)
        if rank.get(new, len(rank)) >= rank.get(current, len(rank)):
            continue
        with store.transaction() as tx:
            tx.execute("UPDATE intel_reports SET priority = ?, priority_reason = ? WHERE report_id = ?",
                       [new, why, rid])
            detail = {"report_id": rid, "from": current, "to": new, "priority_reason": why}
            seq = add_history(tx, rid, "priority", state, state, now, store.user,
                              f"an alert names this report: priority {current} -> {new} ({why})", detail)
            audit.append(tx, user=store.user, action="alteration", command=command, case_ids=case_ids,
                         purpose=f"priority of {rid} raised to {new}: {why}",
                         detail={**detail, **transition_anchor(tx, seq)})
        changed.append(rid)
    return changed
