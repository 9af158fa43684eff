"""Versioned schema: numbered SQL files in ``migrations/`` applied in order, each in a transaction.

Later stages add tables with a new file ``NNNN_name.sql``; a store records which it has applied.
"""

from __future__ import annotations

import re
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


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()
    return int(row[0][0])


#: Python steps that complete a migration, in its transaction (``version -> "module:function"``,
#: called as ``function(con)``).
AFTER: dict[int, str] = {20: "caselink.intel.chain:anchor_existing"}


def _after(con: duckdb.DuckDBPyConnection, version: int) -> None:
    if version in AFTER:
        import importlib

        module, _, name = AFTER[version].partition(":")
        getattr(importlib.import_module(module), name)(con)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration newer than the store's version; return the versions applied."""
    have = current_version(con)
    migrations = available_migrations()
    newest = migrations[-1].version if migrations else 0
    if have > newest:
        raise StoreError(
            f"this store has schema version {have}, newer than this caselink knows ({newest}); upgrade caselink"
        )
    applied: list[int] = []
    for mig in migrations:
        if mig.version <= have:
            continue
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
