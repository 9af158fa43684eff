"""Ingest: readers for JSON Lines and CSV, importers for public datasets, the atomic load."""

from __future__ import annotations

from caselink.ingest.pipeline import AFTER_INGEST, IngestReport, ingest
from caselink.ingest.readers import SourceRecord

__all__ = ["AFTER_INGEST", "IngestReport", "SourceRecord", "ingest"]
