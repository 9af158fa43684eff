"""Erasing a case removes its entity mentions; entity counts are recomputed and entities left
without mentions disappear."""

from __future__ import annotations

import duckdb

from caselink.store.store import on_erase


@on_erase
def _erase_mentions(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> None:
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'entity_mentions'").fetchall()[0][0]:
        return
    con.execute("DELETE FROM entity_mentions WHERE source = 'case' AND list_contains(?, source_id)", [case_ids])
    from caselink.entities.stored import refresh_entities

    refresh_entities(con)
