"""Per-request context for the API and the pages: the store, the accounts and who is asking.

The server holds one DuckDB connection (DuckDB allows one writing process per file). Each
request gets its own cursor on it, and requests take turns through a lock, because every read
appends to the audit log's hash chain and two appends must not interleave.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Request

from caselink.accounts import Accounts, Clock, Policy, Principal, SystemClock, require
from caselink.accounts.errors import Forbidden, LoginFailed, Unauthenticated
from caselink.errors import NotFound
from caselink.store.store import Store, require_purpose

PURPOSE_HEADER = "X-Caselink-Purpose"
CSRF_HEADER = "X-CSRF-Token"
SESSION_COOKIE = "caselink_session"
log = logging.getLogger("caselink.api")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Settings:
    """Server settings: the store, limits, session policy, and an optional map tile server."""

    db_path: Path
    tile_url: str | None = None          # e.g. "https://tiles.example/{z}/{x}/{y}.png"; None = bundled basemap
    max_upload_bytes: int = 50 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024    # every other request body
    idle_timeout: timedelta = timedelta(minutes=30)
    secure_cookies: bool = False         # set True behind HTTPS
    escalate_every: timedelta | None = timedelta(minutes=5)  # scheduled intel/alert escalation; None = off
    intel_policy: Path | None = None     # intel policy file (default: the shipped policy)


@dataclass
class ServerState:
    settings: Settings
    store: Store
    clock: Clock = field(default_factory=SystemClock)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def policy(self) -> Policy:
        return Policy(idle_timeout=self.settings.idle_timeout)


@dataclass
class Ctx:
    """One request: a store on its own cursor, the accounts over it, and the principal if known."""

    store: Store
    accounts: Accounts
    request: Request
    principal: Principal | None = None

    @property
    def command(self) -> str:
        return f"{self.request.method} {self.request.url.path}"[:200]

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthenticated("not logged in")
        return self.principal

    def need(self, permission: str) -> Principal:
        """The principal, if their role allows ``permission`` (else Forbidden, logged as a denial)."""
        principal = self.user
        require(principal.role, permission)
        return principal

    def purpose(self) -> str:
        """The purpose for this read: the request's header, else the one set for the session."""
        header = self.request.headers.get(PURPOSE_HEADER)
        return require_purpose(header if header else self.user.purpose, "reading case detail")

    def hidden(self, case_id: str, reason: str = "out of scope") -> NotFound:
        """Log a denial for a case the user may not see and return the not-found error to raise."""
        self.accounts.deny(self.user.user_name, self.command, reason, [case_id])
        return not_found(case_id)

    def deny(self, reason: str, case_ids: Sequence[str] = (), detail: dict[str, Any] | None = None) -> None:
        name = self.principal.user_name if self.principal else "anonymous"
        self.accounts.deny(name, self.command, reason, case_ids, detail)


def not_found(case_id: str) -> NotFound:
    return NotFound(f"no case {case_id!r}")


def state_of(request: Request) -> ServerState:
    state: ServerState = request.app.state.caselink
    return state


def open_ctx(request: Request) -> Iterator[Ctx]:
    """Dependency: take the store lock, give the request its cursor, release both after."""
    state = state_of(request)
    with state.lock:
        cursor = state.store.con.cursor()
        store = Store(cursor, state.store.path, "anonymous")
        ctx = Ctx(store, Accounts(store, state.clock, state.policy), request)
        request.state.ctx = ctx
        try:
            yield ctx
        except (Unauthenticated, Forbidden) as exc:
            _log_denial(ctx, exc)
            raise
        finally:
            cursor.close()


def _log_denial(ctx: Ctx, exc: Unauthenticated | Forbidden) -> None:
    """Write a 401/403 to the audit log (a failed login was logged by the login itself)."""
    if isinstance(exc, LoginFailed):
        return
    try:
        ctx.deny(exc.code, detail={"message": str(exc)[:200]})
    except Exception:  # the refusal stands even if it cannot be logged; the server log says why
        log.exception("could not write a denial to the audit log")


def authenticate(ctx: Ctx, csrf: str | None = None) -> Principal:
    """Bearer token if given, else the session cookie (with a CSRF token for unsafe methods).

    The CSRF token comes from the ``X-CSRF-Token`` header (scripts) or ``csrf`` (a form field).
    """
    request = ctx.request
    auth = request.headers.get("Authorization", "")
    if auth:
        scheme, _, raw = auth.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        principal = ctx.accounts.token(raw.strip())
    else:
        principal = ctx.accounts.session(request.cookies.get(SESSION_COOKIE))
        sent = csrf if csrf is not None else request.headers.get(CSRF_HEADER)
        if request.method in UNSAFE and not (sent and principal.csrf_token
                                             and secrets.compare_digest(sent, principal.csrf_token)):
            ctx.principal = principal
            raise Forbidden("missing or wrong CSRF token for a cookie-authenticated change")
    ctx.principal = principal
    ctx.store.user = principal.user_name
    return principal
