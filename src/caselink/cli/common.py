"""Options and helpers shared by every CLI command: store, user, purpose, JSON output, errors.

A command module in this package defines click commands and lists them in ``COMMANDS``;
``caselink.cli`` finds them, so adding a command never touches another module.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import orjson

if TYPE_CHECKING:  # the store (DuckDB, pyarrow) loads when a command opens it, not for --help
    from caselink.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    return click.option(
        "--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Store file (default: $CASELINK_DB or ./caselink.duckdb).",
    )(func)


def user_option(func: F) -> F:
    return click.option(
        "--user", "user", default=None, help="Who is acting, for the audit log (default: $CASELINK_USER or the OS user).",
    )(func)


def purpose_option(func: F) -> F:
    return click.option(
        "--purpose", "purpose", default=lambda: os.environ.get("CASELINK_PURPOSE"),
        help="Why you are reading case detail (e.g. an investigation reference); recorded in the audit log.",
    )(func)


def json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")(func)


def store_options(func: F) -> F:
    """--db and --user together: what every command that opens the store takes."""
    return db_option(user_option(func))


def open_store(db: Path | None, user: str | None, *, read_only: bool = False, complete_pending: bool = False) -> Store:
    """Open the store; a command that changes it passes ``complete_pending`` so that follow-up steps
    an earlier ingest left unfinished (``caselink.ingest.pending``) are done first."""
    from caselink.store import Store

    store = Store.open(db, user=user, read_only=read_only)
    if complete_pending and not read_only:
        from caselink.ingest.pending import complete

        try:
            complete(store)
        except BaseException:
            store.close()
            raise
    return store


def _default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot serialise {type(obj).__name__}")


def to_json(data: Any) -> str:
    return orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY).decode()


def emit(data: Any, as_json: bool, human: Callable[[Any], None] | None = None) -> None:
    """Print ``data`` as JSON (``--json``) or through the human renderer."""
    if as_json or human is None:
        click.echo(to_json(data))
    else:
        human(data)


def echo_err(message: str) -> None:
    click.echo(message, err=True)


def is_tty() -> bool:
    return sys.stdout.isatty()
