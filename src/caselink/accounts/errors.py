"""Errors of authentication and authorisation (CaselinkError subclasses with an HTTP status)."""

from __future__ import annotations

from caselink.errors import CaselinkError


class Unauthenticated(CaselinkError):
    """No valid session or token (missing, wrong, expired, idle too long, revoked)."""

    code = "unauthenticated"
    exit_code = 6
    status = 401


class LoginFailed(Unauthenticated):
    """Wrong name or password, or an account that is locked or disabled (one message for all)."""

    code = "login_failed"


class Forbidden(CaselinkError):
    """Authenticated, but the role does not allow the action."""

    code = "forbidden"
    exit_code = 6
    status = 403


class WeakPassword(CaselinkError):
    code = "weak_password"
