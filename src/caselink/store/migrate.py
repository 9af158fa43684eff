"""Versioned schema: numbered SQL files in ``migrations/``, each applied once in a transaction.

Later stages add tables with a new file ``NNNN_name.sql``; a store records which it has applied in
``schema_migrations``. Migrations are applied by set difference: every shipped file whose version
the store has not recorded runs, in version order, whatever the highest applied version is (so a
branch that lands 0041 after a store already has 0047 still gets it). Numbers need not be
contiguous (0003 never existed); what is an error is a *gap in the other direction*: a version the
store records but this caselink does not ship (the store was migrated by a newer or different
build), or a recorded version whose name differs from the shipped file's (two builds disagree
about what that version is). Both refuse to open the store rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import duckdb

from caselink.errors import StoreError

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """Every migration shipped in the package, in version order."""
    found: list[Migration] = []
    for entry in resources.files("caselink.store").joinpath("migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise StoreError(f"two migrations share a version number: {versions}")
    return found


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )


def applied_migrations(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """``version -> name`` of every migration the store records as applied."""
    _ensure_table(con)
    rows = con.execute("SELECT version, name FROM schema_migrations").fetchall()
    return {int(v): str(n) for v, n in rows}


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied version (0 for a new store)."""
    return max(applied_migrations(con), default=0)


#: Python steps that complete a migration, in its transaction (``version -> "module:function"``,
#: called as ``function(con)``).
AFTER: dict[int, str] = {20: "caselink.intel.chain:anchor_existing"}


def _after(con: duckdb.DuckDBPyConnection, version: int) -> None:
    if version in AFTER:
        import importlib

        module, _, name = AFTER[version].partition(":")
        getattr(importlib.import_module(module), name)(con)


def pending_migrations(applied: dict[int, str], shipped: Sequence[Migration]) -> list[Migration]:
    """The shipped migrations not yet applied, in version order; raise on an inconsistent store."""
    by_version = {mig.version: mig for mig in shipped}
    unknown = sorted(set(applied) - set(by_version))
    if unknown:
        names = ", ".join(f"{v:04d}_{applied[v]}" for v in unknown)
        raise StoreError(
            f"this store has schema migrations this caselink does not ship ({names}); it was "
            "migrated by a newer or different build: upgrade caselink or open it with that build"
        )
    renamed = sorted(v for v in applied if by_version[v].name != applied[v])
    if renamed:
        names = ", ".join(f"{v:04d}: store {applied[v]!r}, shipped {by_version[v].name!r}" for v in renamed)
        raise StoreError(
            f"schema migrations disagree with this store's record ({names}); two builds used the "
            "same number for different changes: open the store with the build that made it"
        )
    return [mig for mig in sorted(shipped, key=lambda m: m.version) if mig.version not in applied]


def migrate(con: duckdb.DuckDBPyConnection, shipped: Sequence[Migration] | None = None) -> list[int]:
    """Apply every shipped migration the store has not applied; return the versions applied."""
    todo = pending_migrations(applied_migrations(con),
                              available_migrations() if shipped is None else shipped)
    applied: list[int] = []
    for mig in todo:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(mig.sql)
            _after(con, mig.version)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [mig.version, mig.name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(mig.version)
    return applied
