"""The case store: an embedded DuckDB file with versioned schema and audited access."""

from __future__ import annotations

from caselink.store.connection import DEFAULT_DB, resolve_db_path, resolve_user
from caselink.store.store import Store, on_erase, require_purpose

__all__ = ["DEFAULT_DB", "Store", "on_erase", "require_purpose", "resolve_db_path", "resolve_user"]
