"""Entity alerts on a backlog: cases arriving in one batch that share a resolved entity."""

from __future__ import annotations

from pathlib import Path

from tests.entities import issue_cases

from caselink.alerts import acknowledge, list_alerts
from caselink.ingest.pipeline import ingest
from caselink.store import Store

PURPOSE = "test: backlog entity alerts"


def _entity_alerts(store: Store) -> list[tuple[str | None, tuple[str, ...], str]]:
    return sorted((a.case_id, tuple(a.related_ids), a.detail["kind"])
                  for a in list_alerts(store, kind="entity", include_acknowledged=True, purpose=PURPOSE))


def test_a_backlog_in_one_batch_alerts_each_pair_once_and_acknowledging_is_audited(store: Store,
                                                                                   tmp_path: Path) -> None:
    path = issue_cases.write(tmp_path / "issue.jsonl")
    ingest(store, [path], show_progress=False)
    # the person (joined across spellings by the rules) and the phone, each named once, on the later case
    assert _entity_alerts(store) == [("ISS-B", ("ISS-A",), "person"), ("ISS-B", ("ISS-A",), "phone")]
    ingest(store, [path], show_progress=False)  # unchanged: nothing new
    extra = dict(issue_cases.CASES[2], case_id="ISS-D", entities=[
        {"kind": "phone", "role": "suspect", "value": "07700900654"}])
    ingest(store, [issue_cases.write(tmp_path / "more.jsonl", [extra])], show_progress=False)
    assert ("ISS-D", ("ISS-A", "ISS-B"), "phone") in _entity_alerts(store)
    assert len(_entity_alerts(store)) == 3  # deduplicated: no alert is raised twice
    alert = next(a for a in list_alerts(store, kind="entity", purpose=PURPOSE) if a.case_id == "ISS-D")
    acknowledge(store, alert.alert_id, "checked: same phone, passed to the SIO")
    rows = store.con.execute("SELECT user_name, action, case_ids, purpose FROM audit_log WHERE command = 'alerts ack'"
                             ).fetchall()
    assert rows and rows[-1][1] == "alteration" and set(rows[-1][2]) == {"ISS-D", "ISS-A", "ISS-B"}
    assert "passed to the SIO" in rows[-1][3]
