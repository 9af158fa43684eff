"""Fixtures for the server: a store with cases in two agencies, users of every role, a client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from caselink.accounts import Accounts, ManualClock, Scope, add_user, get_user
from caselink.api import Settings, create_app
from caselink.store import Store

PASSWORD = "correct horse battery"
XSS_NARRATIVE = '<script>document.title="pwned"</script><img src=x onerror="alert(1)">'
XSS_NAME = '"><svg onload=alert(2)>'

CASES: list[dict[str, Any]] = [
    {"case_id": "MPS-001", "incident_type": "death", "occurred_from": "2014-06-18", "lat": 51.5386, "lon": 0.0805,
     "area": "Barking", "agency": "MPS", "place_type": "street", "victim_age": 23, "victim_sex": "M",
     "victim_tags": ["gay"], "substances": ["ghb"], "classification": "non_suspicious", "status": "closed",
     "narrative": XSS_NARRATIVE,
     "entities": [{"kind": "person", "role": "victim", "value": "v-001", "name": XSS_NAME}]},
    {"case_id": "MPS-002", "incident_type": "death", "occurred_from": "2014-08-28", "lat": 51.5390, "lon": 0.0830,
     "area": "Barking", "agency": "MPS", "place_type": "churchyard", "victim_age": 22, "victim_sex": "M",
     "substances": ["ghb"], "classification": "non_suspicious", "status": "closed",
     "narrative": '=HYPERLINK("http://example.invalid","click")'},
    {"case_id": "MPS-003", "incident_type": "assault", "occurred_from": "2015-03-01", "area": "Ilford",
     "agency": "MPS", "status": "open", "narrative": "@SUM(A1:A3) and +1 and -2"},
    {"case_id": "KENT-001", "incident_type": "death", "occurred_from": "2015-01-02", "lat": 51.27, "lon": 1.08,
     "area": "Canterbury", "agency": "KENT", "status": "open", "narrative": "kent case"},
]
ROLES = ("analyst", "reviewer", "supervisor", "admin")
# user name -> (role, scope)
USERS: dict[str, tuple[str, list[str]]] = {
    **{f"{r}_all": (r, []) for r in ROLES},
    **{f"{r}_mps": (r, ["agency=MPS"]) for r in ROLES},
}


def write_cases(folder: Path, cases: list[dict[str, Any]] = CASES) -> Path:
    path = folder / "cases.jsonl"
    path.write_bytes(b"".join(orjson.dumps(c) + b"\n" for c in cases))
    return path


@pytest.fixture(scope="session")
def _password_hash() -> str:
    from caselink.accounts.passwords import hash_password

    return hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def _hash_once(_password_hash: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Creating 8 users per test would hash the same password 8 times (0.5 s each): reuse one
    real argon2id hash of PASSWORD; other passwords are hashed as usual."""
    import caselink.accounts.users as users_mod

    real = users_mod.hash_password
    monkeypatch.setattr(users_mod, "hash_password", lambda pw: _password_hash if pw == PASSWORD else real(pw))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 1, 5, 9, 0, 0))


@pytest.fixture
def server_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "web.duckdb", user="setup")
    store.ingest([write_cases(tmp_path)], show_progress=False, run_hooks=False)
    for name, (role, scope) in USERS.items():
        add_user(store, name, role, PASSWORD, Scope.parse(scope))
    with store.transaction() as con:
        from caselink.alerts import raise_alert

        raise_alert(con, kind="linkage", title="MPS-002 looks like MPS-001", dedupe_key="t1",
                    case_id="MPS-002", related_ids=["MPS-001"], score=0.91)
        raise_alert(con, kind="linkage", title="KENT-001 looks like MPS-001", dedupe_key="t2",
                    case_id="KENT-001", related_ids=["MPS-001"], score=0.4)
    yield store
    store.close()


@pytest.fixture
def app(server_store: Store, clock: ManualClock, tmp_path: Path) -> Any:
    return create_app(Settings(db_path=tmp_path / "web.duckdb", max_upload_bytes=64 * 1024),
                      clock=clock, store=server_store)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def token_for(store: Store, clock: ManualClock, name: str, purpose: str | None = "OP-TEST") -> str:
    return Accounts(store, clock).issue_token(get_user(store, name), "test", purpose=purpose)


@pytest.fixture
def tokens(server_store: Store, clock: ManualClock) -> dict[str, str]:
    return {name: token_for(server_store, clock, name) for name in USERS}


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def audit_rows(store: Store, action: str | None = None) -> list[tuple[Any, ...]]:
    where = "WHERE action = ?" if action else ""
    return store.con.execute(
        f"SELECT seq, user_name, action, command, case_ids, purpose, detail FROM audit_log {where} ORDER BY seq",
        [action] if action else []).fetchall()
