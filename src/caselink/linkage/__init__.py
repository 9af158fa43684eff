"""Linkage: score candidate pairs into ``links``, similar cases, series, and alerts on ingest.

Importing this package registers ``link_after_ingest`` in ``caselink.ingest.pipeline.AFTER_INGEST``
so that every ingest (unless ``run_hooks=False`` / ``--no-link``) links the new cases and
raises alerts. The heavy modules (pandas, the model) load only when linkage runs.
"""

from __future__ import annotations

from caselink.linkage.hook import link_after_ingest, register

register()

__all__ = ["link_after_ingest", "register"]
