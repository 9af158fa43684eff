"""The audit log: who read or changed what, when and why, in a hash chain.

Each row's hash covers its content and the previous row's hash, and ``audit_head`` holds the
last row's seq and hash, so a changed, deleted, inserted or reordered row is detected by
``verify``. Rows are written inside the caller's transaction: an action and its audit row
commit together or not at all.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from caselink.errors import AuditTampered, CaselinkError

if TYPE_CHECKING:  # only for types: `caselink audit --help` must not load DuckDB
    import duckdb

ACTIONS = (
    "collection",    # new records stored
    "alteration",    # records changed
    "consultation",  # records read
    "disclosure",    # records exported or sent out
    "combination",   # records linked with others
    "erasure",       # records deleted (metadata only is kept)
    "denial",        # an access that was refused
    "administration",  # accounts, settings, models
)
GENESIS = "0" * 64
#: ``detail["scope"]`` of a read of every case in the store (recorded without an id list)
ALL_CASES = "all cases in the store"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    ts: str
    user: str
    action: str
    command: str
    case_ids: tuple[str, ...]
    purpose: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "ts": self.ts, "user": self.user, "action": self.action,
            "command": self.command, "case_ids": list(self.case_ids), "purpose": self.purpose,
            "detail": self.detail, "prev_hash": self.prev_hash, "hash": self.hash,
        }


def row_hash(
    prev_hash: str, seq: int, ts: str, user: str, action: str, command: str,
    case_ids: Sequence[str], purpose: str | None, detail: str,
) -> str:
    """SHA-256 over the previous hash and this row's content, in a fixed layout."""
    h = hashlib.sha256()
    h.update(prev_hash.encode())
    h.update(orjson.dumps([seq, ts, user, action, command, purpose, detail]))
    h.update(b"\x1e")
    h.update("\x1f".join(case_ids).encode())
    return h.hexdigest()


def append(
    con: duckdb.DuckDBPyConnection, *, user: str, action: str, command: str,
    case_ids: Iterable[str] = (), purpose: str | None = None, detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the chain; call inside the transaction of the action it records."""
    if action not in ACTIONS:
        raise CaselinkError(f"unknown audit action {action!r}")
    ids = [str(c) for c in case_ids]
    head = con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchall()
    seq, prev = (int(head[0][0]) + 1, str(head[0][1])) if head else (1, GENESIS)
    ts = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    detail_text = orjson.dumps(detail or {}, option=orjson.OPT_SORT_KEYS).decode()
    digest = row_hash(prev, seq, ts, user, action, command, ids, purpose, detail_text)
    con.execute(
        "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, ts, user, action, command, ids, purpose, detail_text, prev, digest],
    )
    con.execute(
        "INSERT INTO audit_head VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        [seq, digest],
    )
    return AuditEntry(seq, ts, user, action, command, tuple(ids), purpose, detail or {}, prev, digest)


def _presence(con: duckdb.DuckDBPyConnection, case_id: str) -> tuple[str, list[object]]:
    """SQL over ``ts`` (and its parameters) for the times ``case_id`` was in the store: each
    collection that named it opens a span, the next erasure that named it closes the span."""
    events = con.execute(
        "SELECT ts, action FROM audit_log WHERE action IN ('collection', 'erasure') AND list_contains(case_ids, ?) "
        "ORDER BY seq", [case_id]).fetchall()
    spans: list[str] = []
    params: list[object] = []
    start: str | None = None
    for ts, action in events:
        if action == "collection" and start is None:
            start = str(ts)
        elif action == "erasure" and start is not None:
            spans.append("ts BETWEEN ? AND ?")
            params.extend([start, str(ts)])
            start = None
    if start is not None:
        spans.append("ts >= ?")
        params.append(start)
    return (" OR ".join(spans) or "FALSE"), params


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    reason: str | None = None
    problems: tuple[str, ...] = ()   # records anchored in the chain that do not match it, by name

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rows": self.rows, "first_bad_seq": self.first_bad_seq, "reason": self.reason,
                "problems": list(self.problems)}


#: Checks of records whose hashes are anchored in the chain (``"module:function"``, each called as
#: ``function(con)`` and returning the problems found, by name); run once the chain itself verifies.
ANCHORED: list[str] = ["caselink.intel.chain:verify"]


def verify(con: duckdb.DuckDBPyConnection) -> VerifyResult:
    """The chain, then every record anchored in it (``ANCHORED``): the first bad row, or the
    records that were edited, deleted or inserted outside caselink."""
    result = verify_chain(con)
    if not result.ok:
        return result
    problems: list[str] = []
    for target in ANCHORED:
        module, _, name = target.partition(":")
        problems += getattr(importlib.import_module(module), name)(con)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return VerifyResult(False, result.rows, None, problems[0] + more, tuple(problems))
    return result


def verify_chain(con: duckdb.DuckDBPyConnection) -> VerifyResult:
    """Walk the chain in seq order and report the first row that does not verify."""
    cur = con.execute(
        "SELECT seq, ts, user_name, action, command, case_ids, purpose, detail, prev_hash, hash "
        "FROM audit_log ORDER BY seq"
    )
    prev, expected_seq, n = GENESIS, 1, 0
    while True:
        chunk = cur.fetchmany(10_000)
        if not chunk:
            break
        for seq, ts, user, action, command, ids, purpose, detail, prev_hash, digest in chunk:
            n += 1
            if seq != expected_seq:
                return VerifyResult(False, n, int(seq), f"row {n} has seq {seq}, expected {expected_seq} (deleted, inserted or reordered)")
            if prev_hash != prev:
                return VerifyResult(False, n, int(seq), f"seq {seq}: prev_hash does not match the previous row's hash")
            if row_hash(prev, seq, ts, user, action, command, ids, purpose, detail) != digest:
                return VerifyResult(False, n, int(seq), f"seq {seq}: content does not match its hash (altered)")
            prev, expected_seq = digest, expected_seq + 1
    head = con.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchall()
    if (n > 0 or head) and (not head or int(head[0][0]) != expected_seq - 1 or head[0][1] != prev):
        last = expected_seq - 1
        return VerifyResult(False, n, last + 1 if head and int(head[0][0]) > last else last,
                            "the chain's head does not match the last row (rows deleted from the end?)")
    return _covers_the_store(con, n)


def _covers_the_store(con: duckdb.DuckDBPyConnection, n: int) -> VerifyResult:
    """A chain that verifies must still account for what the store holds: every ingest batch
    wrote its collection/alteration row in its own transaction, so an emptied log (rows and head
    deleted) or one missing a batch's row does not verify."""
    batches = con.execute("SELECT count(*) FROM ingest_batches").fetchall()[0][0]
    cases = con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
    if n == 0 and (batches or cases):
        return VerifyResult(False, 0, 1, f"the audit log is empty but the store holds {cases} case(s) from "
                                         f"{batches} ingest batch(es) (log emptied?)")
    if n < batches:
        return VerifyResult(False, n, n + 1, f"the audit log has {n} row(s), fewer than the {batches} ingest "
                                             "batches it must record (rows deleted?)")
    missing = con.execute(
        "SELECT batch_id FROM ingest_batches WHERE batch_id NOT IN (SELECT json_extract_string(detail, '$.batch_id') "
        "FROM audit_log WHERE action IN ('collection', 'alteration') AND detail LIKE '%batch_id%') "
        "UNION SELECT DISTINCT batch_id FROM cases WHERE batch_id NOT IN (SELECT batch_id FROM ingest_batches) "
        "ORDER BY 1 LIMIT 5").fetchall()
    if missing:
        return VerifyResult(False, n, None, f"no audit row records ingest batch(es) {', '.join(r[0] for r in missing)} "
                                            "(rows deleted and the chain rebuilt?)")
    return VerifyResult(True, n)


def require_verified(con: duckdb.DuckDBPyConnection) -> VerifyResult:
    result = verify(con)
    if not result.ok:
        raise AuditTampered(f"audit log does not verify: first bad row seq {result.first_bad_seq}: {result.reason}")
    return result


def entries(
    con: duckdb.DuckDBPyConnection, *, case_id: str | None = None, user: str | None = None,
    action: str | None = None, since: str | None = None, limit: int = 100, before_seq: int | None = None,
) -> list[AuditEntry]:
    """Most recent entries first, filtered by case, user, action or time (ISO text); with
    ``before_seq`` only older entries than that one (keyset paging).

    For a case, that is every row naming it plus every read of the whole store (``ALL_CASES``)
    made while the case was in the store: from a ``collection`` that added it to the next
    ``erasure`` that removed it.
    """
    where: list[str] = ["1=1"]
    params: list[object] = []
    if case_id is not None:
        spans, span_params = _presence(con, case_id)
        where.append(f"(list_contains(case_ids, ?) OR (json_extract_string(detail, '$.scope') = ? AND ({spans})))")
        params.extend([case_id, ALL_CASES, *span_params])
    if user is not None:
        where.append("user_name = ?")
        params.append(user)
    if action is not None:
        where.append("action = ?")
        params.append(action)
    if since is not None:
        where.append("ts >= ?")
        params.append(since)
    if before_seq is not None:
        where.append("seq < ?")
        params.append(before_seq)
    params.append(limit)
    rows = con.execute(
        "SELECT seq, ts, user_name, action, command, case_ids, purpose, detail, prev_hash, hash "
        f"FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?", params
    ).fetchall()
    return [
        AuditEntry(int(r[0]), r[1], r[2], r[3], r[4], tuple(r[5]), r[6], orjson.loads(r[7]), r[8], r[9])
        for r in rows
    ]
