"""Erasure of a case removes its links to intel reports; the reports themselves are kept."""

from __future__ import annotations

import duckdb

from caselink import audit
from caselink.intel.chain import add_history, anchors
from caselink.store.store import on_erase

ERASE_USER = "caselink (erasure)"


@on_erase
def _unlink_erased_cases(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> None:
    rows = con.execute(
        "SELECT c.report_id, c.case_id, r.state FROM intel_report_cases c JOIN intel_reports r USING (report_id) "
        "WHERE list_contains(?, c.case_id) ORDER BY c.report_id, c.case_id", [case_ids]).fetchall()
    if not rows:
        return
    con.execute("DELETE FROM intel_report_cases WHERE list_contains(?, case_id)", [case_ids])
    now = con.execute("SELECT now()::TIMESTAMP").fetchall()[0][0]
    seqs = [add_history(con, report_id, "unlink", state, state, now, ERASE_USER,
                        f"case {case_id} was erased; the report is kept", {"case_id": case_id})
            for report_id, case_id, state in rows]
    audit.append(con, user=ERASE_USER, action="erasure", command="erase", case_ids=sorted({r[1] for r in rows}),
                 purpose="erased cases unlinked from intel reports (reports kept)",
                 detail={"intel_links_removed": len(rows), "reports": sorted({r[0] for r in rows}),
                         **anchors(con, transitions=seqs)})
