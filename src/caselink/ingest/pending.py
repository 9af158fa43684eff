"""Derived work after a committed ingest (entity resolution, linkage), recorded so nothing loses it.

An ingest writes one ``pending_work`` row per follow-up step (a module of ``AFTER_INGEST_MODULES``
that is installed) in the batch's own transaction. The steps run after the commit; each row is
deleted once its step has run. A row left behind (the process was killed, a step failed) is
completed by the next ingest, by the other commands that change the store
(``complete(store)``), or by ``caselink repair``; ``caselink stats`` and ``caselink audit
verify`` report it (``summary``). A step run again on the same cases gives the same result
(resolution and linkage of a batch are idempotent), so a kill just after a step committed but
before its row was deleted only repeats work.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from caselink.ingest.pipeline import IngestReport
    from caselink.store.store import Store

REPAIR_HINT = "run `caselink repair` to complete it"


@dataclass(frozen=True)
class Pending:
    batch_id: str
    step: str
    recorded_at: datetime
    attempts: int
    last_error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "step": self.step, "recorded_at": self.recorded_at.isoformat(),
                "attempts": self.attempts, "last_error": self.last_error}


def installed_steps() -> list[str]:
    """The follow-up steps an ingest owes: the installed modules of ``AFTER_INGEST_MODULES``."""
    from caselink.ingest.pipeline import AFTER_INGEST_MODULES

    return [name for name in AFTER_INGEST_MODULES if importlib.util.find_spec(name) is not None]


def record(con: duckdb.DuckDBPyConnection, batch_id: str, steps: list[str]) -> None:
    """Inside the batch's transaction: these steps are owed for it."""
    for step in steps:
        con.execute("INSERT INTO pending_work VALUES (?, ?, now()::TIMESTAMP, 0, NULL) ON CONFLICT DO NOTHING",
                    [batch_id, step])


def pending(con: duckdb.DuckDBPyConnection) -> list[Pending]:
    """Every step still owed, oldest batch first."""
    rows = con.execute("SELECT batch_id, step, recorded_at, attempts, last_error FROM pending_work "
                       "ORDER BY recorded_at, batch_id, step").fetchall()
    return [Pending(*r) for r in rows]


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """For ``stats`` and ``audit verify``: what is owed and what to run, or None if nothing is."""
    found = pending(con)
    if not found:
        return None
    batches = sorted({p.batch_id for p in found})
    steps = sorted({p.step.rsplit(".", 1)[-1] for p in found})
    return {"steps": len(found), "batches": batches, "kinds": steps,
            "message": f"{len(found)} follow-up step(s) ({', '.join(steps)}) of {len(batches)} ingest batch(es) "
                       f"did not finish; {REPAIR_HINT}"}


def _step_of(hook: Callable[..., Any], steps: list[str]) -> str:
    module = getattr(hook, "__module__", "") or ""
    return next((s for s in steps if module == s or module.startswith(s + ".")), module)


def run_steps(store: Store, report: IngestReport, steps: list[str]) -> None:
    """Run the ingest hooks of ``steps`` for ``report``'s batch in ``AFTER_INGEST`` order; delete each
    step's row once all its hooks have run. A failure is reported in
    ``report.extra["after_ingest_errors"]`` (the row stays, with the error) and never raised."""
    from caselink.ingest.pipeline import AFTER_INGEST

    failed: set[str] = set()
    for step in steps:
        try:
            importlib.import_module(step)
        except ImportError as exc:
            failed.add(step)
            _failed(store, report, step, f"{step}: not available ({exc})")
    for hook in list(AFTER_INGEST):
        step = _step_of(hook, steps)
        if step not in steps or step in failed:
            continue
        try:
            hook(store, report)
        except Exception as exc:  # noqa: BLE001 - reported to the user, batch stays committed
            failed.add(step)
            _failed(store, report, step, f"{getattr(hook, '__module__', 'hook')}: {type(exc).__name__}: {exc}")
    done = [s for s in steps if s not in failed]
    if done:
        with store.transaction() as con:
            con.execute("DELETE FROM pending_work WHERE batch_id = ? AND list_contains(?, step)",
                        [report.batch_id, done])


def _failed(store: Store, report: IngestReport, step: str, message: str) -> None:
    report.extra.setdefault("after_ingest_errors", []).append(message)
    with store.transaction() as con:
        con.execute("UPDATE pending_work SET attempts = attempts + 1, last_error = ? WHERE batch_id = ? AND step = ?",
                    [message[:2000], report.batch_id, step])
    print(f"warning: the cases were stored, but a follow-up step failed: {message}; {REPAIR_HINT}", file=sys.stderr)


def batch_report(con: duckdb.DuckDBPyConnection, batch_id: str) -> IngestReport:
    """The batch as its hooks need it: the cases whose current version it wrote, new or changed."""
    from caselink.ingest.pipeline import IngestReport

    rows = con.execute(
        "SELECT c.case_id, count(v.version) > 1 FROM cases c JOIN case_versions v USING (case_id) "
        "WHERE c.batch_id = ? GROUP BY c.case_id ORDER BY c.case_id", [batch_id]).fetchall()
    sources = con.execute("SELECT sources FROM ingest_batches WHERE batch_id = ?", [batch_id]).fetchall()
    new = [c for c, changed in rows if not changed]
    changed = [c for c, was in rows if was]
    files = list(sources[0][0]) if sources else []
    return IngestReport(batch_id, files, len(rows), len(new), len(changed), 0, 0, None, new, changed)


def complete(store: Store) -> list[dict[str, Any]]:
    """Run every step still owed, batch by batch (oldest first); what each batch got done."""
    owed = pending(store.con)
    if not owed:
        return []
    by_batch: dict[str, list[str]] = {}
    for p in owed:
        by_batch.setdefault(p.batch_id, []).append(p.step)
    print(f"completing {len(owed)} follow-up step(s) left pending by {len(by_batch)} earlier ingest(s)",
          file=sys.stderr)
    done = []
    for batch_id, steps in by_batch.items():
        report = batch_report(store.con, batch_id)
        if not report.new_ids and not report.changed_ids:  # every case since changed again or erased
            with store.transaction() as con:
                con.execute("DELETE FROM pending_work WHERE batch_id = ?", [batch_id])
        else:
            run_steps(store, report, steps)
        done.append({"batch_id": batch_id, "steps": steps, "cases": report.new + report.updated,
                     "results": {k: v for k, v in report.extra.items() if k != "seconds"}})
    return done
