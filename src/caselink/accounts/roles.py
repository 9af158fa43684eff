"""Roles and what each may do. One table, used by the API, the pages and the tests.

- analyst: reads cases, similar cases, series, alerts, scan results and entities; acknowledges alerts;
  records intel reports and moves them on (acknowledge, assess, action).
- reviewer: as analyst, plus missed-action findings, the disparity report and exports.
- supervisor: as reviewer, plus closing intel (escalations land here) and importing cases.
- admin: accounts and the audit log; no case detail (separation of duties).
"""

from __future__ import annotations

from caselink.accounts.errors import Forbidden

ROLES = ("analyst", "reviewer", "supervisor", "admin")

_ANALYST = frozenset({
    "cases:read", "similar:read", "series:read", "alerts:read", "alerts:ack", "scan:read",
    "intel:read", "intel:create", "intel:update", "entities:read",
})
_REVIEWER = _ANALYST | {"checks:read", "disparity:read", "cases:export"}
_SUPERVISOR = _REVIEWER | {"intel:close", "cases:import"}
_ADMIN = frozenset({"audit:read", "users:admin"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "analyst": _ANALYST,
    "reviewer": frozenset(_REVIEWER),
    "supervisor": frozenset(_SUPERVISOR),
    "admin": _ADMIN,
}
ALL_PERMISSIONS = frozenset().union(*PERMISSIONS.values())


def can(role: str, permission: str) -> bool:
    """True if ``role`` grants ``permission`` (unknown roles grant nothing)."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return permission in PERMISSIONS.get(role, frozenset())


def require(role: str, permission: str) -> None:
    if not can(role, permission):
        raise Forbidden(f"your role ({role}) may not do this ({permission})")


def check_role(role: str) -> str:
    from caselink.errors import CaselinkError

    if role not in ROLES:
        raise CaselinkError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return role
