"""Accounts for the web UI and API: users, roles, scopes, sessions, tokens, lockout.

Example:
    >>> from caselink.accounts import Accounts, Scope, add_user   # doctest: +SKIP
    >>> add_user(store, "ana", "analyst", "a long passphrase", Scope.parse(["agency=MPS"]))
    >>> user = Accounts(store).login("ana", "a long passphrase")
"""

from __future__ import annotations

from caselink.accounts.auth import Accounts, Policy, Principal
from caselink.accounts.clock import Clock, ManualClock, SystemClock
from caselink.accounts.errors import Forbidden, LoginFailed, Unauthenticated, WeakPassword
from caselink.accounts.roles import PERMISSIONS, ROLES, can, require
from caselink.accounts.scope import Scope
from caselink.accounts.users import User, add_user, disable_user, get_user, list_users, set_password

__all__ = [
    "PERMISSIONS", "ROLES", "Accounts", "Clock", "Forbidden", "LoginFailed", "ManualClock", "Policy",
    "Principal", "Scope", "SystemClock", "Unauthenticated", "User", "WeakPassword", "add_user", "can",
    "disable_user", "get_user", "list_users", "require", "set_password",
]
