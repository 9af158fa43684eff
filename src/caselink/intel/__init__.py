"""Intel from families and the public, kept on the record until acted on (issue 5).

Reports are recorded with a reference number (``reports``), move through a lifecycle with
audited steps (``lifecycle``), have deadlines, owners and an escalation chain from a policy file
(``policy``, ``overdue``), and read the time from an injectable clock (``clock``). Erasing a case
unlinks it from reports; reports are never deleted (``erase``).
"""

from __future__ import annotations

from caselink.intel import erase as _erase  # noqa: F401  (registers the erasure hook)
from caselink.intel.clock import Clock, ManualClock, default_clock, system_clock
from caselink.intel.demo import demo_step
from caselink.intel.entities import Mention, normalise
from caselink.intel.intake import NewReport, parse_report, read_reports
from caselink.intel.lifecycle import STEPS, state_counts, transition
from caselink.intel.overdue import Escalation, Overdue, escalate, overdue_reports
from caselink.intel.policy import STATES, Policy, load_policy
from caselink.intel.reports import (
    IntelError,
    InvalidTransition,
    Report,
    add_reports,
    get_report,
    link_case,
    list_reports,
    reports_for_case,
)

__all__ = [
    "STATES", "STEPS", "Clock", "Escalation", "IntelError", "InvalidTransition", "ManualClock", "Mention",
    "NewReport", "Overdue", "Policy", "Report", "add_reports", "default_clock", "demo_step", "escalate",
    "get_report", "link_case", "list_reports", "load_policy", "normalise", "overdue_reports", "parse_report",
    "read_reports", "reports_for_case", "state_counts", "system_clock", "transition",
]
