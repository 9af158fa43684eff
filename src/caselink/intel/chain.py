"""Intel reports and their history in the tamper-evident chain.

Each report's content (everything recorded when it was received, and its mentions) and every
row of its history are hashed, and the hashes are written into the audit row of the action that
made them (``detail.anchors``), so they are covered by the audit log's hash chain. ``verify``
recomputes them from the store and names every report or history row that was edited, deleted
or inserted outside caselink, and every report whose current state, priority, level or outcome
does not follow from its (verified) history.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import duckdb
import orjson

_REPORT_COLS = ("report_id, seq, received_at, recorded_at, recorded_by, reporter_name, reporter_relation, "
                "reporter_contact, channel, text, policy_hash, disputes_classification")
_TRANSITION_COLS = "seq, report_id, kind, from_state, to_state, happened_at, user_name, reason, detail"


def _digest(values: Sequence[Any]) -> str:
    return hashlib.sha256(orjson.dumps(list(values), default=str)).hexdigest()


def report_digests(con: duckdb.DuckDBPyConnection, report_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Report id -> hash of its recorded content and mentions (all reports if ``report_ids`` is None)."""
    where, params = ("TRUE", []) if report_ids is None else ("list_contains(?, report_id)", [list(report_ids)])
    mentions: dict[str, list[Any]] = {}
    for rid, *m in con.execute(f"SELECT report_id, kind, role, value, name, dob FROM intel_entities WHERE {where} "
                               "ORDER BY ALL", params).fetchall():
        mentions.setdefault(rid, []).append(m)
    rows = con.execute(f"SELECT {_REPORT_COLS} FROM intel_reports WHERE {where}", params).fetchall()
    return {r[0]: _digest([*r, mentions.get(r[0], [])]) for r in rows}


def transition_digests(con: duckdb.DuckDBPyConnection, seqs: Sequence[int] | None = None) -> dict[str, str]:
    """``report_id#seq`` of each history row -> hash of the row."""
    where, params = ("TRUE", []) if seqs is None else ("list_contains(?, seq)", [list(seqs)])
    rows = con.execute(f"SELECT {_TRANSITION_COLS} FROM intel_transitions WHERE {where}", params).fetchall()
    return {f"{r[1]}#{r[0]}": _digest(r) for r in rows}


def anchors(con: duckdb.DuckDBPyConnection, *, reports: Sequence[str] = (), transitions: Sequence[int] = ()
            ) -> dict[str, Any]:
    """``{"anchors": ...}`` to merge into the detail of the audit row that records the change."""
    out: dict[str, Any] = {}
    if reports:
        out["reports"] = report_digests(con, reports)
    if transitions:
        out["transitions"] = transition_digests(con, transitions)
    return {"anchors": out}


def add_history(con: duckdb.DuckDBPyConnection, report_id: str, kind: str, from_state: str | None, to_state: str,
                at: Any, user: str, reason: str, detail: dict[str, Any]) -> int:
    """Append one row to a report's history; returns its seq (for ``anchors``)."""
    rows = con.execute("INSERT INTO intel_transitions (report_id, kind, from_state, to_state, happened_at, user_name, "
                       "reason, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
                       [report_id, kind, from_state, to_state, at, user, reason, orjson.dumps(detail).decode()]
                       ).fetchall()
    return int(rows[0][0])


def transition_anchor(con: duckdb.DuckDBPyConnection, seq: int) -> dict[str, Any]:
    return anchors(con, transitions=[seq])


def _anchored(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], dict[str, str]]:
    reports: dict[str, str] = {}
    transitions: dict[str, str] = {}
    for (detail,) in con.execute("SELECT detail FROM audit_log WHERE contains(detail, '\"anchors\"') "
                                 "ORDER BY seq").fetchall():
        found = orjson.loads(detail).get("anchors") or {}
        reports.update(found.get("reports") or {})
        transitions.update(found.get("transitions") or {})
    return reports, transitions


def _compare(what: str, expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    problems = []
    for key in sorted(set(expected) | set(actual), key=lambda k: (len(k), k)):
        if key not in actual:
            problems.append(f"{what} {key} was deleted (it is in the audit chain, not in the store)")
        elif key not in expected:
            problems.append(f"{what} {key} was inserted outside caselink (not in the audit chain)")
        elif expected[key] != actual[key]:
            problems.append(f"{what} {key} was edited (its content does not match the audit chain)")
    return problems


def _derived(history: list[tuple[str, str, str]]) -> tuple[str, int, str | None, str]:
    """State, escalation level, outcome and priority that a report's history implies."""
    state, level, outcome, priority = "received", 0, None, ""
    for kind, to_state, detail_text in history:
        detail = orjson.loads(detail_text)
        if kind == "received":
            priority = str(detail.get("priority", ""))
        elif kind == "transition":
            state, level, outcome = to_state, 0, detail.get("outcome")
        elif kind == "escalation":
            level = max(level, int(detail.get("level", 0)))
        elif kind == "priority":
            priority = str(detail.get("to", priority))
    return state, level, outcome, priority


def _consistency(con: duckdb.DuckDBPyConnection) -> list[str]:
    history: dict[str, list[tuple[str, str, str]]] = {}
    for rid, kind, to_state, detail in con.execute(
            "SELECT report_id, kind, to_state, detail FROM intel_transitions ORDER BY seq").fetchall():
        history.setdefault(rid, []).append((kind, to_state, detail))
    problems = []
    for rid, state, level, outcome, priority in con.execute(
            "SELECT report_id, state, escalation_level, outcome, priority FROM intel_reports ORDER BY seq").fetchall():
        if rid not in history:
            continue  # reported as a missing history row by the hash comparison
        want = _derived(history[rid])
        if (state, int(level), outcome, priority) != want:
            problems.append(f"intel report {rid}: state/level/outcome/priority ({state}, {level}, {outcome}, "
                            f"{priority}) do not follow from its history ({', '.join(map(str, want))})")
    return problems


def verify(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every report and history row that does not match the audit chain, by name (empty when all do)."""
    want_reports, want_transitions = _anchored(con)
    return (_compare("intel report", want_reports, report_digests(con))
            + [p.replace("history row ", "history row of ").replace("#", ", row ", 1)
               for p in _compare("intel history row", want_transitions, transition_digests(con))]
            + _consistency(con))


def anchor_existing(con: duckdb.DuckDBPyConnection) -> None:
    """At the upgrade that introduced anchoring: anchor the reports and history already in the
    store, as they are then, in one audit row (so later changes to them are detected)."""
    from caselink import audit

    reports = [r for (r,) in con.execute("SELECT report_id FROM intel_reports ORDER BY seq").fetchall()]
    if not reports:
        return
    seqs = [int(s) for (s,) in con.execute("SELECT seq FROM intel_transitions ORDER BY seq").fetchall()]
    audit.append(con, user="caselink (upgrade)", action="administration", command="migrate 0020",
                 purpose="intel reports recorded before reports were anchored in the audit chain, anchored as "
                         "they stood at the upgrade",
                 detail={"reports": len(reports), **anchors(con, reports=reports, transitions=seqs)})
