"""The REST API: cases (filters, paging, detail, history), purpose, alerts, audit, export, errors."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caselink.accounts import ManualClock
from caselink.store import Store

from .conftest import PASSWORD, audit_rows, bearer, token_for

API = "/api/v1"


def test_login_returns_a_working_bearer_token(client: TestClient) -> None:
    r = client.post(f"{API}/auth/login", json={"user_name": "analyst_mps", "password": PASSWORD, "purpose": "OP-1"})
    assert r.status_code == 200
    token = r.json()["token"]
    me = client.get(f"{API}/me", headers=bearer(token)).json()
    assert me == {"user_name": "analyst_mps", "role": "analyst", "scope": ["agency=MPS"], "purpose": "OP-1",
                  "permissions": me["permissions"]}
    assert client.post(f"{API}/auth/logout", headers=bearer(token)).status_code == 200
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 401


def test_wrong_password_is_401_in_the_error_shape(client: TestClient) -> None:
    r = client.post(f"{API}/auth/login", json={"user_name": "analyst_mps", "password": "nope nope nope"})
    assert r.status_code == 401
    assert set(r.json()) == {"error", "message"} and r.json()["error"] == "login_failed"


def test_case_list_is_scoped_filtered_and_paged(client: TestClient, tokens: dict[str, str]) -> None:
    everything = client.get(f"{API}/cases", headers=bearer(tokens["analyst_all"])).json()
    assert everything["total"] == 4
    mps = client.get(f"{API}/cases", headers=bearer(tokens["analyst_mps"])).json()
    assert {c["case_id"] for c in mps["items"]} == {"MPS-001", "MPS-002", "MPS-003"}
    deaths = client.get(f"{API}/cases", params={"incident_type": "death"}, headers=bearer(tokens["analyst_mps"])).json()
    assert {c["case_id"] for c in deaths["items"]} == {"MPS-001", "MPS-002"}
    text = client.get(f"{API}/cases", params={"q": "kent"}, headers=bearer(tokens["analyst_all"])).json()
    assert [c["case_id"] for c in text["items"]] == ["KENT-001"]
    dated = client.get(f"{API}/cases", params={"occurred_after": "2014-07-01", "occurred_before": "2014-12-31"},
                       headers=bearer(tokens["analyst_all"])).json()
    assert [c["case_id"] for c in dated["items"]] == ["MPS-002"]
    pages = [client.get(f"{API}/cases", params={"limit": 2, "offset": o}, headers=bearer(tokens["analyst_all"])).json()
             for o in (0, 2, 4)]
    assert [len(p["items"]) for p in pages] == [2, 2, 0] and all(p["total"] == 4 for p in pages)
    ids = [c["case_id"] for p in pages for c in p["items"]]
    assert len(set(ids)) == 4


def test_case_outside_scope_answers_exactly_like_a_missing_case(client: TestClient, tokens: dict[str, str],
                                                              server_store: Store) -> None:
    h = bearer(tokens["analyst_mps"])
    hidden = client.get(f"{API}/cases/KENT-001", headers=h)
    missing = client.get(f"{API}/cases/KENT-999", headers=h)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == missing.json()["error"]
    assert hidden.json()["message"].replace("KENT-001", "X") == missing.json()["message"].replace("KENT-999", "X")
    assert set(hidden.headers) == set(missing.headers)
    assert client.get(f"{API}/cases/KENT-001/history", headers=h).status_code == 404
    denial = audit_rows(server_store, "denial")[-1]
    assert denial[1] == "analyst_mps" and list(denial[4]) == ["KENT-001"]


def test_detail_and_history(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["reviewer_all"])
    case = client.get(f"{API}/cases/MPS-002", headers=h).json()
    assert case["case_id"] == "MPS-002" and case["substances"] == ["ghb"]
    versions = client.get(f"{API}/cases/MPS-002/history", headers=h).json()
    assert [v["version"] for v in versions] == [1] and versions[0]["record"]["case_id"] == "MPS-002"


def test_reads_need_a_purpose_and_record_it(client: TestClient, server_store: Store, clock: ManualClock) -> None:
    token = token_for(server_store, clock, "analyst_all", purpose=None)
    r = client.get(f"{API}/cases/MPS-001", headers=bearer(token))
    assert r.status_code == 400 and r.json()["error"] == "purpose_required"
    ok = client.get(f"{API}/cases/MPS-001", headers=bearer(token, **{"X-Caselink-Purpose": "OP-HEADER"}))
    assert ok.status_code == 200
    assert client.put(f"{API}/me/purpose", json={"purpose": "OP-SET"}, headers=bearer(token)).status_code == 200
    assert client.get(f"{API}/cases/MPS-002", headers=bearer(token)).status_code == 200
    reads = [r for r in audit_rows(server_store, "consultation") if r[1] == "analyst_all"]
    assert [(list(r[4]), r[5]) for r in reads[-2:]] == [(["MPS-001"], "OP-HEADER"), (["MPS-002"], "OP-SET")]


def test_every_read_endpoint_writes_an_audit_row(client: TestClient, tokens: dict[str, str],
                                                server_store: Store) -> None:
    h = bearer(tokens["reviewer_all"])
    for path in ("/cases", "/cases/MPS-001", "/cases/MPS-001/history", "/alerts", "/cases/export.csv"):
        before = audit_rows(server_store)[-1][0]
        assert client.get(API + path, headers=h).status_code == 200
        new = [r for r in audit_rows(server_store) if r[0] > before and r[2] in ("consultation", "disclosure")]
        assert len(new) >= 1 and all(r[1] == "reviewer_all" and r[5] == "OP-TEST" for r in new), path


def test_csv_export_is_formula_safe_and_scoped(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(f"{API}/cases/export.csv", headers=bearer(tokens["reviewer_mps"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["case_id"] for row in rows} == {"MPS-001", "MPS-002", "MPS-003"}
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r", value
    narratives = {row["case_id"]: row["narrative"] for row in rows}
    assert narratives["MPS-002"].startswith("'=HYPERLINK")
    assert narratives["MPS-003"].startswith("'@SUM")


def test_export_is_refused_to_analysts(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(f"{API}/cases/export.csv", headers=bearer(tokens["analyst_all"]))
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_alerts_are_scoped_and_acknowledged_once(client: TestClient, tokens: dict[str, str]) -> None:
    mps = client.get(f"{API}/alerts", headers=bearer(tokens["analyst_mps"])).json()
    assert [a["case_id"] for a in mps] == ["MPS-002"]
    everyone = client.get(f"{API}/alerts", headers=bearer(tokens["analyst_all"])).json()
    assert {a["case_id"] for a in everyone} == {"MPS-002", "KENT-001"}
    kent_id = next(a["alert_id"] for a in everyone if a["case_id"] == "KENT-001")
    hidden = client.post(f"{API}/alerts/{kent_id}/ack", json={"note": "seen"}, headers=bearer(tokens["analyst_mps"]))
    assert hidden.status_code == 404
    mine = mps[0]["alert_id"]
    ok = client.post(f"{API}/alerts/{mine}/ack", json={"note": "reviewed with DS Smith"},
                     headers=bearer(tokens["analyst_mps"]))
    assert ok.status_code == 200 and ok.json()["acknowledged_by"] == "analyst_mps"
    again = client.post(f"{API}/alerts/{mine}/ack", json={"note": "again"}, headers=bearer(tokens["analyst_mps"]))
    assert again.status_code == 409 and again.json()["error"] == "error"
    assert client.get(f"{API}/alerts", headers=bearer(tokens["analyst_mps"])).json() == []


def test_audit_log_and_verify_for_admins(client: TestClient, tokens: dict[str, str]) -> None:
    client.get(f"{API}/cases/MPS-001", headers=bearer(tokens["analyst_all"]))
    log: list[dict[str, Any]] = client.get(f"{API}/audit/log", params={"case_id": "MPS-001"},
                                           headers=bearer(tokens["admin_all"])).json()
    assert log and log[0]["user"] == "analyst_all" and log[0]["purpose"] == "OP-TEST"
    v = client.get(f"{API}/audit/verify", headers=bearer(tokens["admin_all"])).json()
    assert v["ok"] is True and v["rows"] > 10


def test_errors_have_one_shape_and_no_internals(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["analyst_all"])
    for r in (client.get(f"{API}/nope", headers=h), client.get(f"{API}/cases", params={"limit": 0}, headers=h),
              client.get(f"{API}/cases", params={"occurred_after": "'; DROP TABLE cases; --"}, headers=h),
              client.delete(f"{API}/cases/MPS-001", headers=h), client.post(f"{API}/auth/login", content=b"{bad"),
              client.get(f"{API}/cases/MPS-001", headers={"Authorization": "Basic abc"})):
        body = r.json()
        assert 400 <= r.status_code < 500 and set(body) == {"error", "message"}, r.text
        for leak in ("Traceback", "SELECT", "duckdb", "File \"", ".py"):
            assert leak not in body["message"]


def test_an_unexpected_error_is_a_plain_500(client: TestClient, tokens: dict[str, str], server_store: Store) -> None:
    server_store.con.execute("ALTER TABLE cases RENAME COLUMN narrative TO narrative_gone")
    r = client.get(f"{API}/cases", params={"q": "x"}, headers=bearer(tokens["analyst_all"]))
    assert r.status_code == 500
    assert r.json() == {"error": "internal_error", "message": "internal error; the server log has the details"}


def test_missed_action_findings_are_scoped(client: TestClient, tokens: dict[str, str]) -> None:
    everyone = client.get(f"{API}/checks", headers=bearer(tokens["reviewer_all"]))
    assert everyone.status_code == 200
    ids = {f["case_id"] for f in everyone.json()}
    assert "KENT-001" in ids  # an open death with no actions recorded
    mps = client.get(f"{API}/checks", headers=bearer(tokens["reviewer_mps"])).json()
    assert mps and all(f["case_id"].startswith("MPS-") for f in mps)
    one = client.get(f"{API}/checks", params={"case_id": "KENT-001"}, headers=bearer(tokens["reviewer_mps"]))
    assert one.status_code == 404


def test_disparity_counts_only_cases_in_scope(client: TestClient, tokens: dict[str, str]) -> None:
    params = {"outcome": "status = open", "by": "incident_type"}
    everyone = client.get(f"{API}/disparity", params=params, headers=bearer(tokens["reviewer_all"]))
    assert everyone.status_code == 200, everyone.text
    assert everyone.json()["cases"] == 4
    mps = client.get(f"{API}/disparity", params=params, headers=bearer(tokens["reviewer_mps"])).json()
    assert mps["cases"] == 3 and mps["where"] is None
    bad = client.get(f"{API}/disparity", params={"outcome": "colour = red", "by": "x"},
                     headers=bearer(tokens["reviewer_all"]))
    assert bad.status_code in (400, 409, 422) and set(bad.json()) == {"error", "message"}


def test_alert_about_a_visible_case_hides_linked_cases_out_of_scope(client: TestClient, tokens: dict[str, str],
                                                                   server_store: Store) -> None:
    from caselink.alerts import raise_alert

    with server_store.transaction() as con:
        raise_alert(con, kind="linkage", title="MPS-003 links to KENT-001 (p=0.8)", dedupe_key="leak",
                    case_id="MPS-003", related_ids=["KENT-001", "MPS-001"], score=0.8,
                    detail={"links": [{"case_id": "KENT-001", "probability": 0.8},
                                      {"case_id": "MPS-001", "probability": 0.6}]})
    r = client.get(f"{API}/alerts", params={"case_id": "MPS-003"}, headers=bearer(tokens["analyst_mps"]))
    assert r.status_code == 200 and len(r.json()) == 1
    assert "KENT" not in r.text
    alert = r.json()[0]
    assert alert["related_ids"] == ["MPS-001"] and alert["detail"]["links"][0]["case_id"] == "MPS-001"
    full = client.get(f"{API}/alerts", params={"case_id": "MPS-003"}, headers=bearer(tokens["analyst_all"])).json()
    assert "KENT-001" in full[0]["title"]


def test_clusters_list_scan_alerts_without_hidden_members(client: TestClient, tokens: dict[str, str],
                                                          server_store: Store) -> None:
    from caselink.alerts import raise_alert

    with server_store.transaction() as con:
        raise_alert(con, kind="scan", title="space-time cluster: 3 cases", dedupe_key="scan1", case_id="MPS-002",
                    related_ids=["MPS-001", "MPS-002", "KENT-001"], score=0.99,
                    detail={"case_ids": ["MPS-001", "MPS-002", "KENT-001"], "p_value": 0.01})
    everyone = client.get(f"{API}/clusters", headers=bearer(tokens["analyst_all"])).json()
    assert [a["kind"] for a in everyone] == ["scan"] and len(everyone[0]["related_ids"]) == 3
    mps = client.get(f"{API}/clusters", headers=bearer(tokens["analyst_mps"]))
    assert "KENT" not in mps.text
    assert mps.json()[0]["detail"]["case_ids"] == ["MPS-001", "MPS-002"]
    page = client.get("/", headers=bearer(tokens["analyst_mps"]))
    assert "Recent clusters" in page.text and "KENT" not in page.text


def test_similar_is_scoped_and_audits_only_what_was_shown(client: TestClient, tokens: dict[str, str],
                                                          server_store: Store) -> None:
    import caselink.linkage  # noqa: F401
    from caselink.linkage.link import link

    link(server_store, command="test link")
    with server_store.transaction() as con:  # make sure MPS-001 has links both in and out of scope
        for other, p in (("KENT-001", 0.9), ("MPS-002", 0.8)):
            a, b = sorted(["MPS-001", other])
            con.execute("INSERT OR REPLACE INTO links VALUES (?, ?, ?, 1.0, '[]', 'm', '1', now()::TIMESTAMP)",
                        [a, b, p])
    everyone = client.get(f"{API}/cases/MPS-001/similar", headers=bearer(tokens["analyst_all"])).json()
    assert {"KENT-001", "MPS-002"} <= {r["case_id"] for r in everyone}
    r = client.get(f"{API}/cases/MPS-001/similar", headers=bearer(tokens["analyst_mps"]))
    assert r.status_code == 200 and "KENT" not in r.text and r.json()[0]["case_id"] == "MPS-002"
    last = [row for row in audit_rows(server_store, "consultation") if row[1] == "analyst_mps"][-1]
    assert "KENT-001" not in last[4] and "MPS-002" in last[4]
    assert client.get(f"{API}/cases/KENT-001/similar", headers=bearer(tokens["analyst_mps"])).status_code == 404


def test_similar_answers_with_no_link_stored_in_the_api_and_on_the_case_page(
        client: TestClient, tokens: dict[str, str], server_store: Store, clock: ManualClock) -> None:
    import caselink.linkage  # noqa: F401
    from caselink.linkage.link import LinkConfig, link

    from .test_security import web_login

    link(server_store, full=True, config=LinkConfig(store_probability=1.0, keep_top=0), command="test link")
    assert server_store.con.execute("SELECT count(*) FROM links").fetchall()[0][0] == 0
    rows = client.get(f"{API}/cases/MPS-001/similar", headers=bearer(tokens["analyst_all"])).json()
    assert rows and not any(r["stored"] for r in rows)
    assert [r["probability"] for r in rows] == sorted((r["probability"] for r in rows), reverse=True)
    for r in rows:
        assert sum(e["contribution"] for e in r["explanation"]) == pytest.approx(r["log_odds"], abs=0.01)
    scoped = client.get(f"{API}/cases/MPS-001/similar", headers=bearer(tokens["analyst_mps"])).json()
    assert scoped and {r["case_id"] for r in scoped} <= {"MPS-002", "MPS-003"}
    web_login(client, server_store, clock, "analyst_all")
    section = client.get("/cases/MPS-001").text.split('id="similar"')[1].split("</section>")[0]
    assert section.count("not stored (below the kept-link threshold)") == len(rows)
    assert f'href="/cases/{rows[0]["case_id"]}"' in section and "p = " in section


def _two_known_series(store: Store) -> None:
    """MPS-001 links strongly to KENT-001 (series op-k) and moderately to MPS-002 and MPS-003
    (series op-m)."""
    import caselink.linkage  # noqa: F401
    from caselink.linkage.link import link

    link(store, command="test link")  # the cases' batches are linked: links are read from the store
    with store.transaction() as con:
        con.execute("DELETE FROM links")
        for other, lo in (("KENT-001", 2.2), ("MPS-002", 1.8), ("MPS-003", 1.8)):
            a, b = sorted(["MPS-001", other])
            con.execute("INSERT INTO links VALUES (?, ?, ?, ?, '[]', 'm', '1', now()::TIMESTAMP)",
                        [a, b, 1.0 / (1.0 + math.exp(-lo)), lo])
        con.execute("UPDATE cases SET series_ids = ['op-k'] WHERE case_id = 'KENT-001'")
        con.execute("UPDATE cases SET series_ids = ['op-m'] WHERE case_id IN ('MPS-002', 'MPS-003')")


def test_known_series_rank_by_summed_odds_and_are_cut_to_scope(client: TestClient, tokens: dict[str, str],
                                                                server_store: Store) -> None:
    """Two moderate links (op-m) outrank one strong one (op-k); a user limited to the Met sees
    neither op-k nor KENT-001, and op-m's size counts only what they may see."""
    _two_known_series(server_store)
    everyone = client.get(f"{API}/cases/MPS-001/series", headers=bearer(tokens["analyst_all"])).json()
    assert [s["series_id"] for s in everyone] == ["op-m", "op-k"]
    assert everyone[0]["score"] == pytest.approx(math.log(2 * math.exp(1.8)), abs=1e-3)
    assert everyone[0]["linked_cases"] == ["MPS-002", "MPS-003"] and everyone[0]["size"] == 2
    assert everyone[1] == {**everyone[1], "linked_cases": ["KENT-001"], "size": 1}
    r = client.get(f"{API}/cases/MPS-001/series", headers=bearer(tokens["analyst_mps"]))
    assert r.status_code == 200 and "KENT" not in r.text and "op-k" not in r.text
    assert [s["series_id"] for s in r.json()] == ["op-m"]
    last = [row for row in audit_rows(server_store, "consultation") if row[1] == "analyst_mps"][-1]
    assert "KENT-001" not in last[4] and "MPS-002" in last[4]
    assert client.get(f"{API}/cases/KENT-001/series", headers=bearer(tokens["analyst_mps"])).status_code == 404
    assert client.get(f"{API}/cases/MPS-001/series", headers=bearer(tokens["analyst_all"]),
                      params={"limit": 1}).json()[0]["series_id"] == "op-m"


def test_case_page_shows_the_known_series_it_may_belong_to(client: TestClient, server_store: Store,
                                                           clock: ManualClock) -> None:
    from .test_security import web_login

    _two_known_series(server_store)
    web_login(client, server_store, clock, "analyst_all")
    section = client.get("/cases/MPS-001").text.split('id="known-series"')[1].split("</section>")[0]
    assert section.index("op-m") < section.index("op-k")
    assert 'href="/cases/MPS-002"' in section and 'href="/cases/KENT-001"' in section


def test_series_members_and_links_are_cut_to_scope(client: TestClient, tokens: dict[str, str],
                                                   server_store: Store) -> None:
    with server_store.transaction() as con:
        for a, b, p in (("KENT-001", "MPS-001", 0.9), ("MPS-001", "MPS-002", 0.85), ("KENT-001", "MPS-002", 0.8)):
            con.execute("INSERT OR REPLACE INTO links VALUES (?, ?, ?, 1.0, '[]', 'm', '1', now()::TIMESTAMP)",
                        [a, b, p])
    full = client.get(f"{API}/series", headers=bearer(tokens["analyst_all"])).json()
    assert [s["case_ids"] for s in full] == [["KENT-001", "MPS-001", "MPS-002"]]
    sid = full[0]["series_id"]
    mps = client.get(f"{API}/series/{sid}", headers=bearer(tokens["analyst_mps"]))
    assert mps.status_code == 200 and "KENT" not in mps.text
    body = mps.json()
    assert body["case_ids"] == ["MPS-001", "MPS-002"] and [(lk["a"], lk["b"]) for lk in body["links"]] == [
        ("MPS-001", "MPS-002")]
    assert [m["case_id"] for m in body["members"]] == ["MPS-001", "MPS-002"]
    assert all(0.5 <= m["confidence"] <= 1.0 for m in body["members"])
    page = client.get(f"/series/{sid}", headers=bearer(tokens["analyst_mps"]))
    assert page.status_code == 200 and "KENT" not in page.text and 'id="link-chart"' in page.text
    assert client.get(f"{API}/series/S-nope", headers=bearer(tokens["analyst_all"])).status_code == 404
