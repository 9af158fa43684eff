"""The demo's web step: accounts to log in to `caselink serve` on the demo store.

``demo_step(store)`` creates one account per role with a fresh random password (kept nowhere
but in the text it returns) and says how to open the UI.
"""

from __future__ import annotations

import secrets

from caselink.accounts import Scope, add_user
from caselink.accounts.users import list_users
from caselink.store.store import Store

DEMO_ACCOUNTS = {"demo-analyst": "analyst", "demo-supervisor": "supervisor", "demo-admin": "admin"}


def demo_accounts(store: Store) -> dict[str, str]:
    """Create the demo accounts that do not exist yet; returns {name: password} for those made."""
    have = {u.user_name for u in list_users(store)}
    made: dict[str, str] = {}
    for name, role in DEMO_ACCOUNTS.items():
        if name not in have:
            password = secrets.token_urlsafe(12)
            add_user(store, name, role, password, Scope())
            made[name] = password
    return made


def demo_step(store: Store) -> str:
    made = demo_accounts(store)
    lines = [f"  {name:<16} {DEMO_ACCOUNTS[name]:<11} password {pw}" for name, pw in made.items()]
    return ("Web UI accounts (passwords are shown only now):\n" + "\n".join(lines or ["  (already created)"])
            + f"\nServe it: caselink serve --db {store.path}  then open http://127.0.0.1:8000/ "
            "(log in, set a purpose, open an alert, its case, similar cases and the series map).")
