"""Entity API and pages: search and one entity with mentions, weights and shared evidence; scoped
(mentions outside the scope are hidden, an entity seen only there is a 404 like a missing one);
audited with the purpose and the cases shown; linked from the case page."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from caselink.accounts import ManualClock
from caselink.store import Store

from .conftest import CASES, audit_rows, bearer, token_for, write_cases
from .test_browser import CHROMIUM, base_url, browser, login, page, shot  # noqa: F401  (fixtures)

API = "/api/v1"
SHARED = "phone:+447700900555"      # MPS-002, MPS-003 and KENT-001
KENT_ONLY = "phone:+447700900002"   # only in a report about KENT-001
LOOSE = "phone:+447700900777"       # only in a report linked to no case
XSS_VALUE = '<script>alert("e")</script>'
EXTRA_ENTITIES = {
    "MPS-002": [{"kind": "phone", "role": "witness", "value": "07700 900555"},
                {"kind": "person", "role": "suspect", "value": "Danny Brown"}],
    "MPS-003": [{"kind": "phone", "role": "reporter", "value": "07700900555"},
                {"kind": "handle", "role": "associate", "value": XSS_VALUE}],
    "KENT-001": [{"kind": "phone", "role": "associate", "value": "+44 (0)7700 900555"}],
}


def seed_entities(store: Store) -> None:
    """Entities for the access matrix and these tests (once per store): a phone shared by two MPS
    cases and a Kent case, a phone only a report about KENT-001 names, one in an unlinked report."""
    if store.con.execute("SELECT count(*) FROM entity_mentions WHERE source = 'intel'").fetchall()[0][0]:
        return
    import tempfile
    from pathlib import Path

    from caselink.entities.stored import resolve_store
    from caselink.intel import Mention, NewReport, add_reports

    records = [{**c, "entities": [*c.get("entities", []), *EXTRA_ENTITIES.get(c["case_id"], [])]} for c in CASES]
    with tempfile.TemporaryDirectory() as folder:
        store.ingest([write_cases(Path(folder), records)], show_progress=False, run_hooks=False)
    resolve_store(store, purpose="test setup")
    add_reports(store, [
        NewReport("a number for him", "family", "phone", case_ids=("MPS-001",), mentions=(Mention("phone", "07700 900001"),)),
        NewReport("his phone", "friend", "phone", case_ids=("KENT-001",), mentions=(Mention("phone", "07700 900002"),)),
        NewReport("call this number", "public", "online_form", mentions=(Mention("phone", "07700 900777", "suspect"),)),
    ])


@pytest.fixture
def seeded(server_store: Store) -> Store:
    seed_entities(server_store)
    return server_store


def _get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    return client.get(f"{API}{path}", params=params, headers=bearer(token))


def test_one_entity_with_mentions_weights_and_shared_evidence(client: TestClient, seeded: Store,
                                                               tokens: dict[str, str]) -> None:
    r = _get(client, tokens["analyst_all"], f"/entities/{SHARED}")
    assert r.status_code == 200, r.text
    e = r.json()
    assert (e["kind"], e["display"], e["cases"], e["reports"]) == (
        "phone", "+447700900555", ["KENT-001", "MPS-002", "MPS-003"], [])
    assert {(m["source_id"], m["role"], m["value"]) for m in e["mention_list"]} == {
        ("KENT-001", "associate", "+44 (0)7700 900555"), ("MPS-002", "witness", "07700 900555"),
        ("MPS-003", "reporter", "07700900555")}
    pairs = {(s["a"], s["b"]): s["lines"] for s in e["shared"]}
    assert set(pairs) == {("KENT-001", "MPS-002"), ("KENT-001", "MPS-003"), ("MPS-002", "MPS-003")}
    assert ("same phone (+447700900555): witness in MPS-002, reporter in MPS-003, same normalised value"
            in pairs[("MPS-002", "MPS-003")])


def test_scoped_user_sees_only_mentions_and_cases_in_scope(client: TestClient, seeded: Store,
                                                           tokens: dict[str, str]) -> None:
    r = _get(client, tokens["analyst_mps"], f"/entities/{SHARED}")
    assert r.status_code == 200
    e = r.json()
    assert e["cases"] == ["MPS-002", "MPS-003"] and e["mentions"] == 2 and e["sources"] == 2
    assert "KENT" not in r.text and "0)7700" not in r.text
    assert [(s["a"], s["b"]) for s in e["shared"]] == [("MPS-002", "MPS-003")]
    found = _get(client, tokens["analyst_mps"], "/entities", q="07700 900555").json()
    assert [(i["entity_id"], i["cases"]) for i in found] == [(SHARED, ["MPS-002", "MPS-003"])]


@pytest.mark.parametrize("entity_id", [KENT_ONLY, LOOSE])
def test_entity_seen_only_out_of_scope_is_a_404_like_a_missing_one(entity_id: str, client: TestClient, seeded: Store,
                                                                   tokens: dict[str, str]) -> None:
    assert _get(client, tokens["analyst_all"], f"/entities/{entity_id}").status_code == 200
    denials = len(audit_rows(seeded, "denial"))
    hidden = _get(client, tokens["analyst_mps"], f"/entities/{entity_id}")
    missing = _get(client, tokens["analyst_mps"], "/entities/phone:+440000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == missing.json()["error"]
    assert hidden.json()["message"].replace(entity_id, "X") == missing.json()["message"].replace("phone:+440000000000", "X")
    assert len(audit_rows(seeded, "denial")) == denials + 1
    listed = _get(client, tokens["analyst_mps"], "/entities", min_sources=1, limit=500).json()
    assert entity_id not in {i["entity_id"] for i in listed}
    assert KENT_ONLY not in _get(client, tokens["analyst_mps"], "/entities", q="07700900002").text


def test_every_read_is_audited_with_the_purpose_and_the_cases_shown(client: TestClient, seeded: Store,
                                                                    tokens: dict[str, str]) -> None:
    _get(client, tokens["analyst_mps"], f"/entities/{SHARED}")
    row = audit_rows(seeded, "consultation")[-1]
    assert (row[1], row[3], list(row[4]), row[5]) == (
        "analyst_mps", f"GET {API}/entities/{SHARED}", ["MPS-002", "MPS-003"], "OP-TEST")
    _get(client, tokens["analyst_all"], "/entities", q="07700 900001")
    row = audit_rows(seeded, "consultation")[-1]
    assert list(row[4]) == [] and json.loads(row[6])["reports"] and row[5] == "OP-TEST"


def test_reading_entities_needs_a_purpose_and_the_permission(client: TestClient, seeded: Store,
                                                             clock: ManualClock, tokens: dict[str, str]) -> None:
    no_purpose = token_for(seeded, clock, "analyst_all", purpose=None)
    r = _get(client, no_purpose, f"/entities/{SHARED}")
    assert r.status_code == 400 and r.json()["error"] == "purpose_required"
    assert _get(client, tokens["admin_all"], "/entities").status_code == 403
    assert _get(client, tokens["analyst_all"], "/entities", kind="spaceship").status_code == 422


def test_a_report_recorded_through_the_api_resolves_its_mentions(client: TestClient, seeded: Store,
                                                                 tokens: dict[str, str]) -> None:
    body = {"text": "he rang from this number", "reporter_relation": "friend", "channel": "phone",
            "case_ids": ["MPS-001"], "mentions": [{"kind": "phone", "value": "07700-900-555", "role": "suspect"}]}
    made = client.post(f"{API}/intel", json=body, headers=bearer(tokens["analyst_all"]))
    assert made.status_code == 200, made.text
    e = _get(client, tokens["analyst_mps"], f"/entities/{SHARED}").json()
    assert e["reports"] == [made.json()["report_id"]] and e["sources"] == 3


def test_entity_page_renders_escaped_and_links_to_its_cases(client: TestClient, seeded: Store,
                                                           clock: ManualClock) -> None:
    from .test_security import parse_tags, web_login

    web_login(client, seeded, clock, "analyst_all")
    assert 'href="/entities"' in client.get("/").text  # reached from the navigation bar
    listing = client.get("/entities", params={"min_sources": 2})
    assert listing.status_code == 200 and f'href="/entities/{quote(SHARED, safe="/")}"' in listing.text
    handle = client.get("/entities", params={"q": XSS_VALUE}).text
    assert "<script>alert" not in handle
    resp = client.get(f"/entities/{quote(SHARED, safe='/')}")
    assert resp.status_code == 200
    assert 'href="/cases/KENT-001"' in resp.text and "+44 (0)7700 900555" in resp.text
    assert "same phone (+447700900555): witness in MPS-002, reporter in MPS-003" in resp.text
    handle_id = seeded.con.execute("SELECT entity_id FROM entity_mentions WHERE kind = 'handle'").fetchall()[0][0]
    shown = client.get(f"/entities/{quote(handle_id, safe='/')}").text
    assert XSS_VALUE not in shown and "&lt;script&gt;" in shown
    assert all((t[1].get("src") or "").startswith("/static/") for t in parse_tags(shown) if t[0] == "script")
    assert client.get("/entities/person:nobody").status_code == 404


def test_case_page_lists_the_cases_entities_and_links_reach_their_pages(client: TestClient, seeded: Store,
                                                                       clock: ManualClock) -> None:
    from .test_security import web_login

    web_login(client, seeded, clock, "analyst_mps")
    resp = client.get("/cases/MPS-002")
    assert resp.status_code == 200 and 'id="entities"' in resp.text
    links = re.findall(r'href="(/entities/[^"]+)"', resp.text)
    assert f"/entities/{quote(SHARED, safe='/')}" in links and len(links) == 2  # the phone and Danny Brown
    section = resp.text.split('id="entities"')[1].split("</section>")[0]
    assert 'href="/cases/MPS-003"' in section and "KENT-001" not in section
    for link in links:
        assert client.get(link).status_code == 200
    row = audit_rows(seeded, "consultation")[-1]
    assert row[5] == "OP-WEB" and "MPS-002" in row[4]


# -- in a real browser (the harness of test_browser.py: its server, Chromium and login) ------------


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")
def test_browser_entity_page_renders_and_the_case_page_links_to_it(page: Any, base_url: str) -> None:  # noqa: F811
    login(page, base_url, "sue")
    page.goto(f"{base_url}/entities?kind=person")
    first = page.locator("table.entities tbody tr td a").first
    name = first.inner_text().strip()
    first.click()
    page.wait_for_url("**/entities/person*")
    entity_url = page.url
    assert page.locator("h1").inner_text().startswith(name)
    assert page.locator("#mentions tbody tr").count() >= 2
    shot(page, "09-entity")
    # From one of its cases, the case page's section links back to this entity.
    page.locator("#mentions tbody tr td a[href^='/cases/']").first.click()
    page.wait_for_url("**/cases/**")
    page.locator("#entities a", has_text=name).first.click()
    page.wait_for_url(entity_url)
    assert page.locator("h1").inner_text().startswith(name)


def test_shared_evidence_is_cut_to_the_first_cases_and_says_so(client: TestClient, seeded: Store,
                                                               tokens: dict[str, str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import caselink.api.routes.entities as routes

    assert _get(client, tokens["analyst_all"], f"/entities/{SHARED}").json()["shared_cases_cut"] is False
    monkeypatch.setattr(routes, "MAX_PAIR_CASES", 2)
    e = _get(client, tokens["analyst_all"], f"/entities/{SHARED}").json()
    assert e["shared_cases_cut"] is True and [(s["a"], s["b"]) for s in e["shared"]] == [("KENT-001", "MPS-002")]
    assert e["cases"] == ["KENT-001", "MPS-002", "MPS-003"]
