"""Intel reports as a disparity source: was intel acted on later for some victims than others?

One row per report-case link (a report about two cases counts once for each), with every case
field (so ``--by victim_sex`` groups by the concerned case's victim) plus the report's fields:

* ``ack_hours``: hours from receipt to acknowledgement; for a report not yet acknowledged, the
  hours elapsed so far (so ``ack_hours > 24`` counts it as late once 24 hours have passed).
* ``acknowledged`` (``yes``/``no``), ``intel_priority``, ``intel_channel``,
  ``reporter_relation``, ``intel_state``, ``intel_year`` (year received).

The read is audited like ``Store.frame``: a consultation with the case ids and the purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from caselink.filters import CASE_COLUMNS, Column
from caselink.store import require_purpose

if TYPE_CHECKING:
    import pandas as pd

    from caselink.store import Store

INTEL_STATES = ("received", "acknowledged", "assessed", "actioned", "closed")
INTEL_ONLY: dict[str, Column] = {
    "ack_hours": Column("ack_hours", "ack_hours", "number"),
    "acknowledged": Column("acknowledged", "acknowledged", "enum", ("yes", "no")),
    "intel_priority": Column("intel_priority", "intel_priority", "tag"),
    "intel_channel": Column("intel_channel", "intel_channel", "tag"),
    "reporter_relation": Column("reporter_relation", "reporter_relation", "tag"),
    "intel_state": Column("intel_state", "intel_state", "enum", INTEL_STATES),
    "intel_year": Column("intel_year", "intel_year", "int"),
}
INTEL_COLUMNS: dict[str, Column] = {**CASE_COLUMNS, **INTEL_ONLY}

# ``intel_cases``: cases joined to the reports that concern them; the first ? is "now".
_RELATION = """
WITH acks AS (
    SELECT report_id, min(happened_at) AS acked_at FROM intel_transitions
    WHERE to_state = 'acknowledged' GROUP BY report_id
), intel_cases AS (
    SELECT c.*, r.report_id,
           date_diff('second', r.received_at, coalesce(a.acked_at, ?::TIMESTAMP)) / 3600.0 AS ack_hours,
           CASE WHEN a.acked_at IS NULL THEN 'no' ELSE 'yes' END AS acknowledged,
           lower(r.priority) AS intel_priority, lower(r.channel) AS intel_channel,
           lower(r.reporter_relation) AS reporter_relation, r.state AS intel_state,
           year(r.received_at) AS intel_year
    FROM intel_report_cases rc
    JOIN intel_reports r ON r.report_id = rc.report_id
    JOIN cases c ON c.case_id = rc.case_id
    LEFT JOIN acks a ON a.report_id = rc.report_id
)
"""


def uses_intel(fields: Sequence[str]) -> bool:
    """Whether any of these field names exist only on intel reports."""
    return any(f in INTEL_ONLY for f in fields)


def intel_frame(
    store: Store, columns: Sequence[str], *, where: str, params: Sequence[Any], purpose: str | None,
    now: datetime, command: str = "disparity",
) -> pd.DataFrame:
    """Like ``Store.frame`` over report-case links; audited with the case ids it returned."""
    purpose = require_purpose(purpose, "reading cases and intel reports")
    cols = ", ".join(["case_id", "report_id", *columns])
    df = store.con.execute(
        f"{_RELATION} SELECT {cols} FROM intel_cases WHERE {where} ORDER BY case_id, report_id",
        [now, *params]).df()
    ids = sorted(set(df["case_id"]))
    store.audit("consultation", command, ids, purpose,
                {"rows": len(df), "reports": int(df["report_id"].nunique()), "source": "intel"})
    return df
