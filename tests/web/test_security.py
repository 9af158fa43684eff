"""Security: XSS rendered inert with a CSP, the roles x scopes x endpoints matrix, CSRF,
path traversal and oversized uploads, and a denial in the audit log for every refusal."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caselink.accounts import Accounts, ManualClock, can, get_user
from caselink.alerts import raise_alert
from caselink.api.context import SESSION_COOKIE
from caselink.store import Store

from .conftest import USERS, XSS_NAME, XSS_NARRATIVE, audit_rows, bearer

API = "/api/v1"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse_tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """Every element a browser would create, with its attributes (escaped text creates none)."""
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def web_login(client: TestClient, store: Store, clock: ManualClock, name: str, purpose: str | None = "OP-WEB") -> str:
    raw, principal = Accounts(store, clock).start_session(get_user(store, name), purpose)
    client.cookies.set(SESSION_COOKIE, raw)
    assert principal.csrf_token
    return principal.csrf_token


# -- XSS and CSP ---------------------------------------------------------------------------
def test_stored_xss_in_narrative_and_names_renders_inert(client: TestClient, server_store: Store,
                                                        clock: ManualClock) -> None:
    web_login(client, server_store, clock, "analyst_all")
    page = client.get("/cases/MPS-001")
    assert page.status_code == 200
    html = page.text
    assert XSS_NARRATIVE not in html and XSS_NAME not in html
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in html
    assert "&lt;svg onload=alert(2)&gt;" in html
    # The only script elements are the package's own files and one JSON data block.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    for attrs, body in scripts:
        assert 'src="/static/' in attrs or ('type="application/json"' in attrs and "<" not in body), attrs
    tags = parse_tags(html)
    assert not [t for t in tags if any(a.startswith("on") for a in t[1])]
    assert not [t for t in tags if t[0] == "img"]
    assert all((t[1].get("class") or "").split()[0] in ("bar", "chart") for t in tags if t[0] == "svg")
    listing = client.get("/cases", params={"q": "<script>"}).text
    assert "<script>document" not in listing


def test_csp_and_security_headers_on_pages_and_api(client: TestClient, server_store: Store,
                                                   clock: ManualClock) -> None:
    web_login(client, server_store, clock, "analyst_all")
    for path in ("/login", "/", "/cases/MPS-001", f"{API}/cases", "/static/app.css"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_no_page_has_inline_script_or_style_or_remote_asset(client: TestClient, server_store: Store,
                                                           clock: ManualClock) -> None:
    web_login(client, server_store, clock, "reviewer_all")
    for path in ("/", "/cases", "/cases/MPS-001", "/cases/MPS-001/history", "/alerts"):
        html = client.get(path).text
        tags = parse_tags(html)
        assert not [t for t in tags if t[0] == "style" or "style" in t[1]], path
        assert not [t for t in tags if any(a.startswith("on") for a in t[1])], path
        for _, attrs in tags:
            for key in ("src", "href", "action"):
                value = attrs.get(key) or ""
                assert not value.startswith(("http:", "https:", "//", "javascript:")), (path, value)


# -- the access matrix ---------------------------------------------------------------------
ENDPOINTS: list[tuple[str, str, str, str | None]] = [
    # method, path, permission, case it concerns (None: not case-bound)
    ("GET", f"{API}/cases", "cases:read", None),
    ("GET", f"{API}/cases/MPS-001", "cases:read", "MPS-001"),
    ("GET", f"{API}/cases/KENT-001", "cases:read", "KENT-001"),
    ("GET", f"{API}/cases/KENT-001/history", "cases:read", "KENT-001"),
    ("GET", f"{API}/cases/MPS-002/history", "cases:read", "MPS-002"),
    ("GET", f"{API}/cases/export.csv", "cases:export", None),
    ("GET", f"{API}/alerts", "alerts:read", None),
    ("GET", f"{API}/alerts/overdue", "alerts:read", None),
    ("POST", f"{API}/alerts/{{mps_alert}}/ack", "alerts:ack", "MPS-002"),
    ("POST", f"{API}/alerts/{{kent_alert}}/ack", "alerts:ack", "KENT-001"),
    ("GET", f"{API}/audit/log", "audit:read", None),
    ("GET", f"{API}/audit/verify", "audit:read", None),
    ("POST", f"{API}/cases/import", "cases:import", None),
    ("GET", f"{API}/cases/MPS-001/similar", "similar:read", "MPS-001"),
    ("GET", f"{API}/cases/KENT-001/similar", "similar:read", "KENT-001"),
    ("GET", f"{API}/cases/MPS-001/series", "series:read", "MPS-001"),
    ("GET", f"{API}/cases/KENT-001/series", "series:read", "KENT-001"),
    ("GET", f"{API}/series", "series:read", None),
    ("GET", f"{API}/intel", "intel:read", None),
    ("GET", f"{API}/intel/overdue", "intel:read", None),
    ("GET", f"{API}/intel/{{mps_report}}", "intel:read", "MPS-001"),
    ("GET", f"{API}/intel/{{kent_report}}", "intel:read", "KENT-001"),
    ("POST", f"{API}/intel?case=MPS-001", "intel:create", "MPS-001"),
    ("POST", f"{API}/intel?case=KENT-001", "intel:create", "KENT-001"),
    ("POST", f"{API}/intel/{{mps_report}}/transition", "intel:update", "MPS-001"),
    ("POST", f"{API}/intel/{{kent_report}}/transition", "intel:update", "KENT-001"),
    ("GET", f"{API}/clusters", "scan:read", None),
    ("GET", f"{API}/checks", "checks:read", None),
    ("GET", f"{API}/checks?case_id=KENT-001", "checks:read", "KENT-001"),
    ("GET", f"{API}/disparity?outcome=status%20%3D%20open&by=incident_type", "disparity:read", None),
    ("GET", "/disparity?outcome=status%20%3D%20open&by=incident_type", "disparity:read", None),
    ("GET", "/cases", "cases:read", None),
    ("GET", "/series", "series:read", None),
    ("GET", "/intel", "intel:read", None),
    ("GET", "/intel/{mps_report}", "intel:read", "MPS-001"),
    ("GET", "/intel/{kent_report}", "intel:read", "KENT-001"),
    ("GET", "/cases/MPS-001", "cases:read", "MPS-001"),
    ("GET", "/cases/KENT-001", "cases:read", "KENT-001"),
    ("GET", "/alerts", "alerts:read", None),
    ("GET", "/checks", "checks:read", None),
    ("GET", "/audit", "audit:read", None),
    ("GET", f"{API}/entities?q=07700900555", "entities:read", None),
    ("GET", f"{API}/entities/phone:+447700900555", "entities:read", "MPS-002"),
    ("GET", f"{API}/entities/phone:+447700900002", "entities:read", "KENT-001"),
    ("GET", "/entities", "entities:read", None),
    ("GET", "/entities/phone%3A%2B447700900555", "entities:read", "MPS-002"),
    ("GET", "/entities/phone%3A%2B447700900002", "entities:read", "KENT-001"),
    ("GET", "/", "", None),  # the dashboard: alerts and the overdue panel; any logged-in user
    ("GET", "/intel/overdue-check", "", None),
    ("POST", "/alerts/{mps_alert}/ack", "alerts:ack", "MPS-002"),
    ("POST", "/alerts/{kent_alert}/ack", "alerts:ack", "KENT-001"),
    ("POST", "/intel?case=MPS-001", "intel:create", "MPS-001"),
    ("POST", "/intel?case=KENT-001", "intel:create", "KENT-001"),
    ("POST", "/intel/{mps_report}/step", "intel:update", "MPS-001"),
    ("POST", "/intel/{kent_report}/step", "intel:update", "KENT-001"),
]
# Changes that carry no case data, each with why; every other change is in ENDPOINTS.
NO_CASE_DATA = {
    "POST /api/v1/auth/login": "a token for the caller", "POST /api/v1/auth/logout": "ok",
    "PUT /api/v1/me/purpose": "the caller's own account", "POST /login": "redirect",
    "POST /logout": "redirect", "POST /purpose": "redirect",
}
# The audit log is the whole store's, for admins (a scope does not cut it).
WHOLE_STORE = ("/audit", f"{API}/audit/")
SCOPES = {"all": lambda case: True, "mps": lambda case: case is None or case.startswith("MPS-")}


def _call(client: TestClient, store: Store, method: str, path: str, headers: dict[str, str],
          csrf: str = "") -> Any:
    """One request of the matrix, on fresh alerts and reports that also name the Kent case: an
    MPS alert related to MPS-001 and KENT-001, an intel report on MPS-001 and KENT-001."""
    if "/entities" in path:
        from .test_entity_pages import seed_entities

        seed_entities(store)
    with store.transaction() as con:
        n = con.execute("SELECT count(*) FROM alerts").fetchall()[0][0]
        mps = raise_alert(con, kind="linkage", title="MPS-002 looks like KENT-001", dedupe_key=f"m{n}",
                          case_id="MPS-002", related_ids=["MPS-001", "KENT-001"],
                          detail={"pairs": [{"case_id": "KENT-001", "p": 0.9}], "note": "see KENT-001"})
        kent = raise_alert(con, kind="linkage", title="k", dedupe_key=f"k{n}", case_id="KENT-001")
    from caselink.intel import NewReport, add_reports

    reports = add_reports(store, [NewReport("seen with a man", "family", "phone", case_ids=c)
                                  for c in (("MPS-001", "KENT-001"), ("KENT-001",))])
    path = path.format(mps_alert=mps, kent_alert=kent, mps_report=reports[0].report_id,
                       kent_report=reports[1].report_id)
    if path == "/intel/overdue-check":  # the dashboard's overdue panel, with every report overdue
        return client.get("/", headers=headers, follow_redirects=False)
    if not path.startswith(API) and method == "POST":
        return _web_post(client, path, csrf)
    if path.endswith("/transition"):
        return client.post(path, json={"step": "acknowledge", "reason": "called back"}, headers=headers)
    if "/intel?case=" in path:
        case = path.split("=")[1]
        return client.post(path, json={"text": "he was with a man called S", "reporter_relation": "friend",
                                       "channel": "phone", "case_ids": [case]}, headers=headers)
    if path.endswith("/ack"):
        return client.post(path, json={"note": "checked"}, headers=headers)
    if path.endswith("/import"):
        body = b'{"case_id": "NEW-1", "incident_type": "other", "occurred_from": "2020-01-01", "agency": "MPS"}\n'
        return client.post(path, files={"file": ("new.jsonl", body, "application/x-ndjson")}, headers=headers)
    return client.request(method, path, headers=headers, follow_redirects=False)


def _web_post(client: TestClient, path: str, csrf: str) -> Any:
    if path.endswith("/ack"):
        data = {"note": "checked"}
    elif path.endswith("/step"):
        data = {"step": "acknowledge", "reason": "called back"}
    else:
        path, _, case = path.partition("?case=")
        data = {"text": "he was with a man", "reporter_relation": "friend", "channel": "phone", "case_id": case}
    r = client.post(path, data={**data, "csrf": csrf, "next": "/cases"}, follow_redirects=False)
    if r.status_code == 303 and not r.headers["location"].startswith("/login"):
        return client.get(r.headers["location"])  # what the user is shown next
    return r


@pytest.mark.parametrize("user", sorted(USERS))
def test_access_matrix_has_no_unauthorised_success(user: str, client: TestClient, server_store: Store,
                                                   clock: ManualClock) -> None:
    """Status and body: a 2xx to a scoped user never names a case outside the scope, whether it
    answers a list, a read or a change (acknowledging an alert, recording or moving on a report)."""
    role, scope_items = USERS[user]
    in_scope = SCOPES["mps" if scope_items else "all"]
    token = Accounts(server_store, clock).issue_token(get_user(server_store, user), "matrix", purpose="OP-M")
    outcomes = []
    for method, path, permission, case in ENDPOINTS:
        denials_before = len(audit_rows(server_store, "denial"))
        if path.startswith(API):
            r = _call(client, server_store, method, path, bearer(token))
        else:
            client.cookies.clear()
            csrf = web_login(client, server_store, clock, user, "OP-M")
            r = _call(client, server_store, method, path, {}, csrf)
        allowed = (not permission or can(role, permission)) and in_scope(case)
        ok = 200 <= r.status_code < 300
        outcomes.append((method, path, r.status_code, allowed))
        assert ok == allowed, (user, method, path, r.status_code, r.text[:200])
        if not allowed:
            assert r.status_code in (403, 404), (user, path, r.status_code)
            if r.status_code == 403 or (case and not in_scope(case)):
                assert len(audit_rows(server_store, "denial")) > denials_before, (user, path)
        elif scope_items and not path.startswith(WHOLE_STORE):
            assert "KENT" not in r.text and "Canterbury" not in r.text, (user, method, path, r.text[:2000])
    assert any(a for *_, a in outcomes) and any(not a for *_, a in outcomes)


def _template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.split("?")[0])


def _routes(routes: Any, prefix: str = "") -> Any:
    """(path, methods) of every route, through included routers."""
    from fastapi.routing import APIRoute

    for r in routes:
        included = getattr(r, "include_context", None)
        if included is not None:
            yield from _routes(included.included_router.routes, prefix + included.prefix)
        elif isinstance(r, APIRoute):
            yield prefix + r.path, r.methods


def test_every_change_is_in_the_matrix(app: Any) -> None:
    """A new POST/PUT/PATCH/DELETE route must join ENDPOINTS (so its body is checked) or say why not."""
    changes = {f"{m} {_template(path)}" for path, methods in _routes(app.routes)
               for m in methods if m in ("POST", "PUT", "PATCH", "DELETE")}
    covered = {f"{m} {_template(p)}" for m, p, *_ in ENDPOINTS}
    assert changes - covered - set(NO_CASE_DATA) == set()
    assert set(NO_CASE_DATA) <= changes


def test_a_scoped_ack_answers_without_the_other_forces_case(client: TestClient, server_store: Store,
                                                            tokens: dict[str, str]) -> None:
    with server_store.transaction() as con:
        alert, other = (raise_alert(con, kind="linkage", title="MPS-002 looks like KENT-001", dedupe_key=key,
                                    case_id="MPS-002", related_ids=["KENT-001", "MPS-001"],
                                    detail={"explanation": ["same phone as KENT-001"], "pair": {"case_id": "KENT-001"}})
                        for key in ("leak", "leak2"))
    listed = client.get(f"{API}/alerts", headers=bearer(tokens["analyst_mps"])).json()
    acked = client.post(f"{API}/alerts/{alert}/ack", json={"note": "seen"}, headers=bearer(tokens["analyst_mps"]))
    assert acked.status_code == 200
    body = acked.json()
    assert body["related_ids"] == ["MPS-001"] and "KENT" not in acked.text
    # acknowledging ends the alert's deadline, so the intel policy's due fields change with the ack fields
    changed = ("ack", "owner", "deadline", "overdue")
    assert {k: v for k, v in body.items() if not k.startswith(changed)} == \
        {k: v for k, v in next(a for a in listed if a["alert_id"] == alert).items() if not k.startswith(changed)}
    full = client.post(f"{API}/alerts/{other}/ack", json={"note": "seen"}, headers=bearer(tokens["analyst_all"]))
    assert full.json()["related_ids"] == ["KENT-001", "MPS-001"] and "same phone as KENT-001" in full.text


@pytest.mark.parametrize("method, path, _perm, _case", ENDPOINTS)
def test_anonymous_gets_nothing(method: str, path: str, _perm: str, _case: str | None, client: TestClient,
                                server_store: Store) -> None:
    before = len(audit_rows(server_store, "denial"))
    for headers in ({}, bearer("clk_forged"), {"Authorization": "Bearer "}):
        r = _call(client, server_store, method, path, headers, "forged")
        assert not 200 <= r.status_code < 300
        if path.startswith(API):
            assert r.status_code in (401, 413) or (r.status_code == 422 and r.request.method == "POST")
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login")
    if path.startswith(API) and method == "GET":
        assert len(audit_rows(server_store, "denial")) >= before + 3


def test_cookie_session_needs_csrf_token_for_changes(client: TestClient, server_store: Store,
                                                     clock: ManualClock) -> None:
    csrf = web_login(client, server_store, clock, "analyst_all")
    r = client.put(f"{API}/me/purpose", json={"purpose": "OP-X"})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert client.put(f"{API}/me/purpose", json={"purpose": "OP-X"}, headers={"X-CSRF-Token": csrf}).status_code == 200
    form = client.post("/purpose", data={"purpose": "OP-Y", "csrf": "wrong"}, follow_redirects=False)
    assert form.status_code == 403
    assert audit_rows(server_store, "denial")[-1][1] == "analyst_all"


def test_login_form_needs_its_csrf_cookie(client: TestClient) -> None:
    r = client.post("/login", data={"user_name": "analyst_all", "password": "x", "login_csrf": "forged"})
    assert r.status_code == 403 and SESSION_COOKIE not in r.cookies


def test_open_redirect_after_login_is_refused(client: TestClient, server_store: Store) -> None:
    from .conftest import PASSWORD

    page = client.get("/login", params={"next": "//evil.example/x"})
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert 'value="/"' in page.text
    r = client.post("/login", data={"user_name": "analyst_all", "password": PASSWORD, "login_csrf": token,
                                    "next": "https://evil.example/"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_idle_web_session_goes_back_to_login(client: TestClient, server_store: Store, clock: ManualClock) -> None:
    web_login(client, server_store, clock, "analyst_all")
    assert client.get("/cases").status_code == 200
    clock.advance(minutes=31)
    r = client.get("/cases", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fcases")
    denial = audit_rows(server_store, "denial")[-1]
    assert denial[1] == "anonymous" and "unauthenticated" in denial[6]


# -- path traversal and uploads ------------------------------------------------------------
TRAVERSAL = [
    "/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/vendor/../../api/app.py", "/static/..\\..\\store\\store.py", "/static/%c0%ae%c0%ae/etc/passwd",
    "/static//etc/passwd", "/static/vendor/leaflet/../../../../../../../../etc/shadow",
]


@pytest.mark.parametrize("path", TRAVERSAL)
def test_path_traversal_is_refused(path: str, client: TestClient) -> None:
    r = client.get(path)
    assert r.status_code in (400, 404)
    assert "root:" not in r.text and "import" not in r.text


@pytest.mark.parametrize("case_id", ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00", "MPS-001%00.json"])
def test_case_ids_with_traversal_are_just_missing(case_id: str, client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get(f"{API}/cases/{case_id}", headers=bearer(tokens["analyst_all"]))
    assert r.status_code == 404 and "root:" not in r.text
    if r.url.path.startswith(API):  # a client may have collapsed the dots before sending
        assert set(r.json()) == {"error", "message"}


BAD_NAMES = ["../../evil.jsonl", "..\\..\\evil.csv", "/etc/cron.d/evil.jsonl", "evil.jsonl/../../x", "evil.exe",
             "evil.jsonl.sh", ".hidden.jsonl", "a\x00.jsonl", "C:evil.csv", "%2e%2e%2fevil.jsonl", ""]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_upload_names_with_paths_or_other_types_are_refused(name: str, client: TestClient,
                                                            tokens: dict[str, str], tmp_path: Any) -> None:
    body = b'{"case_id": "UP-1", "incident_type": "other", "occurred_from": "2020-01-01"}\n'
    r = client.post(f"{API}/cases/import", files={"file": (name, body, "application/octet-stream")},
                    headers=bearer(tokens["supervisor_all"]))
    assert r.status_code in (400, 422), (name, r.status_code, r.text)
    assert set(r.json()) == {"error", "message"}
    assert client.get(f"{API}/cases/UP-1", headers=bearer(tokens["supervisor_all"])).status_code == 404


def test_a_good_upload_is_ingested(client: TestClient, tokens: dict[str, str]) -> None:
    body = b'{"case_id": "UP-2", "incident_type": "other", "occurred_from": "2020-01-01"}\n'
    r = client.post(f"{API}/cases/import", files={"file": ("batch 7.jsonl", body)},
                    headers=bearer(tokens["supervisor_all"]))
    assert r.status_code == 200 and r.json()["new"] == 1
    assert client.get(f"{API}/cases/UP-2", headers=bearer(tokens["supervisor_all"])).status_code == 200


@pytest.mark.parametrize("size", [64 * 1024 + 1, 5 * 1024 * 1024])
def test_oversized_uploads_and_bodies_are_refused(size: int, client: TestClient, tokens: dict[str, str]) -> None:
    big = b'{"case_id": "BIG", "incident_type": "other", "occurred_from": "2020-01-01"}\n' + b" " * size
    r = client.post(f"{API}/cases/import", files={"file": ("big.jsonl", big)}, headers=bearer(tokens["supervisor_all"]))
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    r = client.put(f"{API}/me/purpose", content=b'{"purpose": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                   headers=bearer(tokens["analyst_all"], **{"Content-Type": "application/json"}))
    assert r.status_code == 413


def test_chunked_body_without_length_is_refused(client: TestClient, tokens: dict[str, str]) -> None:
    def gen() -> Any:
        yield b'{"purpose": "'
        yield b"x" * 10
        yield b'"}'

    r = client.put(f"{API}/me/purpose", content=gen(), headers=bearer(tokens["analyst_all"]))
    assert r.status_code == 411


def test_lockout_through_the_api_with_the_controllable_clock(client: TestClient, clock: ManualClock,
                                                            server_store: Store) -> None:
    from .conftest import PASSWORD

    body = {"user_name": "reviewer_mps", "password": "wrong password!"}
    for _ in range(5):
        assert client.post(f"{API}/auth/login", json=body).status_code == 401
    right = {"user_name": "reviewer_mps", "password": PASSWORD}
    locked = client.post(f"{API}/auth/login", json=right)
    assert locked.status_code == 401 and locked.json()["error"] == "login_failed"
    clock.advance(minutes=10, seconds=1)
    assert client.post(f"{API}/auth/login", json=right).status_code == 200
    denials = [r for r in audit_rows(server_store, "denial") if r[1] == "reviewer_mps" and r[3] == "login"]
    assert len(denials) == 6 and "locked" in denials[-1][6]


def test_idle_bearer_token_expires(client: TestClient, clock: ManualClock) -> None:
    from .conftest import PASSWORD

    token = client.post(f"{API}/auth/login", json={"user_name": "analyst_all", "password": PASSWORD}).json()["token"]
    clock.advance(minutes=25)
    assert client.get(f"{API}/me", headers=bearer(token)).status_code == 200
    clock.advance(minutes=30, seconds=1)
    r = client.get(f"{API}/me", headers=bearer(token))
    assert r.status_code == 401 and "expired" in r.json()["message"]
