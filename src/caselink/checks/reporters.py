"""The Barking pattern as a fact: the person who reported one case appears in a linked case.

A reporter (the 999 caller, the person who "found" the body) is matched to the other case's
people, phones, vehicles and handles through the resolved entities (``entity_mentions``, fuzzy
person matching from ``caselink entities``) and, for everything but people, also by exact
normalised value (so it works before entity resolution has run). Only pairs of cases with a
stored link (``links``) at or above ``min_probability`` count.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from caselink.checks.evaluate_types import ReporterLink
from caselink.entities.normalise import SQL_MATCH_KEY


def reporter_links(con: duckdb.DuckDBPyConnection, case_ids: Sequence[str] | None, min_probability: float
                   ) -> dict[str, list[ReporterLink]]:
    """Case id -> the reporter matches it takes part in, from both sides (the reporter's case and
    the linked case where the same entity appears)."""
    norm = SQL_MATCH_KEY.format(col="value", col_kind="kind")
    rows = con.execute(f"""
        WITH l AS (SELECT case_a AS me, case_b AS other, probability AS p FROM links WHERE probability >= ?
                   UNION ALL SELECT case_b, case_a, probability FROM links WHERE probability >= ?),
        m AS (SELECT DISTINCT source_id AS case_id, 'e:' || entity_id AS key, kind, role, value
              FROM entity_mentions WHERE source = 'case' AND entity_id IS NOT NULL
              UNION
              SELECT DISTINCT case_id, 'v:' || kind || ':' || {norm}, kind, role, value
              FROM case_entities WHERE kind <> 'person' AND {norm} <> '')
        SELECT r.case_id, o.case_id, max(l.p), cr.incident_type, co.incident_type, r.kind, min(r.value),
               min(o.role)
        FROM m r JOIN m o ON o.key = r.key AND o.case_id <> r.case_id
             JOIN l ON l.me = r.case_id AND l.other = o.case_id
             JOIN cases cr ON cr.case_id = r.case_id JOIN cases co ON co.case_id = o.case_id
        WHERE r.role = 'reporter'
        GROUP BY r.case_id, o.case_id, cr.incident_type, co.incident_type, r.kind
        ORDER BY ALL""", [min_probability, min_probability]).fetchall()
    wanted = None if case_ids is None else set(case_ids)
    out: dict[str, list[ReporterLink]] = {}
    for here, there, p, here_type, there_type, kind, value, there_role in rows:
        if wanted is None or here in wanted:
            out.setdefault(here, []).append(ReporterLink(there, float(p), there_type, kind, value, "reporter",
                                                         there_role))
        if wanted is None or there in wanted:
            out.setdefault(there, []).append(ReporterLink(here, float(p), here_type, kind, value, there_role,
                                                          "reporter"))
    return out
