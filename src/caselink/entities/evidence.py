"""Resolved entities as linkage evidence: what two cases share, and how to say it.

``linkage_frame(con)`` has the shape ``CaseTable.with_entities`` takes (case_id, kind, value), with
``value`` the resolved entity id, so "Steve Port" in one case and "PORT, Stephen" in another count
as one shared person, while two different John Smiths (no identifier in common) do not. Before any
resolution has run it falls back to the raw ``case_entities`` values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


def _resolved(con: duckdb.DuckDBPyConnection) -> bool:
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'entity_mentions'").fetchall()
    return bool(has[0][0]) and bool(con.execute("SELECT count(*) FROM entity_mentions").fetchall()[0][0])


def linkage_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """(case_id, kind, role, value) per case mention; value names the resolved entity (people:
    ``stephen portman #3f2a91``, the name plus the start of the entity id, so two different John
    Smiths stay apart; others: the normalised value). Mentions with nothing usable stay unshared."""
    if not _resolved(con):
        return con.execute("SELECT case_id, kind, value, role FROM case_entities").df()
    return con.execute("""
        SELECT m.source_id AS case_id, m.kind, m.role,
               CASE WHEN m.entity_id IS NULL THEN 'unresolved #' || m.mention_id
                    WHEN m.kind = 'person' THEN r.display || ' #' || substr(m.entity_id, 8, 6)
                    ELSE r.display END AS value
        FROM entity_mentions m LEFT JOIN resolved_entities r USING (entity_id) WHERE m.source = 'case'
    """).df()


#: each shared entity of two cases a, b (a case's mentions joined on the entity), for ``pairs``
_SHARED = """
    SELECT a.source_id, b.source_id, a.kind, r.display, a.role, b.role, least(a.match_weight, b.match_weight),
           greatest(a.match_weight, b.match_weight)
    FROM entity_mentions a JOIN entity_mentions b ON a.entity_id = b.entity_id
         JOIN resolved_entities r ON r.entity_id = a.entity_id
    WHERE a.source = 'case' AND b.source = 'case' AND {pairs}
    ORDER BY a.source_id, b.source_id, a.kind, r.display"""


def explain_shared(con: duckdb.DuckDBPyConnection, case_a: str, case_b: str) -> list[str]:
    """Plain phrases for the entities two cases share, e.g.
    ``same person: reporter in A, associate in B, match weight +9.2``."""
    if not _resolved(con):
        return []
    rows = con.execute(_SHARED.format(pairs="a.source_id = ? AND b.source_id = ?"), [case_a, case_b]).fetchall()
    return [_phrase(*r) for r in rows]


def _phrase(case_a: str, case_b: str, kind: str, display: str, role_a: str, role_b: str, low: float | None,
            high: float | None) -> str:
    weight = low if low is not None else high
    how = f"match weight {weight:+.1f}" if weight is not None else "same normalised value"
    return f"same {kind} ({display}): {role_a} in {case_a}, {role_b} in {case_b}, {how}"


def explain_shared_among(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> dict[tuple[str, str], list[str]]:
    """``explain_shared`` for every pair (a < b) of these cases that shares something, in one query."""
    if not _resolved(con) or len(case_ids) < 2:
        return {}
    rows = con.execute(_SHARED.format(pairs="a.source_id < b.source_id AND list_contains(?, a.source_id) "
                                            "AND list_contains(?, b.source_id)"), [case_ids, case_ids]).fetchall()
    out: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        out.setdefault((row[0], row[1]), []).append(_phrase(*row))
    return out
