"""Writing validated cases: staging views over the spooled blocks, then one set-based merge into the store.

The merge runs inside the caller's transaction: new cases are inserted, changed ones get a
new version (the old one stays in ``case_versions``), identical ones are left alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from caselink.schema.fields import FIELDS, LIST_FIELDS

CASE_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind != "entities")
STAGING = "_staging_cases"
STAGING_ENTITIES = "_staging_entities"

_SQL_TYPES = {"id": "VARCHAR", "enum": "VARCHAR", "datetime": "VARCHAR", "float": "DOUBLE",
              "int": "INTEGER", "text": "VARCHAR", "tag": "VARCHAR", "list": "VARCHAR[]"}

_STAGED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    STAGING: tuple((f.name, _SQL_TYPES[f.kind]) for f in FIELDS if f.kind != "entities")
    + (("content_hash", "VARCHAR"), ("record", "VARCHAR"), ("source", "VARCHAR"), ("line", "INTEGER")),
    STAGING_ENTITIES: tuple((n, "VARCHAR") for n in ("case_id", "kind", "role", "value", "name", "dob", "source"))
    + (("line", "INTEGER"),),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def stage_files(con: duckdb.DuckDBPyConnection, case_files: list[str], entity_files: list[str],
                drop_lines: list[tuple[str, int]], drop_ids: list[str]) -> None:
    """Staging views over the blocks' Parquet files, leaving out repeated copies (by source and
    line) and conflicting case ids. The merge reads the files directly: nothing is copied twice."""
    con.execute("CREATE OR REPLACE TEMP TABLE _staging_drop (source VARCHAR, line INTEGER)")
    con.execute("CREATE OR REPLACE TEMP TABLE _staging_drop_ids (case_id VARCHAR)")
    if drop_lines:
        table = pa.table({"source": [s for s, _ in drop_lines], "line": pa.array([n for _, n in drop_lines], pa.int32())})
        con.register("_drop", table)
        con.execute("INSERT INTO _staging_drop SELECT * FROM _drop")
        con.unregister("_drop")
    if drop_ids:
        con.execute("INSERT INTO _staging_drop_ids SELECT unnest(?)", [drop_ids])
    for view, files in ((STAGING, case_files), (STAGING_ENTITIES, entity_files)):
        columns = _STAGED_COLUMNS[view]
        if files:
            source = f"read_parquet([{', '.join(_quote(f) for f in files)}])"
        else:
            source = "(SELECT " + ", ".join(f"NULL::{t} AS {n}" for n, t in columns) + " WHERE false)"
        con.execute(f"""
            CREATE OR REPLACE TEMP VIEW {view} AS
            SELECT {', '.join(f's.{n}' for n, _ in columns)} FROM {source} s
            WHERE NOT EXISTS (SELECT 1 FROM _staging_drop d WHERE d.source = s.source AND d.line = s.line)
              AND NOT EXISTS (SELECT 1 FROM _staging_drop_ids i WHERE i.case_id = s.case_id)
        """)


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    for view in (STAGING, STAGING_ENTITIES):
        con.execute(f"DROP VIEW IF EXISTS {view}")
    for table in ("_staging_drop", "_staging_drop_ids"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


@dataclass(frozen=True)
class MergeResult:
    new_ids: list[str]
    changed_ids: list[str]
    unchanged: int
    seconds: dict[str, float] = field(default_factory=dict)


def _t_expr(col: str, end: bool) -> str:
    if end:
        return (f"CASE WHEN length({col}) = 10 THEN {col}::DATE::TIMESTAMP + INTERVAL 1 DAY - INTERVAL 1 SECOND "
                f"ELSE {col}::TIMESTAMP END")
    return f"{col}::TIMESTAMP"


def merge_staging(con: duckdb.DuckDBPyConnection, batch_id: str) -> MergeResult:
    """Merge staged records into the store (inside the caller's transaction)."""
    seconds: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(key: str) -> None:
        now = time.perf_counter()
        seconds[key] = round(seconds.get(key, 0.0) + now - clock[0], 3)
        clock[0] = now

    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _classified AS
        SELECT s.case_id, c.version AS old_version,
               CASE WHEN c.case_id IS NULL THEN 'new'
                    WHEN c.content_hash = s.content_hash THEN 'same' ELSE 'changed' END AS kind
        FROM {STAGING} s LEFT JOIN cases c USING (case_id)
    """)
    lap("classify")
    new_ids = [r[0] for r in con.execute("SELECT case_id FROM _classified WHERE kind = 'new' ORDER BY case_id").fetchall()]
    changed_ids = [r[0] for r in con.execute("SELECT case_id FROM _classified WHERE kind = 'changed' ORDER BY case_id").fetchall()]
    unchanged = int(con.execute("SELECT count(*) FROM _classified WHERE kind = 'same'").fetchall()[0][0])
    lap("ids")
    if changed_ids:
        con.execute("""
            UPDATE case_versions SET valid_to = now()::TIMESTAMP
            WHERE valid_to IS NULL AND case_id IN (SELECT case_id FROM _classified WHERE kind = 'changed')
        """)
        for table in ("cases", "case_facts", "case_entities"):
            con.execute(f"DELETE FROM {table} WHERE case_id IN (SELECT case_id FROM _classified WHERE kind = 'changed')")
        lap("retire_changed")
    if new_ids or changed_ids:
        if changed_ids or unchanged:
            join, keep, old = "JOIN _classified k USING (case_id)", "k.kind <> 'same'", "k.old_version"
        else:  # every staged case is new: no classification join needed
            join, keep, old = "", "TRUE", "NULL::INTEGER"
        _insert_versions(con, batch_id, join, keep, old, lap)
    con.execute("DROP TABLE IF EXISTS _classified")
    return MergeResult(new_ids, changed_ids, unchanged, seconds)


def _insert_versions(con: duckdb.DuckDBPyConnection, batch_id: str, join: str, keep: str, old: str,
                     lap: Callable[[str], None]) -> None:
    """Insert the new and changed staged cases (``keep`` selects them) as their next version."""
    cols = ", ".join(CASE_COLUMNS)
    scols = ", ".join(f"s.{c}" for c in CASE_COLUMNS)
    t_to = (f"CASE WHEN s.occurred_to IS NULL THEN {_t_expr('s.occurred_from', True)} "
            f"ELSE {_t_expr('s.occurred_to', True)} END")
    con.execute(f"""
        INSERT INTO cases ({cols}, version, content_hash, t_from, t_to, t_found, record, ingested_at, batch_id)
        SELECT {scols}, coalesce({old}, 0) + 1, s.content_hash,
               {_t_expr('s.occurred_from', False)}, {t_to}, {_t_expr('s.found_at', False)},
               s.record, now()::TIMESTAMP, ?
        FROM {STAGING} s {join} WHERE {keep}
    """, [batch_id])
    lap("cases")
    con.execute(f"""
        INSERT INTO case_versions
        SELECT s.case_id, coalesce({old}, 0) + 1, s.content_hash, s.record, now()::TIMESTAMP, NULL, ?,
               s.source || ':' || s.line
        FROM {STAGING} s {join} WHERE {keep}
    """, [batch_id])
    lap("case_versions")
    facts = " UNION ALL ".join(
        f"SELECT s.case_id, '{f}', unnest(s.{f}) FROM {STAGING} s {join} WHERE {keep} AND s.{f} IS NOT NULL"
        for f in LIST_FIELDS)
    con.execute(f"INSERT INTO case_facts {facts}")
    lap("case_facts")
    con.execute(f"""
        INSERT INTO case_entities
        SELECT s.case_id, s.kind, s.role, s.value, s.name, s.dob
        FROM {STAGING_ENTITIES} s {join} WHERE {keep}
    """)
    lap("case_entities")
