"""The ingest hook: link newly ingested cases against the store and raise linkage alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caselink.ingest.pipeline import IngestReport
    from caselink.store.store import Store


def link_after_ingest(store: Store, report: IngestReport) -> None:
    """Run an incremental ``link`` after a batch that added or changed cases."""
    if not report.new_ids and not report.changed_ids:
        return
    from caselink.linkage.link import link

    try:
        from caselink.compare import CaseTable, compare_pairs  # noqa: F401
        from caselink.model import default_model  # noqa: F401
    except ImportError as exc:  # a partial install: say so in the report, never fail the ingest
        report.extra["linkage"] = f"not run: the scoring modules are not available ({exc}); run caselink link later"
        return
    result = link(store, command="ingest link")
    report.extra["linkage"] = (f"{result.linked_cases} case(s) linked: {result.stored_links} link(s) stored, "
                               f"{result.alerts} alert(s) raised (see: caselink alerts)")


def register() -> None:
    """Add the hook to ``AFTER_INGEST`` once."""
    from caselink.ingest.pipeline import AFTER_INGEST

    if link_after_ingest not in AFTER_INGEST:
        AFTER_INGEST.append(link_after_ingest)
