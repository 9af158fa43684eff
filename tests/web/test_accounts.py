"""Accounts: argon2id hashing, lockout and idle timeout on a controllable clock, tokens, scopes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caselink.accounts import (
    Accounts,
    LoginFailed,
    ManualClock,
    Scope,
    Unauthenticated,
    WeakPassword,
    add_user,
    can,
    disable_user,
    get_user,
)
from caselink.accounts.passwords import hash_password, verify_password
from caselink.errors import CaselinkError
from caselink.store import Store

from .conftest import PASSWORD, audit_rows


def test_password_is_stored_as_argon2id_and_verifies() -> None:
    digest = hash_password(PASSWORD)
    assert digest.startswith("$argon2id$") and "m=65536" in digest
    assert PASSWORD not in digest
    assert verify_password(digest, PASSWORD)
    assert not verify_password(digest, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)


@pytest.mark.parametrize("weak", ["short", "aaaaaaaaaaaaaaaa", ""])
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(WeakPassword):
        hash_password(weak)


def test_user_row_never_holds_the_password(server_store: Store) -> None:
    rows = server_store.con.execute("SELECT password_hash FROM users").fetchall()
    assert rows and all(PASSWORD not in r[0] and r[0].startswith("$argon2id$") for r in rows)


def test_lockout_after_five_failures_for_ten_minutes(server_store: Store, clock: ManualClock) -> None:
    acc = Accounts(server_store, clock)
    for _ in range(5):
        with pytest.raises(LoginFailed):
            acc.login("analyst_all", "wrong password!!")
    assert get_user(server_store, "analyst_all").locked_until == clock.now() + timedelta(minutes=10)
    # The right password is refused while locked, with the same message as a wrong one.
    with pytest.raises(LoginFailed) as locked:
        acc.login("analyst_all", PASSWORD)
    with pytest.raises(LoginFailed) as unknown:
        acc.login("nobody_here", PASSWORD)
    assert str(locked.value) == str(unknown.value)
    clock.advance(minutes=9, seconds=59)
    with pytest.raises(LoginFailed):
        acc.login("analyst_all", PASSWORD)
    clock.advance(seconds=2)
    assert acc.login("analyst_all", PASSWORD).user_name == "analyst_all"
    assert get_user(server_store, "analyst_all").failed_logins == 0


def test_four_failures_then_success_does_not_lock(server_store: Store, clock: ManualClock) -> None:
    acc = Accounts(server_store, clock)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            acc.login("reviewer_all", "wrong password!!")
    acc.login("reviewer_all", PASSWORD)
    for _ in range(4):
        with pytest.raises(LoginFailed):
            acc.login("reviewer_all", "wrong password!!")
    assert acc.login("reviewer_all", PASSWORD).user_name == "reviewer_all"


def test_every_failed_login_is_a_denial_in_the_audit_log(server_store: Store, clock: ManualClock) -> None:
    before = len(audit_rows(server_store, "denial"))
    acc = Accounts(server_store, clock)
    for name in ("analyst_all", "ghost"):
        with pytest.raises(LoginFailed):
            acc.login(name, "wrong password!!")
    denials = audit_rows(server_store, "denial")[before:]
    assert [(d[1], d[3]) for d in denials] == [("analyst_all", "login"), ("ghost", "login")]
    assert "wrong password" in denials[0][6] and "unknown user" in denials[1][6]


def test_session_ends_after_idle_timeout(server_store: Store, clock: ManualClock) -> None:
    acc = Accounts(server_store, clock)
    raw, _ = acc.start_session(acc.login("analyst_all", PASSWORD), "OP-1")
    clock.advance(minutes=29)
    assert acc.session(raw).user_name == "analyst_all"       # activity resets the idle timer
    clock.advance(minutes=29)
    assert acc.session(raw).purpose == "OP-1"
    clock.advance(minutes=30, seconds=1)
    with pytest.raises(Unauthenticated, match="idle"):
        acc.session(raw)
    clock.advance(seconds=1)
    with pytest.raises(Unauthenticated):                      # ended for good, not revived
        acc.session(raw)


def test_tokens_expire_and_disabling_revokes(server_store: Store, clock: ManualClock) -> None:
    acc = Accounts(server_store, clock)
    user = get_user(server_store, "supervisor_all")
    fixed = acc.issue_token(user, "batch job", expires_in=timedelta(hours=2))
    idle = acc.issue_token(user, "login")
    clock.advance(minutes=31)
    assert acc.token(fixed).user_name == "supervisor_all"     # fixed expiry: no idle timeout
    with pytest.raises(Unauthenticated):
        acc.token(idle)
    clock.advance(hours=2)
    with pytest.raises(Unauthenticated, match="expired"):
        acc.token(fixed)
    live = acc.issue_token(user, "x")
    disable_user(server_store, "supervisor_all", clock=clock)
    with pytest.raises(Unauthenticated):
        acc.token(live)
    with pytest.raises(LoginFailed):
        acc.login("supervisor_all", PASSWORD)


def test_only_hashes_of_secrets_are_stored(server_store: Store, clock: ManualClock) -> None:
    acc = Accounts(server_store, clock)
    raw, _ = acc.start_session(acc.login("analyst_all", PASSWORD))
    tok = acc.issue_token(get_user(server_store, "analyst_all"), "t")
    dump = str(server_store.con.execute("SELECT * FROM sessions").fetchall()) + \
        str(server_store.con.execute("SELECT * FROM api_tokens").fetchall())
    assert raw not in dump and tok not in dump


def test_scope_sql_and_matching() -> None:
    scope = Scope.parse(["agency=MPS", "agency=BTP", "area=Barking"])
    assert scope.allows({"agency": "BTP", "area": "Barking"})
    assert not scope.allows({"agency": "KENT", "area": "Barking"})
    assert not scope.allows({"agency": "MPS", "area": None})
    assert Scope().allows({"agency": None}) and Scope().sql() == ("TRUE", [])
    with pytest.raises(CaselinkError, match="scope key"):
        Scope.parse(["narrative=x"])
    with pytest.raises(CaselinkError, match="KEY=VALUE"):
        Scope.parse(["agency"])


def test_roles_table() -> None:
    assert can("analyst", "cases:read") and not can("analyst", "audit:read")
    assert can("admin", "audit:read") and not can("admin", "cases:read")
    assert can("supervisor", "cases:import") and not can("reviewer", "cases:import")
    with pytest.raises(ValueError):
        can("analyst", "no:such")


def test_duplicate_user_and_bad_names_are_refused(server_store: Store) -> None:
    with pytest.raises(CaselinkError, match="already exists"):
        add_user(server_store, "analyst_all", "analyst", PASSWORD)
    with pytest.raises(CaselinkError, match="user name"):
        add_user(server_store, "../etc", "analyst", PASSWORD)
    with pytest.raises(CaselinkError, match="unknown role"):
        add_user(server_store, "newbie", "god", PASSWORD)
