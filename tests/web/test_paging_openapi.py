"""Keyset paging on the list endpoints, /healthz, and what the OpenAPI document declares."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from caselink.store import Store

from .conftest import bearer, token_for

API = "/api/v1"


def _walk(client: TestClient, url: str, headers: dict[str, str], key: str | None = None) -> list[Any]:
    """Every item of a paged list, following X-Next-Cursor (or the body's `next`) to the end."""
    seen: list[Any] = []
    cursor: str | None = None
    for _ in range(50):
        sep = "&" if "?" in url else "?"
        r = client.get(url + (f"{sep}cursor={cursor}" if cursor else ""), headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items = body["items"] if key == "items" else body
        seen.extend(items)
        cursor = r.headers.get("X-Next-Cursor")
        if key == "items":
            assert body["next"] == cursor
        if cursor is None:
            assert "Link" not in r.headers
            return seen
        assert r.headers["Link"].endswith('rel="next"') and f"cursor={cursor}" in r.headers["Link"]
    raise AssertionError("paging did not end")


def test_cases_page_by_cursor_in_the_same_order_as_one_page(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["analyst_all"])
    whole = [c["case_id"] for c in client.get(f"{API}/cases?limit=50", headers=h).json()["items"]]
    paged = [c["case_id"] for c in _walk(client, f"{API}/cases?limit=1", h, key="items")]
    assert paged == whole and len(whole) == 4


def test_a_case_added_between_pages_does_not_shift_the_next_page(
        client: TestClient, tokens: dict[str, str], server_store: Store, tmp_path: Any) -> None:
    h = bearer(tokens["analyst_all"])
    first = client.get(f"{API}/cases?limit=2", headers=h)
    shown = [c["case_id"] for c in first.json()["items"]]
    newest = tmp_path / "newest.jsonl"
    newest.write_text('{"case_id": "MPS-NEW", "incident_type": "death", "occurred_from": "2020-01-01", '
                      '"agency": "MPS"}\n', encoding="utf-8")
    server_store.ingest([newest], show_progress=False, run_hooks=False)
    second = client.get(f"{API}/cases?limit=2&cursor={first.headers['X-Next-Cursor']}", headers=h).json()
    rest = [c["case_id"] for c in second["items"]]
    assert not set(rest) & set(shown) and "MPS-NEW" not in rest and len(rest) == 2


def test_audit_log_pages_by_sequence(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["admin_all"])
    entries = _walk(client, f"{API}/audit/log?limit=3&user=setup", h)
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs) and len(seqs) > 3


def test_alerts_page_and_compose_with_their_filters(client: TestClient, tokens: dict[str, str]) -> None:
    h = bearer(tokens["analyst_all"])
    paged = [a["alert_id"] for a in _walk(client, f"{API}/alerts?limit=1", h)]
    assert paged == [a["alert_id"] for a in client.get(f"{API}/alerts", headers=h).json()] and len(paged) == 2
    first = client.get(f"{API}/alerts?limit=1", headers=h)
    other = client.get(f"{API}/alerts?limit=1&kind=linkage&cursor={first.headers['X-Next-Cursor']}", headers=h)
    assert other.status_code == 422 and "another query" in other.json()["message"]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "eyJmIjoxfQ", "W10"])
def test_a_forged_cursor_is_a_422_not_a_500(client: TestClient, tokens: dict[str, str], cursor: str) -> None:
    for path in ("/cases", "/audit/log", "/alerts", "/intel", "/series", "/checks", "/entities"):
        who = "admin_all" if path.startswith("/audit") else "supervisor_all"
        r = client.get(f"{API}{path}?cursor={cursor}", headers=bearer(tokens[who]))
        assert r.status_code == 422, (path, r.text)
        assert r.json()["error"] == "invalid_cursor" and "cursor" in r.json()["message"]


def test_healthz_needs_no_login_and_reads_the_store(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["schema_version"] >= 30


def test_purpose_error_speaks_api_words(client: TestClient, server_store: Store, clock: Any) -> None:
    token = token_for(server_store, clock, "analyst_all", purpose=None)
    r = client.get(f"{API}/cases", headers=bearer(token))
    assert r.status_code == 400 and r.json()["error"] == "purpose_required"
    assert "X-Caselink-Purpose" in r.json()["message"] and "--purpose" not in r.json()["message"]


def test_openapi_declares_security_purpose_operation_ids_and_media_types(client: TestClient) -> None:
    doc = client.get(f"{API}/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    ops = {(m, p): op for p, methods in doc["paths"].items() for m, op in methods.items()}
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert ops[("get", "/api/v1/cases")]["operationId"] == "list_cases"
    assert ops[("get", "/api/v1/cases/{case_id}")]["operationId"] == "get_case"
    assert ops[("post", "/api/v1/auth/login")]["security"] == []
    assert ops[("get", "/healthz")]["security"] == []
    assert ops[("get", "/api/v1/alerts")]["security"] == [{"bearer": []}, {"session": []}]
    headers = {p["name"] for p in ops[("get", "/api/v1/cases")]["parameters"] if p["in"] == "header"}
    assert "X-Caselink-Purpose" in headers
    assert "X-Caselink-Purpose" not in {p.get("name") for p in ops[("post", "/api/v1/auth/login")].get("parameters", [])}
    assert "text/csv" in ops[("get", "/api/v1/cases/export.csv")]["responses"]["200"]["content"]
    assert "application/json" in ops[("get", "/api/v1/cases")]["responses"]["200"]["content"]
    assert "X-Next-Cursor" in ops[("get", "/api/v1/alerts")]["responses"]["200"]["headers"]
    paged = [p for (m, p), op in ops.items() if m == "get" and any(q["name"] == "cursor" for q in op.get("parameters", []))]
    assert len(paged) >= 10
