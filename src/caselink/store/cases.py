"""Writing validated cases: staging tables, then one set-based merge into the store.

The merge runs inside the caller's transaction: new cases are inserted, changed ones get a
new version (the old one stays in ``case_versions``), identical ones are left alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from caselink.schema.fields import FIELDS, LIST_FIELDS

CASE_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind != "entities")
STAGING = "_staging_cases"
STAGING_ENTITIES = "_staging_entities"

_SQL_TYPES = {"id": "VARCHAR", "enum": "VARCHAR", "datetime": "VARCHAR", "float": "DOUBLE",
              "int": "INTEGER", "text": "VARCHAR", "tag": "VARCHAR", "list": "VARCHAR[]"}


def create_staging(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{f.name} {_SQL_TYPES[f.kind]}" for f in FIELDS if f.kind != "entities")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGING} ({cols}, content_hash VARCHAR, record VARCHAR, "
                "source VARCHAR, line INTEGER)")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGING_ENTITIES} (case_id VARCHAR, kind VARCHAR, role VARCHAR, "
                "value VARCHAR, name VARCHAR, dob VARCHAR, source VARCHAR, line INTEGER)")


def drop_staged_lines(con: duckdb.DuckDBPyConnection, lines: list[tuple[str, int]], case_ids: list[str]) -> None:
    """Remove staged rows: repeated copies (by source and line) and conflicting case ids."""
    if lines:
        table = pa.table({"source": [s for s, _ in lines], "line": pa.array([n for _, n in lines], pa.int32())})
        con.register("_drop", table)
        for name in (STAGING, STAGING_ENTITIES):
            con.execute(f"DELETE FROM {name} t USING _drop d WHERE t.source = d.source AND t.line = d.line")
        con.unregister("_drop")
    if case_ids:
        for name in (STAGING, STAGING_ENTITIES):
            con.execute(f"DELETE FROM {name} WHERE list_contains(?, case_id)", [case_ids])


def insert_staged(con: duckdb.DuckDBPyConnection, cases: pa.Table | None, entities: pa.Table | None) -> None:
    for name, table in ((STAGING, cases), (STAGING_ENTITIES, entities)):
        if table is not None and table.num_rows:
            con.register("_block", table)
            con.execute(f"INSERT INTO {name} SELECT * FROM _block")
            con.unregister("_block")


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    con.execute(f"DROP TABLE IF EXISTS {STAGING_ENTITIES}")


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
        cols = ", ".join(CASE_COLUMNS)
        scols = ", ".join(f"s.{c}" for c in CASE_COLUMNS)
        t_to = (f"CASE WHEN s.occurred_to IS NULL THEN {_t_expr('s.occurred_from', True)} "
                f"ELSE {_t_expr('s.occurred_to', True)} END")
        con.execute(f"""
            INSERT INTO cases ({cols}, version, content_hash, t_from, t_to, t_found, record, ingested_at, batch_id)
            SELECT {scols}, coalesce(k.old_version, 0) + 1, s.content_hash,
                   {_t_expr('s.occurred_from', False)}, {t_to}, {_t_expr('s.found_at', False)},
                   s.record, now()::TIMESTAMP, ?
            FROM {STAGING} s JOIN _classified k USING (case_id) WHERE k.kind <> 'same'
        """, [batch_id])
        lap("cases")
        con.execute(f"""
            INSERT INTO case_versions
            SELECT s.case_id, coalesce(k.old_version, 0) + 1, s.content_hash, s.record, now()::TIMESTAMP, NULL, ?,
                   s.source || ':' || s.line
            FROM {STAGING} s JOIN _classified k USING (case_id) WHERE k.kind <> 'same'
        """, [batch_id])
        lap("case_versions")
        facts = " UNION ALL ".join(
            f"SELECT s.case_id, '{f}', unnest(s.{f}) FROM {STAGING} s JOIN _classified k USING (case_id) "
            f"WHERE k.kind <> 'same' AND s.{f} IS NOT NULL" for f in LIST_FIELDS)
        con.execute(f"INSERT INTO case_facts {facts}")
        lap("case_facts")
        con.execute(f"""
            INSERT INTO case_entities
            SELECT e.case_id, e.kind, e.role, e.value, e.name, e.dob
            FROM {STAGING_ENTITIES} e JOIN _classified k USING (case_id) WHERE k.kind <> 'same'
        """)
        lap("case_entities")
    con.execute("DROP TABLE IF EXISTS _classified")
    return MergeResult(new_ids, changed_ids, unchanged, seconds)
