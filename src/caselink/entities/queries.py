"""Audited reads of resolved entities: list, one entity with its mentions, search by name or phone,
and the entities one case mentions.

Every read takes a ``Visible``: which cases (and so which intel reports) the reader may see. The
command line sees everything; the API passes the user's scope, and then mentions in cases or
reports outside it are left out of every figure, so an entity seen only there looks like one that
does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from caselink import audit
from caselink.entities import normalise as N
from caselink.entities.nicknames import FORMAL, formal_names
from caselink.errors import NotFound
from caselink.store.store import require_purpose

if TYPE_CHECKING:
    from caselink.store.store import Store


class EntityNotFound(NotFound):
    """No resolved entity has the id asked for (or none of its mentions is visible)."""

    code = "entity_not_found"


@dataclass(frozen=True)
class Visible:
    """Cases matching ``sql`` (a WHERE fragment over ``cases``, e.g. from ``Scope.sql()``), the intel
    reports linked to one of them, and reports linked to no case when ``all_cases``."""

    sql: str = "TRUE"
    params: tuple[Any, ...] = ()
    all_cases: bool = True

    def cte(self) -> tuple[str, list[Any]]:
        """``WITH v AS (visible mentions), e AS (entities over them)`` and its parameters."""
        from caselink.entities.stored import entity_rows

        if self.all_cases and self.sql == "TRUE":
            return "WITH v AS (SELECT * FROM entity_mentions), e AS (SELECT * FROM resolved_entities) ", []
        sql = f"""WITH vc AS (SELECT case_id FROM cases WHERE {self.sql}),
            v AS (SELECT * FROM entity_mentions m WHERE
                  (m.source = 'case' AND m.source_id IN (SELECT case_id FROM vc))
                  OR (m.source = 'intel' AND (
                      m.source_id IN (SELECT report_id FROM intel_report_cases WHERE case_id IN (SELECT case_id FROM vc))
                      OR (? AND m.source_id NOT IN (SELECT report_id FROM intel_report_cases))))),
            e AS ({entity_rows("v")}) """
        return sql, [*self.params, self.all_cases]


ALL = Visible()
_LIST = ("SELECT entity_id, kind, display, n_mentions, n_sources FROM e {where} "
         "ORDER BY n_sources DESC, n_mentions DESC, entity_id LIMIT ?")


def _sources(store: Store, entity_ids: list[str], visible: Visible) -> dict[str, dict[str, list[str]]]:
    """Visible case ids and intel report ids per entity."""
    cte, params = visible.cte()
    rows = store.con.execute(
        cte + "SELECT entity_id, source, list(DISTINCT source_id ORDER BY source_id) FROM v "
        "WHERE list_contains(?, entity_id) GROUP BY entity_id, source", [*params, entity_ids]).fetchall()
    out: dict[str, dict[str, list[str]]] = {}
    for entity, source, ids in rows:
        out.setdefault(entity, {})["cases" if source == "case" else "reports"] = list(ids)
    return out


def _read(store: Store, sql: str, params: list[Any], *, visible: Visible, purpose: str | None, command: str,
          detail: dict[str, Any]) -> list[dict[str, Any]]:
    why = require_purpose(purpose, "reading entities")
    cte, cte_params = visible.cte()
    rows = store.con.execute(cte + sql, [*cte_params, *params]).fetchall()
    found = _sources(store, [r[0] for r in rows], visible)
    same = name_only_matches(store, [r[0] for r in rows if r[1] == "person"], visible)
    out = [{"entity_id": r[0], "kind": r[1], "display": r[2], "mentions": r[3], "sources": r[4],
            "cases": found.get(r[0], {}).get("cases", []), "reports": found.get(r[0], {}).get("reports", []),
            "possible_same": same.get(r[0], [])}
           for r in rows]
    reports = sorted({r for o in out for r in [*o["reports"], *_ids(o["possible_same"], "reports")]})
    with store.transaction() as con:
        audit.append(con, user=store.user, action="consultation", command=command,
                     case_ids=sorted({c for o in out for c in [*o["cases"], *_ids(o["possible_same"], "cases")]}),
                     purpose=why,
                     detail={**detail, **({"reports": reports[:1000]} if reports else {})})
    return out


#: the label shown wherever two person entities share only a name
NAME_ONLY = "possible same person (name only, unconfirmed)"
#: at most this many name-only matches are listed per entity
MAX_NAME_ONLY = 10
_NAME_ONLY_SQL = """, names AS (
        SELECT entity_id, source, source_id, first || ' ' || last AS full_name, dob_norm FROM v
        WHERE kind = 'person' AND length(first) > 1 AND last IS NOT NULL AND entity_id IS NOT NULL),
    dobs AS (SELECT entity_id, count(dob_norm) AS n_dob FROM names GROUP BY entity_id)
    SELECT a.entity_id, b.entity_id, any_value(b.full_name),
           list(DISTINCT b.source_id ORDER BY b.source_id) FILTER (WHERE b.source = 'case'),
           list(DISTINCT b.source_id ORDER BY b.source_id) FILTER (WHERE b.source = 'intel')
    FROM names a JOIN names b ON a.full_name = b.full_name AND a.entity_id <> b.entity_id
         JOIN dobs da ON da.entity_id = a.entity_id JOIN dobs db ON db.entity_id = b.entity_id
    WHERE list_contains(?, a.entity_id) AND (da.n_dob = 0 OR db.n_dob = 0)
    GROUP BY a.entity_id, b.entity_id ORDER BY a.entity_id, b.entity_id"""


def name_only_matches(store: Store, entity_ids: list[str], visible: Visible = ALL) -> dict[str, list[dict[str, Any]]]:
    """Per person entity: the other visible person entities written with the same normalised name
    (a full first name, not an initial) where one of the two has no date of birth at all, so nothing
    confirms or rules out that they are one person. They are never merged nor scored in linkage;
    readers show them as ``NAME_ONLY``. Callers audit what they show."""
    if not entity_ids:
        return {}
    cte, params = visible.cte()
    rows = store.con.execute(cte + _NAME_ONLY_SQL, [*params, entity_ids]).fetchall()
    out: dict[str, list[dict[str, Any]]] = {}
    for mine, other, name, cases, reports in rows:
        items = out.setdefault(mine, [])
        if len(items) < MAX_NAME_ONLY:
            items.append({"entity_id": other, "name": name, "cases": list(cases or []),
                          "reports": list(reports or []), "label": NAME_ONLY})
    return out


def _ids(matches: list[dict[str, Any]], key: str) -> list[str]:
    return [i for m in matches for i in m[key]]


def list_entities(store: Store, *, kind: str | None = None, min_sources: int = 2, limit: int = 50,
                  purpose: str | None, command: str = "entities list", visible: Visible = ALL) -> list[dict[str, Any]]:
    """Entities seen in at least ``min_sources`` cases/reports (most widely seen first)."""
    where: str = "WHERE n_sources >= ?"
    params: list[Any] = [min_sources]
    if kind:
        where, params = where + " AND kind = ?", [*params, kind]
    return _read(store, _LIST.format(where=where), [*params, limit], visible=visible, purpose=purpose,
                 command=command, detail={"kind": kind, "min_sources": min_sources})


def search_entities(store: Store, text: str, *, limit: int = 20, purpose: str | None, kind: str | None = None,
                    command: str = "entities search", visible: Visible = ALL) -> list[dict[str, Any]]:
    """Entities matching ``text``, best first (``SEARCH_SQL``): the exact text of any mention or an
    equal normalised phone, plate, e-mail or handle; else every word of ``text`` matching a word of
    the entity's name as written in any mention (the same word or a nickname of it, a prefix of
    two letters or more, or a typo of a word of four or more: one edit, or Jaro-Winkler >= 0.9).
    So a surname alone, a first name alone, "port" and "marsdne" all find Jonathan Marsden."""
    keys = [k for k in {N.normalise_phone(text), N.normalise_vehicle(text), N.normalise_email(text),
                        N.normalise_handle(text)} if k]
    words = search_words(text)
    alternatives = [sorted(same_first_names(w)) for w in words]
    params = [words, alternatives, " ".join(text.split()).casefold(), keys, len(words) or -1, kind, kind, limit]
    return _read(store, SEARCH_SQL, params, visible=visible, purpose=purpose, command=command,
                 detail={"search": text, "kind": kind})


def same_first_names(word: str) -> set[str]:
    """``word`` and every name that may stand for the same formal name (stephen: steve, steven...)."""
    formal = set(formal_names(word))
    return {word, *formal, *(n for n, f in FORMAL.items() if f & formal)}


def search_words(text: str) -> list[str]:
    """The words of a search, folded as names are (case, accents, confusable letters, apostrophes)."""
    import re

    folded = N.clean_text(text.casefold()).replace("'", "").replace("\u2019", "")
    return list(dict.fromkeys(w for w in re.split(r"[^\w]+", folded) if w))


#: after ``Visible.cte()``; parameters: words, their alternatives (nicknames), the text as typed,
#: normalised identifiers, the number of words, kind (twice), limit
SEARCH_SQL = """, q AS (SELECT unnest(?) AS tok, unnest(?::VARCHAR[][]) AS alts),
    words AS (SELECT DISTINCT entity_id, w FROM (
        SELECT entity_id, unnest(string_split(coalesce(first, '') || ' ' || coalesce(last, ''), ' ')) AS w
        FROM v WHERE kind = 'person'
        UNION ALL SELECT entity_id, unnest(string_split(lower(display), ' ')) FROM e) WHERE w <> ''),
    hits AS (SELECT entity_id, tok, max(CASE WHEN list_contains(alts, w) THEN 3
                    WHEN length(tok) >= 2 AND starts_with(w, tok) THEN 2
                    WHEN length(tok) >= 4 AND (damerau_levenshtein(w, tok) <= 1
                                               OR jaro_winkler_similarity(w, tok) >= 0.9) THEN 1
                    ELSE 0 END) AS s
             FROM words, q GROUP BY entity_id, tok),
    scored AS (SELECT entity_id, sum(s) AS s, count(*) FILTER (WHERE s > 0) AS n FROM hits GROUP BY entity_id),
    exact AS (SELECT DISTINCT entity_id FROM v WHERE lower(trim(value)) = ? OR norm IN (SELECT unnest(?)))
    SELECT e.entity_id, e.kind, e.display, e.n_mentions, e.n_sources,
           (CASE WHEN x.entity_id IS NOT NULL THEN 100 ELSE 0 END) + coalesce(t.s, 0) AS score
    FROM e LEFT JOIN scored t USING (entity_id) LEFT JOIN exact x USING (entity_id)
    WHERE (x.entity_id IS NOT NULL OR t.n = ?) AND (? IS NULL OR e.kind = ?)
    ORDER BY score DESC, e.n_sources DESC, e.n_mentions DESC, e.entity_id LIMIT ?"""


_MENTION_KEYS = ("mention_id", "source", "source_id", "role", "value", "dob", "match_weight", "matched_to")


def _number(value: Any) -> float | None:
    return None if value is None or value != value else float(value)  # NaN (never joined) -> None


def get_entity(store: Store, entity_id: str, *, purpose: str | None, command: str = "entities show",
               visible: Visible = ALL) -> dict[str, Any]:
    """One entity with every visible mention (source, role, as written, weight of the link that
    joined it; the weight and partner are left out when the partner mention is not visible)."""
    found = _read(store, _LIST.format(where="WHERE entity_id = ?"), [entity_id, 1], visible=visible,
                  purpose=purpose, command=command, detail={"entity_id": entity_id})
    if not found:
        raise EntityNotFound(f"no entity {entity_id!r}; see 'caselink entities list' or 'search'")
    cte, params = visible.cte()
    rows = store.con.execute(
        cte + "SELECT mention_id, source, source_id, role, value, dob, "
        "CASE WHEN matched_to IN (SELECT mention_id FROM v) THEN match_weight END, "
        "CASE WHEN matched_to IN (SELECT mention_id FROM v) THEN matched_to END "
        "FROM v WHERE entity_id = ? ORDER BY source, source_id, mention_id", [*params, entity_id]).fetchall()
    mentions = [dict(zip(_MENTION_KEYS, r, strict=True)) for r in rows]
    for m in mentions:
        m["match_weight"] = _number(m["match_weight"])
    return {**found[0], "mention_list": mentions}


def case_entities(store: Store, case_id: str, *, purpose: str | None, command: str = "entities of case",
                  visible: Visible = ALL, source: str = "case") -> list[dict[str, Any]]:
    """The resolved entities one case (or, with ``source="intel"``, one intel report) mentions, each
    with its role(s) there, how it was written, the other visible cases and reports that mention it
    and its name-only matches. Callers check the case or report is visible."""
    why = require_purpose(purpose, "reading a case's entities")
    cte, params = visible.cte()
    rows = store.con.execute(
        cte + "SELECT m.entity_id, e.kind, e.display, list(DISTINCT m.role ORDER BY m.role), "
        "list(DISTINCT m.value ORDER BY m.value) FROM v m JOIN e USING (entity_id) "
        "WHERE m.source = ? AND m.source_id = ? GROUP BY m.entity_id, e.kind, e.display "
        "ORDER BY e.kind, e.display, m.entity_id", [*params, source, case_id]).fetchall()
    found = _sources(store, [r[0] for r in rows], visible)
    same = name_only_matches(store, [r[0] for r in rows if r[1] == "person"], visible)
    out = [{"entity_id": e, "kind": k, "display": d, "roles": list(roles), "values": list(values),
            "other_cases": [c for c in found.get(e, {}).get("cases", []) if c != case_id],
            "reports": [r for r in found.get(e, {}).get("reports", []) if r != case_id],
            "possible_same": same.get(e, [])}
           for e, k, d, roles, values in rows]
    shown = {c for o in out for c in [*o["other_cases"], *_ids(o["possible_same"], "cases")]}
    with store.transaction() as con:
        audit.append(con, user=store.user, action="consultation", command=command,
                     case_ids=sorted({*([case_id] if source == "case" else []), *shown}), purpose=why,
                     detail={"entities_of": case_id, "entities": len(out)})
    return out
