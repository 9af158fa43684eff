"""Audited reads of resolved entities: list, one entity with its mentions, search by name or phone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from caselink import audit
from caselink.entities import normalise as N
from caselink.errors import CaselinkError
from caselink.store.store import require_purpose

if TYPE_CHECKING:
    from caselink.store.store import Store


class EntityNotFound(CaselinkError):
    """No resolved entity has the id asked for."""

    code = "entity_not_found"


_LIST = ("SELECT entity_id, kind, display, n_mentions, n_sources FROM resolved_entities {where} "
         "ORDER BY n_sources DESC, n_mentions DESC, entity_id LIMIT ?")


def _cases(store: Store, entity_ids: list[str]) -> dict[str, list[str]]:
    rows = store.con.execute(
        "SELECT entity_id, list(DISTINCT source_id ORDER BY source_id) FROM entity_mentions "
        "WHERE source = 'case' AND list_contains(?, entity_id) GROUP BY entity_id", [entity_ids]).fetchall()
    return {e: list(c) for e, c in rows}


def _read(store: Store, sql: str, params: list[Any], *, purpose: str | None, command: str,
          detail: dict[str, Any]) -> list[dict[str, Any]]:
    why = require_purpose(purpose, "reading entities")
    rows = store.con.execute(sql, params).fetchall()
    cases = _cases(store, [r[0] for r in rows])
    out = [{"entity_id": r[0], "kind": r[1], "display": r[2], "mentions": r[3], "sources": r[4],
            "cases": cases.get(r[0], [])} for r in rows]
    with store.transaction() as con:
        audit.append(con, user=store.user, action="consultation", command=command,
                     case_ids=sorted({c for o in out for c in o["cases"]}), purpose=why, detail=detail)
    return out


def list_entities(store: Store, *, kind: str | None = None, min_sources: int = 2, limit: int = 50,
                  purpose: str | None, command: str = "entities list") -> list[dict[str, Any]]:
    """Entities seen in at least ``min_sources`` cases/reports (most widely seen first)."""
    where: str = "WHERE n_sources >= ?"
    params: list[Any] = [min_sources]
    if kind:
        where, params = where + " AND kind = ?", [*params, kind]
    return _read(store, _LIST.format(where=where), [*params, limit], purpose=purpose, command=command,
                 detail={"kind": kind, "min_sources": min_sources})


def search_entities(store: Store, text: str, *, limit: int = 20, purpose: str | None,
                    command: str = "entities search") -> list[dict[str, Any]]:
    """Entities whose normalised form matches a name (Jaro-Winkler >= 0.9 on the full name) or
    equals a normalised phone, plate, e-mail or handle."""
    keys = {N.normalise_phone(text), N.normalise_vehicle(text), N.normalise_email(text), N.normalise_handle(text)}
    name = N.normalise_name(text)
    where = ("WHERE display IN (SELECT unnest(?)) OR (kind = 'person' AND jaro_winkler_similarity(display, ?) >= 0.9)")
    return _read(store, _LIST.format(where=where), [[k for k in keys if k], name.full if name else "", limit],
                 purpose=purpose, command=command, detail={"search": text})


def get_entity(store: Store, entity_id: str, *, purpose: str | None, command: str = "entities show") -> dict[str, Any]:
    """One entity with every mention (source, role, as written, weight of the link that joined it)."""
    found = _read(store, _LIST.format(where="WHERE entity_id = ?"), [entity_id, 1], purpose=purpose,
                  command=command, detail={"entity_id": entity_id})
    if not found:
        raise EntityNotFound(f"no entity {entity_id!r}; see 'caselink entities list' or 'search'")
    rows = store.con.execute(
        "SELECT mention_id, source, source_id, role, value, dob, match_weight, matched_to FROM entity_mentions "
        "WHERE entity_id = ? ORDER BY source, source_id", [entity_id]).fetchall()
    keys = ("mention_id", "source", "source_id", "role", "value", "dob", "match_weight", "matched_to")
    return {**found[0], "mention_list": [dict(zip(keys, r, strict=True)) for r in rows]}
