"""The hooks: resolve the entity mentions of new cases (before linkage scores them) and of new intel
reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caselink.ingest.pipeline import IngestReport
    from caselink.intel.reports import Report
    from caselink.store.store import Store


def resolve_after_ingest(store: Store, report: IngestReport) -> None:
    """Resolve mentions of new and changed cases; the figures go in ``report.extra["entities"]``."""
    cases = [*report.new_ids, *report.changed_ids]
    if not cases:
        return
    from caselink.entities.stored import resolve_cases

    stats = resolve_cases(store, cases)
    report.extra["entities"] = (f"{stats.get('mentions', 0)} mention(s) resolved, "
                                f"{stats.get('alerts', 0)} entity alert(s) (see: caselink alerts)")


def register() -> None:
    """Add the hook to ``AFTER_INGEST`` once, ahead of linkage so it sees resolved entities."""
    from caselink.ingest.pipeline import AFTER_INGEST

    if resolve_after_ingest not in AFTER_INGEST:
        AFTER_INGEST.insert(0, resolve_after_ingest)


def resolve_after_intel(store: Store, reports: Sequence[Report]) -> dict[str, Any] | None:
    """Resolve the mentions of newly recorded intel reports (``caselink.intel.after_add``)."""
    ids = [r.report_id for r in reports if r.mentions]
    if not ids:
        return None
    from caselink.entities.stored import resolve_reports

    return resolve_reports(store, ids)
