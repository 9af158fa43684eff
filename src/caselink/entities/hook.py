"""The ingest hook: resolve the new cases' entity mentions before linkage scores them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caselink.ingest.pipeline import IngestReport
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
