"""Logging in, sessions and API tokens, with lockout and idle timeout.

``Accounts`` works on a ``Store`` (one request's cursor in the server) and a ``Clock``. Session
ids and tokens are random 256-bit values; only their SHA-256 is stored. Every refusal is written
to the audit log as a ``denial``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from caselink import audit
from caselink.accounts.clock import Clock, SystemClock
from caselink.accounts.errors import LoginFailed, Unauthenticated
from caselink.accounts.passwords import verify_password
from caselink.accounts.scope import Scope
from caselink.accounts.users import User, get_user
from caselink.errors import NotFound
from caselink.store.store import Store

SESSION = "session"
# last_seen is written at most this often (a write per request would cost every request a
# transaction); the idle timeout is therefore exact to within this interval.
TOUCH_EVERY = timedelta(seconds=30)
TOKEN = "token"


@dataclass(frozen=True)
class Policy:
    """Lockout after ``max_failures`` consecutive failures for ``lockout``; sessions end when idle."""

    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=10)
    idle_timeout: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class Principal:
    """Who is making a request, how they proved it, and the purpose they set for the audit log."""

    user_name: str
    role: str
    scope: Scope
    purpose: str | None
    kind: str          # "session" or "token"
    key: str           # the stored hash of the session id / token
    csrf_token: str | None = None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Accounts:
    def __init__(self, store: Store, clock: Clock | None = None, policy: Policy | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.policy = policy or Policy()

    # -- denials -------------------------------------------------------------------------
    def deny(self, user: str, command: str, reason: str, case_ids: Sequence[str] = (),
             detail: dict[str, Any] | None = None) -> None:
        """Record a refused access (who, what, why) in the audit log."""
        with self.store.transaction() as con:
            audit.append(con, user=user or "anonymous", action="denial", command=command,
                         case_ids=case_ids, detail={"reason": reason, **(detail or {})})

    # -- login ---------------------------------------------------------------------------
    def login(self, name: str, password: str, remote: str | None = None) -> User:
        """Check a name and password; count failures and lock the account after too many.

        The same LoginFailed is raised for an unknown name, a wrong password, a locked or a
        disabled account, so a caller cannot tell which accounts exist.
        """
        now = self.clock.now()
        rows = self.store.con.execute(
            "SELECT password_hash, disabled, failed_logins, locked_until FROM users WHERE user_name = ?",
            [name]).fetchall()
        stored, disabled, failures, locked_until = rows[0] if rows else (None, False, 0, None)
        password_ok = verify_password(stored, password)  # always spend the hashing time
        locked = locked_until is not None and now < locked_until
        if rows and password_ok and not disabled and not locked:
            with self.store.transaction() as con:
                con.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE user_name = ?", [name])
                audit.append(con, user=name, action="administration", command="login", detail={"remote": remote})
            return get_user(self.store, name)
        reason = ("unknown user" if not rows else "disabled" if disabled else "locked" if locked
                  else "wrong password")
        with self.store.transaction() as con:
            con.execute("INSERT INTO failed_logins VALUES (?, ?, ?)", [name[:200], now, remote])
            if rows and not locked and not disabled:
                failures += 1
                if failures >= self.policy.max_failures:
                    con.execute("UPDATE users SET failed_logins = 0, locked_until = ? WHERE user_name = ?",
                                [now + self.policy.lockout, name])
                    reason += f"; locked for {self.policy.lockout}"
                else:
                    con.execute("UPDATE users SET failed_logins = ? WHERE user_name = ?", [failures, name])
            audit.append(con, user=name[:200] or "anonymous", action="denial", command="login",
                         detail={"reason": reason, "remote": remote})
        raise LoginFailed("login failed: wrong name or password, or the account is locked or disabled")

    # -- sessions (browser) --------------------------------------------------------------
    def start_session(self, user: User, purpose: str | None = None) -> tuple[str, Principal]:
        """A new session for a logged-in user; returns the cookie value and the principal."""
        raw, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(24), self.clock.now()
        with self.store.transaction() as con:
            con.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, NULL)",
                        [digest(raw), user.user_name, csrf, purpose, now, now])
        return raw, Principal(user.user_name, user.role, user.scope, purpose, SESSION, digest(raw), csrf)

    def session(self, raw: str | None) -> Principal:
        """The principal of a live session; ends it if idle too long. Raises Unauthenticated."""
        if not raw:
            raise Unauthenticated("not logged in")
        key = digest(raw)
        rows = self.store.con.execute(
            "SELECT user_name, csrf_token, purpose, last_seen, ended_at FROM sessions WHERE session_hash = ?",
            [key]).fetchall()
        if not rows or rows[0][4] is not None:
            raise Unauthenticated("not logged in (no such session, or it has ended)")
        name, csrf, purpose, last_seen, _ = rows[0]
        user = self._live_user(name)
        now = self.clock.now()
        if now - last_seen > self.policy.idle_timeout:
            self._end("sessions", "session_hash", "ended_at", key, now)
            raise Unauthenticated(f"session ended after {_minutes(self.policy.idle_timeout)} idle; log in again")
        if now - last_seen >= TOUCH_EVERY:
            self._touch("sessions", "session_hash", key, now)
        return Principal(name, user.role, user.scope, purpose, SESSION, key, csrf)

    def end_session(self, raw: str) -> None:
        self._end("sessions", "session_hash", "ended_at", digest(raw), self.clock.now())

    # -- tokens (API) --------------------------------------------------------------------
    def issue_token(self, user: User, label: str, *, expires_in: timedelta | None = None,
                    purpose: str | None = None) -> str:
        """A bearer token: with ``expires_in`` it lives that long, else it ends when idle."""
        raw, now = "clk_" + secrets.token_urlsafe(32), self.clock.now()
        expires = now + expires_in if expires_in is not None else None
        with self.store.transaction() as con:
            con.execute("INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                        [digest(raw), user.user_name, label[:100], purpose, now, now, expires])
            audit.append(con, user=self.store.user, action="administration", command="token issue",
                         detail={"user": user.user_name, "label": label[:100],
                                 "expires_at": expires.isoformat() if expires else None})
        return raw

    def token(self, raw: str | None) -> Principal:
        if not raw:
            raise Unauthenticated("no bearer token")
        key = digest(raw)
        rows = self.store.con.execute(
            "SELECT user_name, purpose, last_seen, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?",
            [key]).fetchall()
        if not rows or rows[0][4] is not None:
            raise Unauthenticated("invalid or revoked bearer token")
        name, purpose, last_seen, expires_at, _ = rows[0]
        user = self._live_user(name)
        now = self.clock.now()
        if (expires_at is not None and now >= expires_at) or (
                expires_at is None and now - last_seen > self.policy.idle_timeout):
            self._end("api_tokens", "token_hash", "revoked_at", key, now)
            raise Unauthenticated("bearer token expired; log in again")
        if now - last_seen >= TOUCH_EVERY:
            self._touch("api_tokens", "token_hash", key, now)
        return Principal(name, user.role, user.scope, purpose, TOKEN, key)

    def revoke_token(self, raw: str) -> None:
        self._end("api_tokens", "token_hash", "revoked_at", digest(raw), self.clock.now())

    def end(self, principal: Principal) -> None:
        """Log out: end the session or revoke the token the principal used."""
        if principal.kind == SESSION:
            self._end("sessions", "session_hash", "ended_at", principal.key, self.clock.now())
        else:
            self._end("api_tokens", "token_hash", "revoked_at", principal.key, self.clock.now())

    # -- purpose -------------------------------------------------------------------------
    def set_purpose(self, principal: Principal, purpose: str) -> Principal:
        """Change the investigation reference recorded with this session's reads."""
        table, col = ("sessions", "session_hash") if principal.kind == SESSION else ("api_tokens", "token_hash")
        text = purpose.strip()[:200] or None
        with self.store.transaction() as con:
            con.execute(f"UPDATE {table} SET purpose = ? WHERE {col} = ?", [text, principal.key])
            audit.append(con, user=principal.user_name, action="administration", command="set purpose",
                         purpose=text)
        return Principal(principal.user_name, principal.role, principal.scope, text, principal.kind,
                         principal.key, principal.csrf_token)

    # -- helpers -------------------------------------------------------------------------
    def _live_user(self, name: str) -> User:
        try:
            user = get_user(self.store, name)
        except NotFound:
            raise Unauthenticated("account no longer exists") from None
        if user.disabled:
            raise Unauthenticated("account disabled")
        return user

    def _touch(self, table: str, col: str, key: str, now: datetime) -> None:
        with self.store.transaction() as con:
            con.execute(f"UPDATE {table} SET last_seen = ? WHERE {col} = ?", [now, key])

    def _end(self, table: str, col: str, end_col: str, key: str, now: datetime) -> None:
        with self.store.transaction() as con:
            con.execute(f"UPDATE {table} SET {end_col} = ? WHERE {col} = ? AND {end_col} IS NULL", [now, key])


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"
