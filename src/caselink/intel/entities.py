"""Entities a report mentions, normalised like case entities so linkage and alerts can match them.

Matching here is exact on a normalised value: lower case with runs of spaces collapsed; for
phones, digits only with the UK international prefix (+44, 0044) and the trunk 0 removed, so that
``+44 7700 900123``, ``0044 7700 900123`` and ``07700-900123`` are one number; for vehicles,
letters and digits only (``AB12 CDE`` = ``ab12cde``). Fuzzy matching of
names is entity resolution proper: ``caselink.entities``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from caselink.alerts import raise_alert

# The exact-match key (Python and the same in SQL, for values stored in case_entities as given)
# lives with the other entity normalisers.
from caselink.entities.normalise import SQL_MATCH_KEY as SQL_NORM
from caselink.entities.normalise import match_key as normalise


@dataclass(frozen=True, order=True)
class Mention:
    """A person, phone, vehicle, address, handle or e-mail a report mentions."""

    kind: str
    value: str
    role: str = "other"
    name: str | None = None
    dob: str | None = None

    @property
    def value_norm(self) -> str:
        return normalise(self.kind, self.value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "role": self.role, "value": self.value}
        if self.name:
            out["name"] = self.name
        if self.dob:
            out["dob"] = self.dob
        return out


@dataclass(frozen=True)
class EntityMatch:
    kind: str
    value: str
    case_ids: tuple[str, ...]


def store_mentions(con: duckdb.DuckDBPyConnection, report_id: str, mentions: Sequence[Mention]) -> None:
    for m in mentions:
        con.execute("INSERT INTO intel_entities VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [report_id, m.kind, m.role, m.value, m.value_norm, m.name, m.dob])


def match_batch(
    con: duckdb.DuckDBPyConnection, batch: Sequence[tuple[Sequence[Mention], Sequence[str]]],
) -> list[list[EntityMatch]]:
    """For each (mentions, own cases) item, the mentions whose normalised value appears in other
    cases' entities. One scan of ``case_entities`` serves the whole batch."""
    idx, kinds, norms = [], [], []
    for i, (mentions, _) in enumerate(batch):
        for m in set(mentions):
            if m.value_norm:
                idx.append(i)
                kinds.append(m.kind)
                norms.append(m.value_norm)
    out: list[list[EntityMatch]] = [[] for _ in batch]
    if not idx:
        return out
    norm = SQL_NORM.format(col="value", col_kind="kind")
    rows = con.execute(
        "WITH m AS (SELECT unnest(?) AS idx, unnest(?) AS kind, unnest(?) AS norm), "
        f"e AS (SELECT case_id, kind, {norm} AS norm FROM case_entities "
        "       WHERE kind IN (SELECT DISTINCT kind FROM m)) "
        "SELECT m.idx, m.kind, m.norm, list(DISTINCT e.case_id ORDER BY e.case_id) "
        "FROM m JOIN e ON e.kind = m.kind AND e.norm = m.norm GROUP BY ALL ORDER BY ALL",
        [idx, kinds, norms]).fetchall()
    for i, kind, value_norm, cases in rows:
        mentions, own = batch[i]
        others = tuple(c for c in cases if c not in set(own))
        if others:
            value = min(m.value for m in mentions if m.kind == kind and m.value_norm == value_norm)
            out[i].append(EntityMatch(kind, value, others))
    return out


def match_mentions(
    con: duckdb.DuckDBPyConnection, mentions: Sequence[Mention], exclude_cases: Sequence[str],
) -> list[EntityMatch]:
    """Mentions whose normalised value appears in other cases' entities (not the report's own cases)."""
    return match_batch(con, [(mentions, exclude_cases)])[0]


def raise_entity_alerts(
    con: duckdb.DuckDBPyConnection, report_id: str, own_cases: Sequence[str], matches: Sequence[EntityMatch],
    *, now: datetime | None = None,
) -> list[int]:
    """One alert per matched mention: the report names something already seen in other cases."""
    ids: list[int] = []
    for match in matches:
        shown = ", ".join(match.case_ids[:5]) + ("..." if len(match.case_ids) > 5 else "")
        alert_id = raise_alert(
            con, kind="intel", case_id=own_cases[0] if own_cases else None,
            related_ids=[*match.case_ids, report_id], score=1.0,
            title=f"Intel {report_id} mentions {match.kind} {match.value!r}, also in case(s) {shown}",
            detail={"report_id": report_id, "kind": match.kind, "value": match.value,
                    "value_norm": normalise(match.kind, match.value), "cases": list(match.case_ids),
                    "report_cases": list(own_cases), "match": "exact on normalised value"},
            dedupe_key=f"intel-entity:{report_id}:{match.kind}:{normalise(match.kind, match.value)}",
            created_at=now,
        )
        if alert_id is not None:
            ids.append(alert_id)
    return ids
