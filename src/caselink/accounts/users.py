"""Local accounts: add, list, disable, change password. Every change is audited ("administration")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from caselink import audit
from caselink.accounts.clock import Clock, SystemClock
from caselink.accounts.passwords import hash_password
from caselink.accounts.roles import check_role
from caselink.accounts.scope import Scope
from caselink.errors import CaselinkError, NotFound
from caselink.store.store import Store

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class User:
    user_name: str
    role: str
    scope: Scope
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_name": self.user_name, "role": self.role, "scope": [f"{k}={v}" for k, v in self.scope.pairs()],
            "disabled": self.disabled, "failed_logins": self.failed_logins,
            "locked_until": self.locked_until.isoformat() if self.locked_until else None,
            "created_at": self.created_at.isoformat(),
        }


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise CaselinkError(f"user name {name!r} must be 1-64 letters, digits, '.', '_', '@' or '-'")
    return name


def add_user(store: Store, name: str, role: str, password: str, scope: Scope | None = None,
             *, clock: Clock | None = None) -> User:
    """Create an account; the password is hashed with argon2id and never stored."""
    check_name(name)
    check_role(role)
    digest = hash_password(password)
    scope = scope or Scope()
    now = (clock or SystemClock()).now()
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM users WHERE user_name = ?", [name]).fetchall():
            raise CaselinkError(f"user {name!r} already exists")
        con.execute("INSERT INTO users (user_name, role, password_hash, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, ?)", [name, role, digest, now, store.user])
        for key, value in scope.pairs():
            con.execute("INSERT INTO user_scopes VALUES (?, ?, ?)", [name, key, value])
        audit.append(con, user=store.user, action="administration", command="users add",
                     detail={"user": name, "role": role, "scope": scope.describe()})
    return get_user(store, name)


def get_user(store: Store, name: str) -> User:
    rows = store.con.execute(
        "SELECT user_name, role, disabled, failed_logins, locked_until, created_at FROM users "
        "WHERE user_name = ?", [name]).fetchall()
    if not rows:
        raise NotFound(f"no user {name!r}")
    return _user(store, rows[0])


def _user(store: Store, row: tuple[Any, ...]) -> User:
    pairs = store.con.execute("SELECT key, value FROM user_scopes WHERE user_name = ?", [row[0]]).fetchall()
    return User(row[0], row[1], Scope.from_pairs((k, v) for k, v in pairs), bool(row[2]), int(row[3]),
                row[4], row[5])


def list_users(store: Store) -> list[User]:
    rows = store.con.execute(
        "SELECT user_name, role, disabled, failed_logins, locked_until, created_at FROM users "
        "ORDER BY user_name").fetchall()
    return [_user(store, r) for r in rows]


def disable_user(store: Store, name: str, *, clock: Clock | None = None) -> User:
    """Disable an account and end its sessions and tokens at once."""
    now = (clock or SystemClock()).now()
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM users WHERE user_name = ?", [name]).fetchall():
            raise NotFound(f"no user {name!r}")
        con.execute("UPDATE users SET disabled = TRUE WHERE user_name = ?", [name])
        con.execute("UPDATE sessions SET ended_at = ? WHERE user_name = ? AND ended_at IS NULL", [now, name])
        con.execute("UPDATE api_tokens SET revoked_at = ? WHERE user_name = ? AND revoked_at IS NULL",
                    [now, name])
        audit.append(con, user=store.user, action="administration", command="users disable",
                     detail={"user": name})
    return get_user(store, name)


def set_password(store: Store, name: str, password: str) -> None:
    digest = hash_password(password)
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM users WHERE user_name = ?", [name]).fetchall():
            raise NotFound(f"no user {name!r}")
        con.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL "
                    "WHERE user_name = ?", [digest, name])
        audit.append(con, user=store.user, action="administration", command="users password",
                     detail={"user": name})
