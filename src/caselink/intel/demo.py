"""The intel part of ``caselink demo``: a friend's report goes overdue, is escalated, and the
missed-action checks show what was not done on the case it concerns."""

from __future__ import annotations

from datetime import timedelta

from caselink.intel.clock import Clock, ManualClock, system_clock
from caselink.intel.entities import SQL_NORM, Mention
from caselink.intel.intake import NewReport
from caselink.intel.lifecycle import transition
from caselink.intel.overdue import escalate, find_overdue
from caselink.intel.policy import load_policy
from caselink.intel.reports import IntelError, add_reports
from caselink.store.store import Store

PURPOSE = "caselink demo: intel and missed-action checks"


def _pick_death(store: Store) -> tuple[str, list[Mention]]:
    """The earliest death closed as non-suspicious with GHB whose reporting person's phone turns up
    in another case (as in Barking, where the 999 caller was the killer), and that phone."""
    norm_o, norm_r = (SQL_NORM.format(col=f"{t}.value", col_kind=f"{t}.kind") for t in "or")
    rows = store.con.execute(
        "SELECT case_id FROM cases WHERE incident_type = 'death' ORDER BY "
        "coalesce(classification = 'non_suspicious', false) DESC, "
        "coalesce(list_contains(substances, 'ghb'), false) DESC, "
        "EXISTS (SELECT 1 FROM case_entities r JOIN case_entities o ON o.kind = r.kind "
        f"  AND {norm_o} = {norm_r} AND o.case_id <> r.case_id "
        "  WHERE r.case_id = cases.case_id AND r.role = 'reporter' AND r.kind = 'phone') DESC, "
        "t_from, case_id LIMIT 1").fetchall()
    if not rows:
        raise IntelError("the intel demo needs at least one death in the store")
    case_id = rows[0][0]
    phones = store.con.execute(
        "SELECT value FROM case_entities WHERE case_id = ? AND kind = 'phone' ORDER BY role <> 'reporter', value "
        "LIMIT 1", [case_id]).fetchall()
    store.audit("consultation", "demo", [case_id], PURPOSE, {"picked": "death for the intel demo"})
    return case_id, [Mention("phone", v, "suspect") for v, in phones]


def demo_step(store: Store, clock: Clock | None = None) -> str:
    """Add a report about a non-suspicious death, let it go overdue, escalate it, run the checks.

    Returns a short human-readable account. ``clock`` gives "now" (default: the system clock);
    the report is dated four days before it so its deadlines have passed.
    """
    from caselink.checks import run_checks

    now = (clock or system_clock)()
    policy = load_policy()
    case_id, mentions = _pick_death(store)
    at = ManualClock(now - timedelta(days=4))
    report = add_reports(store, [NewReport(
        "His friend says he went to meet a man he had met online the night he died, and that this "
        "number is the man's.", "friend", "phone", reporter_name="A. Friend",
        case_ids=(case_id,), mentions=tuple(mentions))], policy=policy, clock=at, command="demo")[0]
    lines = [f"Intel {report.report_id} ({report.priority} priority: {report.priority_reason}) "
             f"recorded for {case_id}, from a friend by phone."]
    for title, in store.con.execute("SELECT title FROM alerts WHERE kind = 'intel' AND list_contains(related_ids, ?) "
                                    "ORDER BY alert_id", [report.report_id]).fetchall():
        lines.append(f"  alert: {title}")
    at.advance(hours=30)
    first = escalate(store, policy=policy, clock=at, command="demo")
    for e in first:
        lines.append(f"  +30 h: not acknowledged; overdue {e.overdue_hours} h -> escalated {e.from_role} -> {e.to_role}")
    at.set(now)
    later = escalate(store, policy=policy, clock=at, command="demo")
    if later:
        chain = " -> ".join([later[0].from_role, *(e.to_role for e in later)])
        lines.append(f"  now, {later[-1].overdue_hours} h late: escalated {chain} "
                     f"(one audited step per level the policy says it has reached)")
    still = [o for o in find_overdue(store.con, policy, now) if o.report_id == report.report_id]
    if still:
        o = still[0]
        lines.append(f"  on the overdue list: waiting for {o.waiting_for}, owner {o.owner}, "
                     f"{round(o.overdue_by.total_seconds() / 3600)} h late")
    transition(store, report.report_id, "acknowledge", "Called the friend back; report logged for the SIO",
               policy=policy, clock=at, command="demo")
    lines.append("  acknowledged now (late; the audit log records by how much); assessment is due next.")
    for f in run_checks(store, case_id, purpose=PURPOSE, command="demo"):
        lines.append(f"  check [{f.severity}] {f.title}: {'; '.join(f.evidence)}")
    return "\n".join(lines)
