"""Alerts: raised by any stage (linkage, scan, clusters, intel, entities), listed and acknowledged.

An alert names the case that triggered it, the cases or reports it relates to, a score and a
JSON detail (e.g. the link's explanation). ``dedupe_key`` makes raising idempotent: the same
finding raised twice is one alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import orjson

from caselink import audit
from caselink.errors import CaselinkError, NotFound
from caselink.store.store import Store, on_erase

KINDS = ("linkage", "scan", "cluster", "intel", "entity")


@dataclass(frozen=True)
class Alert:
    alert_id: int
    kind: str
    case_id: str | None
    related_ids: tuple[str, ...]
    score: float | None
    title: str
    detail: dict[str, Any]
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_note: str | None
    escalation_level: int = 0
    due: dict[str, Any] | None = None   # owner, deadline, overdue, overdue_hours (from the intel policy;
    # overdue_hours: hours since the deadline, negative before it; overdue only while unacknowledged)

    def to_dict(self) -> dict[str, Any]:
        due = self.due or {}
        return {
            "owner": due.get("owner"), "deadline": due.get("deadline"), "overdue": bool(due.get("overdue")),
            "overdue_hours": due.get("overdue_hours"), "escalation_level": self.escalation_level,
            "alert_id": self.alert_id, "kind": self.kind, "case_id": self.case_id,
            "related_ids": list(self.related_ids), "score": self.score, "title": self.title,
            "detail": self.detail, "created_at": self.created_at.isoformat(),
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
            "acknowledged_by": self.acknowledged_by, "ack_note": self.ack_note,
        }


def raise_alert(
    con: duckdb.DuckDBPyConnection, *, kind: str, title: str, dedupe_key: str, case_id: str | None = None,
    related_ids: Sequence[str] = (), score: float | None = None, detail: dict[str, Any] | None = None,
    created_at: datetime | None = None,
) -> int | None:
    """Insert an alert unless one with the same ``dedupe_key`` exists; return its id if new.

    Call inside the transaction of the work that found it. ``created_at`` (naive UTC) defaults to
    the database's clock; its deadline (``caselink.intel.alert_deadlines``) runs from it.
    """
    if kind not in KINDS:
        raise CaselinkError(f"unknown alert kind {kind!r}")
    rows = con.execute(
        "INSERT INTO alerts (kind, case_id, related_ids, score, title, detail, dedupe_key, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, coalesce(?, now()::TIMESTAMP)) ON CONFLICT (dedupe_key) DO NOTHING "
        "RETURNING alert_id",
        [kind, case_id, list(related_ids), score, title,
         orjson.dumps(detail or {}, option=orjson.OPT_SERIALIZE_NUMPY).decode(), dedupe_key, created_at],
    ).fetchall()
    return int(rows[0][0]) if rows else None


_COLS = ("alert_id, kind, case_id, related_ids, score, title, detail, created_at, acknowledged_at, "
         "acknowledged_by, ack_note, coalesce(escalation_level, 0)")


def _row(r: tuple[Any, ...]) -> Alert:
    return Alert(int(r[0]), r[1], r[2], tuple(r[3]), r[4], r[5], orjson.loads(r[6]), r[7], r[8], r[9], r[10],
                 int(r[11]))


def with_deadlines(con: duckdb.DuckDBPyConnection, alerts: list[Alert], policy: Any, now: datetime) -> list[Alert]:
    """Each unacknowledged alert with the owner and deadline the intel policy gives its kind."""
    from dataclasses import replace

    from caselink.intel.alert_deadlines import alerts_due

    due = {a.alert_id: a for a in alerts_due(con, policy, now, alert_ids=[a.alert_id for a in alerts],
                                             include_acknowledged=True)}
    return [replace(a, due=due[a.alert_id].to_dict()) if a.alert_id in due else a for a in alerts]


def list_alerts(
    store: Store, *, include_acknowledged: bool = False, kind: str | None = None, case_id: str | None = None,
    limit: int = 100, purpose: str | None = None, command: str = "alerts", policy: Any = None,
    now: datetime | None = None,
) -> list[Alert]:
    """Alerts, newest first, each with its owner and deadline from the intel ``policy`` (default: the
    shipped one) as of ``now`` (default: the system clock); audited as a consultation."""
    where: list[str] = ["TRUE"]
    params: list[object] = []
    if not include_acknowledged:
        where.append("acknowledged_at IS NULL")
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if case_id:
        where.append("(case_id = ? OR list_contains(related_ids, ?))")
        params += [case_id, case_id]
    params.append(limit)
    rows = store.con.execute(
        f"SELECT {_COLS} FROM alerts WHERE {' AND '.join(where)} ORDER BY alert_id DESC LIMIT ?", params
    ).fetchall()
    from caselink.intel.clock import system_clock
    from caselink.intel.policy import load_policy

    alerts = with_deadlines(store.con, [_row(r) for r in rows], policy or load_policy(), now or system_clock())
    ids = sorted({c for a in alerts for c in ((a.case_id,) if a.case_id else ()) + a.related_ids})
    store.audit("consultation", command, ids, purpose, {"alerts": len(alerts)})
    return alerts


def acknowledge(store: Store, alert_id: int, note: str, *, command: str = "alerts ack") -> Alert:
    """Mark an alert as seen, with a note; audited. Acknowledging twice is an error."""
    if not note or not note.strip():
        raise CaselinkError("acknowledging an alert needs a note saying what was done (--note)")
    with store.transaction() as con:
        rows = con.execute(f"SELECT {_COLS} FROM alerts WHERE alert_id = ?", [alert_id]).fetchall()
        if not rows:
            raise NotFound(f"no alert {alert_id}")
        alert = _row(rows[0])
        if alert.acknowledged_at is not None:
            raise CaselinkError(f"alert {alert_id} was already acknowledged by {alert.acknowledged_by} "
                                f"at {alert.acknowledged_at.isoformat()}")
        con.execute("UPDATE alerts SET acknowledged_at = now()::TIMESTAMP, acknowledged_by = ?, ack_note = ? "
                    "WHERE alert_id = ?", [store.user, note.strip(), alert_id])
        ids = ([alert.case_id] if alert.case_id else []) + list(alert.related_ids)
        audit.append(con, user=store.user, action="alteration", command=command, case_ids=ids,
                     purpose=note.strip(), detail={"alert_id": alert_id, "kind": alert.kind})
        rows = con.execute(f"SELECT {_COLS} FROM alerts WHERE alert_id = ?", [alert_id]).fetchall()
    return _row(rows[0])


@on_erase
def _erase_links_and_alerts(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> None:
    con.execute("DELETE FROM alert_events WHERE alert_id IN (SELECT alert_id FROM alerts WHERE list_contains(?, case_id))",
                [case_ids])
    con.execute("DELETE FROM links WHERE list_contains(?, case_a) OR list_contains(?, case_b)", [case_ids, case_ids])
    con.execute("DELETE FROM alerts WHERE list_contains(?, case_id)", [case_ids])
    # An alert about other cases that also named an erased one keeps its own cases; its detail may
    # describe the erased case (e.g. a link explanation), so it is replaced by a note.
    con.execute(
        "UPDATE alerts SET related_ids = list_filter(related_ids, lambda x: NOT list_contains(?, x)), "
        "detail = '{\"redacted\": \"a related case was erased\"}' "
        "WHERE len(list_intersect(related_ids, ?)) > 0", [case_ids, case_ids])
