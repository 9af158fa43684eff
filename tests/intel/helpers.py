"""Cases and helpers shared by the intel tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from caselink.store import Store

T0 = datetime(2026, 3, 2, 9, 0, 0)

CASES: list[dict[str, Any]] = [
    {"case_id": "D1", "incident_type": "death", "occurred_from": "2014-06-19", "status": "open",
     "classification": "non_suspicious", "circumstances": ["note_left"], "substances": ["ghb"],
     "entities": [{"kind": "phone", "role": "reporter", "value": "+44 7700 900123", "name": "Steve"}]},
    {"case_id": "D2", "incident_type": "death", "occurred_from": "2014-08-28", "status": "closed",
     "classification": "non_suspicious",
     "entities": [{"kind": "phone", "role": "associate", "value": "447700900123"},
                  {"kind": "vehicle", "role": "other", "value": "AB12 CDE"}]},
    {"case_id": "B1", "incident_type": "burglary", "occurred_from": "2015-01-01"},
]


def load_cases(store: Store, tmp_path: Path, cases: list[dict[str, Any]] | None = None) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in (cases or CASES)) + b"\n")
    store.ingest([path], run_hooks=False)


def audit_rows(store: Store, command_prefix: str = "intel") -> list[tuple[Any, ...]]:
    return store.con.execute(
        "SELECT action, command, case_ids, purpose, detail, user_name FROM audit_log "
        "WHERE command LIKE ? ORDER BY seq", [command_prefix + "%"]).fetchall()


def snapshot(store: Store) -> list[tuple[Any, ...]]:
    """Everything intel keeps, to show that a refused operation changed nothing."""
    out: list[tuple[Any, ...]] = []
    for table in ("intel_reports", "intel_report_cases", "intel_entities", "intel_transitions", "audit_log",
                  "alerts"):
        out += [(table, *r) for r in store.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()]
    return out
