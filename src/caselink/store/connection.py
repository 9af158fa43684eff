"""Opening the store: an embedded DuckDB file, migrated to the current schema on open."""

from __future__ import annotations

import getpass
import os
import re
from pathlib import Path

import duckdb

from caselink.errors import StoreError
from caselink.store.migrate import migrate

DEFAULT_DB = "caselink.duckdb"


def resolve_db_path(path: str | os.PathLike[str] | None) -> Path:
    """``--db`` if given, else ``CASELINK_DB``, else ``./caselink.duckdb``."""
    if path is not None and str(path) != "":
        return Path(path)
    env = os.environ.get("CASELINK_DB")
    return Path(env) if env else Path(DEFAULT_DB)


def resolve_user(user: str | None) -> str:
    """``--user`` if given, else ``CASELINK_USER``, else the operating-system user."""
    if user:
        return user
    env = os.environ.get("CASELINK_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def open_connection(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) and migrate the store at ``path``."""
    if read_only and not path.exists():
        raise StoreError(f"no store at {path} (run 'caselink ingest' or 'caselink demo' first)")
    if path.parent and not path.parent.exists():
        raise StoreError(f"folder {path.parent} does not exist")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise StoreError(f"store {path} is in use by another process (DuckDB allows one writer)") from None
        raise StoreError(f"cannot open store {path}: {msg.splitlines()[0]}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {path}: {str(exc).splitlines()[0]}") from None
    con.execute("SET enable_progress_bar = false")  # caselink draws its own bars, on stderr only
    limit = os.environ.get("CASELINK_MEMORY_LIMIT", "1GB")
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", limit):
        raise StoreError(f"CASELINK_MEMORY_LIMIT={limit!r} is not a size like 3GB or 512MB")
    con.execute(f"SET memory_limit = '{limit}'")
    if not read_only:
        migrate(con)
    return con
