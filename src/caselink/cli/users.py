"""Accounts for the web UI and API: add, list, disable, reset a password, issue an API token."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from caselink.cli.common import emit, json_option, open_store, store_options

ROLE_CHOICES = ["analyst", "reviewer", "supervisor", "admin"]


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


@click.group()
def users() -> None:
    """Accounts for `caselink serve`: roles analyst, reviewer, supervisor, admin; optional scopes."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLE_CHOICES), required=True)
@click.option("--scope", "scopes", multiple=True, metavar="KEY=VALUE",
              help="Limit the cases this user sees, e.g. agency=MPS (repeatable; none = all cases).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@store_options
@json_option
def add(name: str, role: str, scopes: tuple[str, ...], password_stdin: bool, db: Path | None,
        user: str | None, as_json: bool) -> None:
    """Create an account (password hashed with argon2id; at least 12 characters)."""
    from caselink.accounts import Scope, add_user

    scope = Scope.parse(scopes)
    password = _read_password(password_stdin)
    with open_store(db, user) as store:
        created = add_user(store, name, role, password, scope)
        warning = _scope_warning(store, scope)
    emit(created.to_dict(), as_json, lambda d: click.echo(
        f"user {d['user_name']} added as {d['role']} (sees {', '.join(d['scope']) or 'all cases'})"))
    if warning:
        click.echo(f"warning: {warning}", err=True)


def _scope_warning(store: Any, scope: Any) -> str | None:
    """A warning when a scope matches none of the store's cases (counts only; no case detail read)."""
    if scope.unrestricted:
        return None
    where, params = scope.sql()
    total, matched = store.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE {where}) FROM cases", params).fetchone()
    if not total or matched:
        return None
    hints = []
    for key in sorted(scope.allowed):
        values = [r[0] for r in store.con.execute(
            f"SELECT {key}, count(*) FROM cases WHERE {key} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 5").fetchall()]
        hints.append(f"{key} values in this store include {', '.join(repr(v) for v in values)}" if values
                     else f"no case in this store has a {key}")
    return (f"the scope {scope.describe()} matches none of the {total:,} cases in this store, so this user "
            f"will see nothing ({'; '.join(hints)})")


@users.command("list")
@store_options
@json_option
def list_(db: Path | None, user: str | None, as_json: bool) -> None:
    """Every account with its role, scope and state."""
    from caselink.accounts import list_users

    with open_store(db, user) as store:
        rows = [u.to_dict() for u in list_users(store)]

    def human(items: list[dict[str, Any]]) -> None:
        for u in items:
            state = "disabled" if u["disabled"] else f"locked until {u['locked_until']}" if u["locked_until"] else "active"
            click.echo(f"{u['user_name']:<20} {u['role']:<11} {state:<10} {', '.join(u['scope']) or 'all cases'}")

    emit(rows, as_json, human)


@users.command("disable")
@click.argument("name")
@store_options
@json_option
def disable(name: str, db: Path | None, user: str | None, as_json: bool) -> None:
    """Disable an account; its sessions and tokens end at once."""
    from caselink.accounts import disable_user

    with open_store(db, user) as store:
        done = disable_user(store, name)
    emit(done.to_dict(), as_json, lambda d: click.echo(f"user {d['user_name']} disabled"))


@users.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@store_options
def password(name: str, password_stdin: bool, db: Path | None, user: str | None) -> None:
    """Set a new password (also clears a lockout)."""
    from caselink.accounts import set_password

    new = _read_password(password_stdin)
    with open_store(db, user) as store:
        set_password(store, name, new)
    click.echo(f"password of {name} changed")


@users.command("token")
@click.argument("name")
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True, help="How long it is valid.")
@click.option("--label", default="cli", show_default=True, help="What the token is for.")
@store_options
@json_option
def token(name: str, days: int, label: str, db: Path | None, user: str | None, as_json: bool) -> None:
    """Issue an API bearer token for NAME (printed once; only its hash is kept)."""
    from caselink.accounts import Accounts, get_user
    from caselink.accounts.errors import Unauthenticated

    with open_store(db, user) as store:
        account = get_user(store, name)
        if account.disabled:
            raise Unauthenticated(f"user {name!r} is disabled")
        raw = Accounts(store).issue_token(account, label, expires_in=timedelta(days=days))
    emit({"user_name": name, "token": raw, "days": days}, as_json, lambda d: click.echo(d["token"]))


COMMANDS = [users]
