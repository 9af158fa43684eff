"""People, phones and vehicles across cases (issue 8): normalisation (``normalise``), resolution of
mentions into entities (``resolve``, splink model in ``model``), the stored result and incremental
resolution on ingest (``stored``, ``hook``), evidence for linkage (``evidence``) and evaluation
against synthetic truth (``evaluate``).

Importing this package registers ``resolve_after_ingest`` in ``caselink.ingest.pipeline.AFTER_INGEST``
and the erasure hook. Heavy modules (pandas, splink) load only when resolution runs.
"""

from __future__ import annotations

from caselink.entities import erase as _erase  # noqa: F401  (registers the erasure hook)
from caselink.entities.hook import register, resolve_after_ingest

register()

__all__ = ["register", "resolve_after_ingest"]
