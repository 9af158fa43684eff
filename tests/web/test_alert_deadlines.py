"""Alerts with an owner and a deadline through the API (issue 16), scoped like every alert."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from caselink.accounts import ManualClock
from caselink.alerts import raise_alert
from caselink.store import Store

from .conftest import bearer

API = "/api/v1"


def test_overdue_alerts_have_owner_deadline_and_are_scoped(client: TestClient, tokens: dict[str, str],
                                                         server_store: Store, clock: ManualClock) -> None:
    with server_store.transaction() as con:
        raise_alert(con, kind="entity", title="same phone in MPS-001 and MPS-002", dedupe_key="e1",
                    case_id="MPS-001", related_ids=["MPS-002"], created_at=clock.now() - timedelta(hours=30))
        raise_alert(con, kind="intel", title="KENT report names a man", dedupe_key="i1", case_id="KENT-001",
                    created_at=clock.now() - timedelta(hours=100))
        raise_alert(con, kind="intel", title="fresh", dedupe_key="i2", case_id="MPS-003",
                    created_at=clock.now() - timedelta(hours=1))
    everyone = client.get(f"{API}/alerts/overdue", headers=bearer(tokens["analyst_all"]))
    assert everyone.status_code == 200, everyone.text
    got = [(a["title"], a["owner"], a["overdue_hours"]) for a in everyone.json()]
    # entity/intel: acknowledge within 24 h, escalate every 12 h (high priority)
    assert got == [("KENT report names a man", "superintendent", 76.0),
                   ("same phone in MPS-001 and MPS-002", "detective_sergeant", 6.0)]
    mps = client.get(f"{API}/alerts/overdue", headers=bearer(tokens["analyst_mps"])).json()
    assert [a["title"] for a in mps] == ["same phone in MPS-001 and MPS-002"]
    listed = client.get(f"{API}/alerts", headers=bearer(tokens["analyst_all"])).json()
    fresh = next(a for a in listed if a["title"] == "fresh")
    assert (fresh["owner"], fresh["overdue"], fresh["deadline"]) == (
        "intel_officer", False, (clock.now() + timedelta(hours=23)).isoformat())


def test_checks_page_lists_findings_most_serious_first(client: TestClient, server_store: Store,
                                                      clock: ManualClock) -> None:
    import re

    from .test_security import web_login

    with server_store.transaction() as con:   # MPS-001 and MPS-002: GHB deaths closed as non-suspicious
        con.execute("INSERT INTO links VALUES ('MPS-001', 'MPS-002', 0.93, 2.6, '[]', 't', '1', now()::TIMESTAMP)")
    web_login(client, server_store, clock, "reviewer_all")
    page = client.get("/checks")
    assert page.status_code == 200 and "Missed actions, most serious first" in page.text
    scores = [float(s) for s in re.findall(r'<tr><td class="num">([0-9.]+)</td>', page.text)]
    assert scores and scores == sorted(scores, reverse=True)
    first = page.text.split('<tbody>')[1].split('</tr>')[0]
    assert "critical" in first and "MPS-00" in first
    assert client.get("/checks?limit=1").text.count('<tr><td class="num">') == 1
