"""Resolution against the store: read every mention, resolve, and keep the result (migration 0006).

``resolve_store`` re-resolves everything (and trains the person model); ``resolve_cases`` resolves
only the mentions of new or changed cases against what is stored, with the stored model (or, in
a store too small to have one, re-resolves everything by the rules of ``caselink.entities.rules``),
and raises an ``entity`` alert for every pair of cases newly sharing an entity, in the batch or not. Writes
happen in one transaction with their audit row (``combination``: linking records).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import orjson

from caselink import audit
from caselink.alerts import raise_alert
from caselink.entities.resolve import MENTION_COLUMNS, ResolveConfig, mention_id, resolve

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from caselink.store.store import Store

STORED_COLUMNS = (*MENTION_COLUMNS, "norm", "first", "last", "dob_norm", "phone", "vehicle", "entity_id",
                  "match_weight", "match_probability", "matched_to")


def read_mentions(con: duckdb.DuckDBPyConnection, case_ids: list[str] | None = None,
                  report_ids: list[str] | None = None) -> pd.DataFrame:
    """Mentions from ``case_entities`` and ``intel_entities`` (all of them, or only those of some
    cases and/or intel reports). Callers audit the read."""
    import pandas as pd

    everything = case_ids is None and report_ids is None
    rows: list[tuple[Any, ...]] = []
    if everything or case_ids is not None:
        where, params = ("", []) if everything else ("WHERE list_contains(?, case_id)", [case_ids])
        rows += [("case", *r) for r in con.execute(
            f"SELECT case_id, kind, role, value, name, dob FROM case_entities {where}", params).fetchall()]
    has_intel = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'intel_entities'").fetchall()
    if has_intel[0][0] and (everything or report_ids is not None):
        where, params = ("", []) if everything else ("WHERE list_contains(?, report_id)", [report_ids])
        rows += [("intel", *r) for r in con.execute(
            f"SELECT report_id, kind, role, value, name, dob FROM intel_entities {where}", params).fetchall()]
    data = [(mention_id(sid, k, r, v, n, d), src, sid, k, r, v, n, d) for src, sid, k, r, v, n, d in rows]
    frame = pd.DataFrame(data, columns=list(MENTION_COLUMNS))
    return frame.drop_duplicates("mention_id").reset_index(drop=True)


def latest_model(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    rows = con.execute("SELECT model FROM entity_models ORDER BY model_id DESC LIMIT 1").fetchall()
    return orjson.loads(rows[0][0]) if rows else None


def _write(con: duckdb.DuckDBPyConnection, mentions: pd.DataFrame) -> None:
    frame = mentions.loc[:, list(STORED_COLUMNS)]
    con.register("_new_mentions", frame)
    try:
        con.execute("INSERT INTO entity_mentions SELECT * FROM _new_mentions")
    finally:
        con.unregister("_new_mentions")


def entity_rows(mentions: str) -> str:
    """SQL for ``resolved_entities`` rows (without ``updated_at``) over a relation of mentions (a
    table or CTE name). Display: the most common normalised form, ties to the first in sort order
    (``mode`` broke ties arbitrarily, so two refreshes could disagree), else the first as written."""
    return f"""
        SELECT m.entity_id, any_value(m.kind) AS kind, coalesce(any_value(d.display), min(m.value)) AS display,
               count(*) AS n_mentions, count(DISTINCT m.source || ':' || m.source_id) AS n_sources
        FROM {mentions} m LEFT JOIN (
            SELECT entity_id, arg_min(norm, (-n, norm)) AS display FROM (
                SELECT entity_id, norm, count(*) AS n FROM {mentions}
                WHERE entity_id IS NOT NULL AND norm IS NOT NULL GROUP BY entity_id, norm)
            GROUP BY entity_id) d USING (entity_id)
        WHERE m.entity_id IS NOT NULL GROUP BY m.entity_id"""


def refresh_entities(con: duckdb.DuckDBPyConnection, entity_ids: list[str] | None = None) -> None:
    """Recompute ``resolved_entities`` from the mentions: every entity, or only ``entity_ids`` (and
    drop entities left without mentions). Recomputing all of them took half a second of every
    incremental run at 100k mentions."""
    if entity_ids is None:
        con.execute("DELETE FROM resolved_entities")
        con.execute(f"INSERT INTO resolved_entities SELECT *, now()::TIMESTAMP FROM ({entity_rows('entity_mentions')})")
        return
    con.execute("DELETE FROM resolved_entities WHERE entity_id IN (SELECT unnest(?)) OR entity_id NOT IN "
                "(SELECT entity_id FROM entity_mentions WHERE entity_id IS NOT NULL)", [entity_ids])
    con.execute("INSERT INTO resolved_entities WITH sel AS (SELECT * FROM entity_mentions WHERE entity_id IN "
                f"(SELECT unnest(?))) SELECT *, now()::TIMESTAMP FROM ({entity_rows('sel')})", [entity_ids])


def resolve_store(store: Store, *, purpose: str, config: ResolveConfig | None = None,
                  command: str = "entities resolve") -> dict[str, Any]:
    """Resolve every mention in the store from scratch (training the person model)."""
    from caselink.store.store import require_purpose

    why = require_purpose(purpose, "resolving entities")
    mentions = read_mentions(store.con)
    result = resolve(mentions, config)
    with store.transaction() as con:
        con.execute("DELETE FROM entity_mentions")
        _write(con, result.mentions)
        refresh_entities(con)
        if result.model is not None:
            next_id = con.execute("SELECT coalesce(max(model_id), 0) + 1 FROM entity_models").fetchall()[0][0]
            con.execute("INSERT INTO entity_models VALUES (?, now()::TIMESTAMP, ?, ?)",
                        [next_id, orjson.dumps(result.model).decode(), orjson.dumps(result.stats).decode()])
        cases = sorted(set(result.mentions.loc[result.mentions["source"] == "case", "source_id"]))
        audit.append(con, user=store.user, action="combination", command=command, case_ids=cases,
                     purpose=why, detail={"entity_resolution": result.stats})
    return result.stats


def _stored_persons(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    from caselink.entities.resolve import model_columns

    frame = con.execute(
        "SELECT mention_id, source_id, first, last, phone, vehicle, dob_norm AS dob FROM entity_mentions "
        "WHERE kind = 'person' AND last IS NOT NULL").df()
    return model_columns(frame)


def _no_links() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=["mention_id_l", "mention_id_r", "match_weight", "match_probability"])


def _score_new(new: pd.DataFrame, old: pd.DataFrame, model: dict[str, Any], config: ResolveConfig) -> pd.DataFrame:
    """Accepted pairs among the new person mentions and between them and the stored ones."""
    import pandas as pd
    from splink import DuckDBAPI, Linker

    from caselink.entities.resolve import accept

    empty = _no_links()
    if len(new) == 0:
        return empty
    db = DuckDBAPI()
    everyone = pd.concat([old, new], ignore_index=True)
    linker = Linker(db.register(everyone), model["splink"], log_level=logging.ERROR)
    linker.table_management.compute_tf_table("full_name")  # name frequencies over stored + new mentions
    parts = [linker.inference.predict_within(db.register(new), threshold_match_probability=config.threshold)]
    if len(old):
        parts.append(linker.inference.predict_between(db.register(new), db.register(old),
                                                      threshold_match_probability=config.threshold))
    frames = [accept(p.as_pandas_dataframe(), config, everyone) for p in parts]
    return pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else empty


def resolve_cases(store: Store, case_ids: list[str], *, config: ResolveConfig | None = None,
                  command: str = "ingest entities") -> dict[str, Any]:
    """Resolve the mentions of (new or changed) cases against the stored entities; alert on every
    pair of cases newly sharing an entity (``_alerts``). Without a stored model, resolves all."""
    return _resolve_new(store, "case", case_ids, config or ResolveConfig(), command)


def resolve_reports(store: Store, report_ids: list[str], *, config: ResolveConfig | None = None,
                    command: str = "intel entities") -> dict[str, Any]:
    """Resolve the mentions of new intel reports against the stored entities; alert when a mention
    joins an entity seen in a case the report is not linked to (``caselink.intel`` already alerts on
    exact matches, so cases one of its alerts named are not named again)."""
    return _resolve_new(store, "intel", report_ids, config or ResolveConfig(), command)


_PURPOSE = {"case": "entity resolution after ingest", "intel": "entity resolution of new intel reports"}


def _resolve_new(store: Store, source: str, ids: list[str], cfg: ResolveConfig, command: str) -> dict[str, Any]:
    from caselink.entities.resolve import attach_weights, prepare

    alerts = _alerts if source == "case" else _report_alerts
    model = latest_model(store.con)
    if model is None:
        stats = resolve_store(store, purpose=_PURPOSE[source], config=cfg, command=command)
        with store.transaction() as con:
            stats["alerts"] = alerts(con, ids)
        return stats
    mentions = read_mentions(store.con, ids) if source == "case" else read_mentions(store.con, None, ids)
    prepared = prepare(mentions, cfg.region)
    with store.transaction() as con:
        before = [r[0] for r in con.execute(
            "SELECT DISTINCT entity_id FROM entity_mentions WHERE source = ? AND source_id IN (SELECT unnest(?)) "
            "AND entity_id IS NOT NULL", [source, ids]).fetchall()]
        con.execute("DELETE FROM entity_mentions WHERE source = ? AND list_contains(?, source_id)", [source, ids])
        links, person_entity = _join_persons(con, prepared, model, cfg)
        prepared["entity_id"] = [person_entity.get(m) if k == "person" else (f"{k}:{n}" if n else None)
                                 for m, k, n in zip(prepared["mention_id"], prepared["kind"], prepared["norm"],
                                                    strict=True)]
        _write(con, attach_weights(prepared, links))
        # A stored entity merged into another loses its mentions: refresh drops it.
        refresh_entities(con, sorted({*before, *(e for e in prepared["entity_id"] if e)}))
        n_alerts = alerts(con, ids)
        detail: dict[str, Any] = {"entity_mentions": len(prepared), "person_links": len(links), "alerts": n_alerts}
        audit.append(con, user=store.user, action="combination", command=command,
                     case_ids=ids if source == "case" else _cases_sharing(con, ids), purpose=_PURPOSE[source],
                     detail=detail if source == "case" else {**detail, "reports": ids})
    return {"mentions": len(prepared), "person_links": len(links), "alerts": n_alerts}


def _join_persons(con: duckdb.DuckDBPyConnection, prepared: pd.DataFrame, model: dict[str, Any],
                  cfg: ResolveConfig) -> tuple[pd.DataFrame, dict[str, str]]:
    """Person links of the new mentions (among themselves and to stored ones) and their entity ids."""
    from caselink.entities.resolve import components, person_frame

    new = person_frame(prepared)
    if not len(new):
        return _no_links(), {}
    old = _stored_persons(con)
    links = _score_new(new, old, model, cfg)
    ids = [*new["mention_id"], *old["mention_id"]]
    labels = components(ids, links)
    # One pass over the stored mentions (a list_contains/list_position lookup per row was
    # quadratic: 20 s at 100k mentions).
    stored = dict(con.execute(
        "SELECT mention_id, entity_id FROM entity_mentions "
        "WHERE kind = 'person' AND last IS NOT NULL AND entity_id IS NOT NULL").fetchall())
    return links, _assign(ids, labels, stored, con)


def _cases_sharing(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> list[str]:
    """Cases that mention an entity the reports mention (what resolving them combined)."""
    rows = con.execute(
        "SELECT DISTINCT o.source_id FROM entity_mentions n JOIN entity_mentions o USING (entity_id) "
        "WHERE n.source = 'intel' AND list_contains(?, n.source_id) AND o.source = 'case' ORDER BY 1",
        [report_ids]).fetchall()
    return [r[0] for r in rows]


def _assign(ids: list[str], labels: Any, stored: dict[str, str], con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Entity id per new mention: the stored entity its component joins (merging stored entities a
    new mention bridges into the smallest id), or a new id."""
    import hashlib

    by_label: dict[int, list[str]] = {}
    for m, lab in zip(ids, labels, strict=True):
        by_label.setdefault(int(lab), []).append(m)
    out: dict[str, str] = {}
    for members in by_label.values():
        known = sorted({stored[m] for m in members if m in stored})
        target = known[0] if known else "person:" + hashlib.sha1(min(members).encode()).hexdigest()[:12]
        if len(known) > 1:
            con.execute("UPDATE entity_mentions SET entity_id = ? WHERE list_contains(?, entity_id)", [target, known[1:]])
        out.update({m: target for m in members if m not in stored})
    return out


#: an entity mentioned in more sources than this is common (a switchboard, a hostel): no alert
ALERT_MAX_SOURCES = 50


def _alerts(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> int:
    """One ``entity`` alert per (entity, new case) naming every case and intel report it newly
    shares the entity with: those outside this batch, and those of the batch that sort before it
    (so a backlog loaded in one batch names each pair of its cases once). Intel reports already
    linked to the case, and entities in more than ``ALERT_MAX_SOURCES`` sources, are left out."""
    rows = con.execute("""
        SELECT n.entity_id, n.source_id, any_value(n.role), any_value(r.kind), any_value(r.display),
               any_value(r.n_sources),
               list(DISTINCT o.source_id ORDER BY o.source_id) FILTER (WHERE o.source = 'case'),
               list(DISTINCT o.source_id ORDER BY o.source_id) FILTER (WHERE o.source = 'intel'),
               max(n.match_weight) FILTER (WHERE NOT isnan(n.match_weight))
        FROM entity_mentions n JOIN entity_mentions o ON o.entity_id = n.entity_id
             JOIN resolved_entities r ON r.entity_id = n.entity_id
        WHERE n.source = 'case' AND list_contains(?, n.source_id) AND r.n_sources <= ?
              AND ((o.source = 'case' AND o.source_id <> n.source_id
                    AND (NOT list_contains(?, o.source_id) OR o.source_id < n.source_id))
                   OR (o.source = 'intel' AND o.source_id NOT IN (
                       SELECT report_id FROM intel_report_cases WHERE case_id = n.source_id)))
        GROUP BY n.entity_id, n.source_id ORDER BY n.source_id, n.entity_id
    """, [case_ids, ALERT_MAX_SOURCES, case_ids]).fetchall()
    raised = 0
    for entity, case_id, role, kind, display, n_sources, cases, reports, weight in rows:
        others = [*(cases or []), *(reports or [])]
        shown = ", ".join(others[:5]) + ("..." if len(others) > 5 else "")
        how = f"match weight {weight:+.1f}" if weight is not None else "same normalised value or the rules"
        alert = raise_alert(con, kind="entity", case_id=case_id, related_ids=others, score=None,
                            title=f"{kind} {display!r} ({role} in {case_id}) also appears in {shown} "
                                  f"({n_sources} sources in all)",
                            detail={"entity_id": entity, "kind": kind, "role": role, "cases": list(cases or []),
                                    "reports": list(reports or []), "sources": n_sources, "match": how},
                            dedupe_key=f"entity:{entity}:{case_id}")
        raised += alert is not None
    return raised


def _covered(con: duckdb.DuckDBPyConnection, report_id: str) -> set[str]:
    """Cases the report's exact-match intel alerts already named."""
    rows = con.execute("SELECT related_ids FROM alerts WHERE kind = 'intel' AND starts_with(dedupe_key, ?)",
                       [f"intel-entity:{report_id}:"]).fetchall()
    return {c for (related,) in rows for c in related}


def _report_alerts(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> int:
    """One ``entity`` alert per (entity, new report) when the entity is also mentioned in cases the
    report is not linked to and that no exact-match alert of the report named."""
    own = dict(con.execute("SELECT report_id, list(case_id ORDER BY case_id) FROM intel_report_cases "
                           "WHERE list_contains(?, report_id) GROUP BY report_id", [report_ids]).fetchall())
    rows = con.execute("""
        SELECT n.entity_id, n.source_id, any_value(n.role), any_value(r.kind), any_value(r.display),
               list(DISTINCT o.source_id ORDER BY o.source_id), max(n.match_weight) FILTER (WHERE NOT isnan(n.match_weight))
        FROM entity_mentions n JOIN entity_mentions o ON o.entity_id = n.entity_id
             JOIN resolved_entities r ON r.entity_id = n.entity_id
        WHERE n.source = 'intel' AND o.source = 'case' AND list_contains(?, n.source_id)
        GROUP BY n.entity_id, n.source_id ORDER BY n.source_id, n.entity_id
    """, [report_ids]).fetchall()
    raised = 0
    for entity, report_id, role, kind, display, cases, weight in rows:
        mine = list(own.get(report_id, []))
        others = [c for c in cases if c not in mine and c not in _covered(con, report_id)]
        if not others:
            continue
        shown = ", ".join(others[:5]) + ("..." if len(others) > 5 else "")
        how = f"match weight {weight:+.1f}" if weight is not None else "same normalised value"
        alert = raise_alert(con, kind="entity", case_id=mine[0] if mine else None, related_ids=[*others, report_id],
                            score=None, title=f"Intel {report_id} mentions {kind} {display!r} ({role}), "
                                              f"the same {kind} as in case(s) {shown}",
                            detail={"entity_id": entity, "kind": kind, "role": role, "report_id": report_id,
                                    "cases": others, "report_cases": mine, "match": how},
                            dedupe_key=f"entity:{entity}:{report_id}")
        raised += alert is not None
    return raised
