"""Tamper-evident audit log of every read and write of case data."""

from __future__ import annotations

from caselink.audit.log import (
    ACTIONS,
    ALL_CASES,
    AuditEntry,
    VerifyResult,
    append,
    entries,
    require_verified,
    verify,
)

__all__ = ["ACTIONS", "ALL_CASES", "AuditEntry", "VerifyResult", "append", "entries", "require_verified", "verify"]
