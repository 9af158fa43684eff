"""Intel reports: recorded with a reference number the submitter can be given, never deleted.

Example:
    >>> reports = add_reports(store, [NewReport("He was with a man called Danny", "friend",
    ...                                "phone", case_ids=("MPS-2014-001",))])   # doctest: +SKIP
    >>> reports[0].report_id                                                      # doctest: +SKIP
    'INT-2026-000001'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import orjson

from caselink import audit
from caselink.errors import CaselinkError, NotFound
from caselink.intel.chain import add_history, anchors, transition_anchor
from caselink.intel.clock import Clock, system_clock
from caselink.intel.entities import (
    EntityMatch,
    Mention,
    match_batch,
    match_mentions,
    raise_entity_alerts,
    store_mentions,
)
from caselink.intel.intake import NewReport
from caselink.intel.policy import Policy, load_policy
from caselink.store.store import Store, require_purpose


class IntelError(CaselinkError):
    """A report operation was refused; nothing was changed."""

    code = "intel_error"


class InvalidTransition(IntelError):
    """A lifecycle step that is not allowed from the report's current state."""

    code = "invalid_transition"


_COLS = ("report_id, received_at, recorded_at, recorded_by, reporter_name, reporter_relation, "
         "reporter_contact, channel, text, priority, priority_reason, state, state_since, "
         "escalation_level, outcome, policy_hash, disputes_classification")


@dataclass(frozen=True)
class Report:
    report_id: str
    received_at: datetime
    recorded_at: datetime
    recorded_by: str
    reporter_name: str | None
    reporter_relation: str
    reporter_contact: str | None
    channel: str
    text: str
    priority: str
    priority_reason: str
    state: str
    state_since: datetime
    escalation_level: int
    outcome: str | None
    policy_hash: str
    disputes_classification: bool = False
    case_ids: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    history: tuple[dict[str, Any], ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: getattr(self, k) for k in _COLS.replace(" ", "").split(",")
        }
        for k in ("received_at", "recorded_at", "state_since"):
            out[k] = out[k].isoformat()
        out["case_ids"] = list(self.case_ids)
        out["mentions"] = [m.to_dict() for m in self.mentions]
        if self.history:
            out["history"] = list(self.history)
        return out


def _load(con: duckdb.DuckDBPyConnection, where: str, params: Sequence[Any]) -> list[Report]:
    rows = con.execute(f"SELECT {_COLS} FROM intel_reports WHERE {where} ORDER BY seq", list(params)).fetchall()
    if not rows:
        return []
    ids = [r[0] for r in rows]
    cases: dict[str, list[str]] = {}
    for rid, cid in con.execute("SELECT report_id, case_id FROM intel_report_cases "
                                "WHERE list_contains(?, report_id) ORDER BY case_id", [ids]).fetchall():
        cases.setdefault(rid, []).append(cid)
    mentions: dict[str, list[Mention]] = {}
    for rid, *m in con.execute("SELECT report_id, kind, value, role, name, dob FROM intel_entities "
                               "WHERE list_contains(?, report_id)", [ids]).fetchall():
        mentions.setdefault(rid, []).append(Mention(*m))
    names = _COLS.replace(" ", "").split(",")
    return [Report(**dict(zip(names, r, strict=True)), case_ids=tuple(cases.get(r[0], ())),
                   mentions=tuple(sorted(mentions.get(r[0], ())))) for r in rows]


def history(con: duckdb.DuckDBPyConnection, report_id: str) -> list[dict[str, Any]]:
    """The report's append-only history, oldest first."""
    rows = con.execute("SELECT seq, kind, from_state, to_state, happened_at, user_name, reason, detail "
                       "FROM intel_transitions WHERE report_id = ? ORDER BY seq", [report_id]).fetchall()
    return [{"seq": s, "kind": k, "from": f, "to": t, "at": at.isoformat(), "user": u, "reason": r,
             "detail": orjson.loads(d)} for s, k, f, t, at, u, r, d in rows]


CaseInfo = tuple[str, str | None, str | None]   # incident type, status, classification


def rule_priority(policy: Policy, case_ids: Sequence[str], cases: dict[str, CaseInfo], *, disputes: bool,
                  raised_alert: bool) -> tuple[str, str]:
    """The first policy rule that holds for the report (and one of its cases), else the default."""
    for rule in policy.priority_rules:
        if not rule.needs_case:
            if rule.matches(None, disputes=disputes, raised_alert=raised_alert):
                return rule.priority, f"policy rule '{rule.name}'"
            continue
        for case_id in sorted(case_ids):
            if rule.matches(cases[case_id], disputes=disputes, raised_alert=raised_alert):
                return rule.priority, f"policy rule '{rule.name}' (case {case_id})"
    return policy.default_priority, "policy default"


def _priority(new: NewReport, cases: dict[str, CaseInfo], policy: Policy, user: str,
              raised_alert: bool) -> tuple[str, str]:
    """A person's explicit priority, else the first policy rule that holds."""
    if new.priority:
        if new.priority not in policy.priorities:
            raise IntelError(f"priority {new.priority!r} is not one of the policy's priorities "
                             f"({', '.join(policy.priorities)})")
        return new.priority, f"set by {user}"
    return rule_priority(policy, new.case_ids, cases, disputes=new.disputes_classification,
                         raised_alert=raised_alert)


def _next_number(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT coalesce(max(seq), 0) + 1 FROM intel_reports").fetchall()[0][0])


def _insert(con: duckdb.DuckDBPyConnection, new: NewReport, seq: int, cases: dict[str, CaseInfo],
            matches: list[EntityMatch], policy: Policy, now: datetime, user: str) -> dict[str, Any]:
    """Store one report, its links, mentions and first history row; raise its alerts. No audit row."""
    received = new.received_at or now
    if received > now:
        raise IntelError(f"received_at {received.isoformat()} is in the future (now is {now.isoformat()})")
    priority, why = _priority(new, cases, policy, user, bool(matches))
    report_id = f"INT-{now.year}-{seq:06d}"
    con.execute(f"INSERT INTO intel_reports ({_COLS}, seq) VALUES ({', '.join(['?'] * 18)})",
                [report_id, received, now, user, new.reporter_name, new.reporter_relation,
                 new.reporter_contact, new.channel, new.text, priority, why, "received", received, 0,
                 None, policy.hash, new.disputes_classification, seq])
    for case_id in new.case_ids:
        con.execute("INSERT INTO intel_report_cases VALUES (?, ?, ?, ?)", [report_id, case_id, now, user])
    store_mentions(con, report_id, new.mentions)
    seq_received = add_history(con, report_id, "received", None, "received", now, user, f"received via {new.channel}",
                               {"priority": priority, "priority_reason": why})
    alerts = raise_entity_alerts(con, report_id, new.case_ids, matches, now=now) if matches else []
    return {"report_id": report_id, "priority": priority, "cases": list(new.case_ids), "history_seq": seq_received,
            "mentions": len(new.mentions), "alerts": alerts,
            "matched_cases": sorted({c for m in matches for c in m.case_ids})}


def _audit_added(con: duckdb.DuckDBPyConnection, added: list[dict[str, Any]], user: str, command: str) -> None:
    """One collection row for the batch and one combination row if mentions matched other cases."""
    ids = [a["report_id"] for a in added]
    what = f"intel report {ids[0]}" if len(ids) == 1 else f"{len(ids)} intel reports ({ids[0]} to {ids[-1]})"
    audit.append(con, user=user, action="collection", command=command,
                 case_ids=sorted({c for a in added for c in a["cases"]}), purpose=f"{what} received",
                 detail={"reports": [{k: a[k] for k in ("report_id", "priority", "mentions")} for a in added],
                         **anchors(con, reports=ids, transitions=[a["history_seq"] for a in added])})
    matched = [a for a in added if a["matched_cases"]]
    if matched:
        audit.append(con, user=user, action="combination", command=command,
                     case_ids=sorted({c for a in matched for c in a["matched_cases"]}),
                     purpose=f"{what}: mentioned entities matched other cases",
                     detail={"reports": [{k: a[k] for k in ("report_id", "alerts", "matched_cases")}
                                         for a in matched]})


def add_reports(
    store: Store, reports: Sequence[NewReport], *, policy: Policy | None = None, clock: Clock = system_clock,
    command: str = "intel add",
) -> list[Report]:
    """Record reports in one transaction (all or none); unknown case ids are refused by name."""
    if not reports:
        raise IntelError("no reports to add")
    policy = policy or load_policy()
    now = clock()
    wanted = sorted({c for r in reports for c in r.case_ids})
    with store.transaction() as con:
        found = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
            "SELECT case_id, incident_type, status, classification FROM cases WHERE list_contains(?, case_id)",
            [wanted]).fetchall()}
        missing = [c for c in wanted if c not in found]
        if missing:
            raise NotFound(f"no such case(s): {', '.join(missing[:10])}; nothing was recorded")
        con.execute("INSERT INTO intel_policies VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    [policy.hash, orjson.dumps(policy.to_dict(), default=str).decode(), now])
        matches = match_batch(con, [(r.mentions, r.case_ids) for r in reports])
        first = _next_number(con)
        added = [_insert(con, r, first + i, found, m, policy, now, store.user)
                 for i, (r, m) in enumerate(zip(reports, matches, strict=True))]
        _audit_added(con, added, store.user, command)
        loaded = _load(con, "list_contains(?, report_id)", [[a["report_id"] for a in added]])
    from caselink.intel.after_add import run_after_add  # entity resolution of the mentions, alerts

    run_after_add(store, loaded)
    from caselink.intel.lifecycle import raise_priority_for_alerts

    raised = raise_priority_for_alerts(store, [r.report_id for r in loaded], policy=policy, now=now, command=command)
    if raised:
        loaded = _load(store.con, "list_contains(?, report_id)", [[r.report_id for r in loaded]])
    return loaded


def get_report(store: Store, report_id: str, *, purpose: str | None, command: str = "intel show") -> Report:
    """One report with its cases, mentions and full history; audited as a consultation."""
    purpose = require_purpose(purpose, "reading an intel report")
    found = _load(store.con, "report_id = ?", [report_id])
    if not found:
        store.audit("consultation", command, [], purpose, {"report_id": report_id, "found": False})
        raise NotFound(f"no intel report {report_id!r} (references look like INT-2026-000123)")
    report = found[0]
    store.audit("consultation", command, report.case_ids, purpose, {"report_id": report_id})
    return Report(**{**report.__dict__, "history": tuple(history(store.con, report_id))})


def list_reports(
    store: Store, *, purpose: str | None, case_id: str | None = None, state: str | None = None,
    open_only: bool = False, command: str = "intel list",
) -> list[Report]:
    """Reports, oldest first, filtered by case, state or not-yet-closed; audited."""
    purpose = require_purpose(purpose, "listing intel reports")
    where: list[str] = ["TRUE"]
    params: list[Any] = []
    if case_id is not None:
        where.append("report_id IN (SELECT report_id FROM intel_report_cases WHERE case_id = ?)")
        params.append(case_id)
    if state is not None:
        where.append("state = ?")
        params.append(state)
    if open_only:
        where.append("state <> 'closed'")
    reports = _load(store.con, " AND ".join(where), params)
    ids = sorted({c for r in reports for c in r.case_ids} | ({case_id} if case_id else set()))
    store.audit("consultation", command, ids, purpose, {"reports": [r.report_id for r in reports][:1000]})
    return reports


def reports_for_case(store: Store, case_id: str, purpose: str | None) -> list[Report]:
    """Every intel report about one case (for the case page); audited."""
    return list_reports(store, purpose=purpose, case_id=case_id, command="intel list --case")


def link_case(store: Store, report_id: str, case_id: str, reason: str | None, *, clock: Clock = system_clock,
              command: str = "intel link") -> Report:
    """Link a report to a further case (e.g. once the case is identified); audited as a combination.

    Raises NotFound for an unknown report or case, IntelError for a missing reason or an existing link.
    """
    if reason is None or not reason.strip():
        raise IntelError(f"linking {report_id} to {case_id} needs a reason (--reason)")
    now = clock()
    with store.transaction() as con:
        found = _load(con, "report_id = ?", [report_id])
        if not found:
            raise NotFound(f"no intel report {report_id!r}")
        if not con.execute("SELECT 1 FROM cases WHERE case_id = ?", [case_id]).fetchall():
            raise NotFound(f"no case {case_id!r}; nothing was linked")
        report = found[0]
        if case_id in report.case_ids:
            raise IntelError(f"{report_id} is already linked to {case_id}")
        con.execute("INSERT INTO intel_report_cases VALUES (?, ?, ?, ?)", [report_id, case_id, now, store.user])
        seq = add_history(con, report_id, "link", report.state, report.state, now, store.user, reason.strip(),
                          {"case_id": case_id})
        audit.append(con, user=store.user, action="combination", command=command,
                     case_ids=[*report.case_ids, case_id], purpose=reason.strip(),
                     detail={"report_id": report_id, "linked": case_id, **transition_anchor(con, seq)})
        matches = match_mentions(con, report.mentions, [*report.case_ids, case_id])
        if matches:
            raise_entity_alerts(con, report_id, [*report.case_ids, case_id], matches)
        return _load(con, "report_id = ?", [report_id])[0]
