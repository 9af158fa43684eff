"""The Store: one object over the embedded database, with every read and write audited.

Example:
    >>> store = Store.open("caselink.duckdb", user="analyst1")
    >>> store.ingest(["cases.jsonl"])            # doctest: +SKIP
    >>> store.get_case("MPS-2014-001", purpose="OP-ROSE review")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import orjson

from caselink import audit
from caselink.errors import NotFound, PurposeRequired
from caselink.schema.fields import INCIDENT_TYPES
from caselink.schema.record import CaseRecord
from caselink.store.connection import open_connection, resolve_db_path, resolve_user

if TYPE_CHECKING:
    import pandas as pd

    from caselink.ingest.pipeline import IngestReport


def require_purpose(purpose: str | None, what: str) -> str:
    """Refuse a read of case detail that states no purpose (it goes on the audit log)."""
    if purpose is None or not purpose.strip():
        raise PurposeRequired(
            f"{what} needs a purpose for the audit log: pass --purpose \"...\" "
            "(e.g. an investigation reference) or set CASELINK_PURPOSE"
        )
    return purpose.strip()


class Store:
    """A case store: DuckDB file plus audit log. Use ``Store.open`` and close it (or use ``with``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, user: str) -> None:
        self.con = con
        self.path = path
        self.user = user

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, user: str | None = None, read_only: bool = False
    ) -> Store:
        resolved = resolve_db_path(path)
        return cls(open_connection(resolved, read_only=read_only), resolved, resolve_user(user))

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and audit ------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing block: commit on success, roll back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def audit(
        self, action: str, command: str, case_ids: Sequence[str] = (), purpose: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> audit.AuditEntry:
        """Append an audit row in its own transaction (use ``audit.append`` inside a transaction)."""
        with self.transaction() as con:
            return audit.append(con, user=self.user, action=action, command=command,
                                case_ids=case_ids, purpose=purpose, detail=detail)

    # -- writes ----------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | os.PathLike[str]], **options: Any) -> IngestReport:
        """Validate and load files; see ``caselink.ingest.pipeline.ingest`` for options."""
        from caselink.ingest.pipeline import ingest

        return ingest(self, [Path(p) for p in paths], **options)

    def erase(self, case_ids: Sequence[str], reason: str, command: str = "erase") -> int:
        """Delete cases and all their versions; the audit row keeps ids and counts, never content."""
        reason = require_purpose(reason, "erasure")
        ids = list(dict.fromkeys(case_ids))
        with self.transaction() as con:
            found = [r[0] for r in con.execute(
                "SELECT case_id FROM cases WHERE list_contains(?, case_id)", [ids]).fetchall()]
            missing = sorted(set(ids) - set(found))
            if missing:
                raise NotFound(f"no such case(s): {', '.join(missing[:10])}")
            versions = con.execute(
                "SELECT count(*) FROM case_versions WHERE list_contains(?, case_id)", [ids]).fetchall()[0][0]
            for table in ("cases", "case_versions", "case_facts", "case_entities"):
                con.execute(f"DELETE FROM {table} WHERE list_contains(?, case_id)", [ids])
            _load_erase_hooks()
            for hook in _ERASE_HOOKS:
                hook(con, ids)
            audit.append(con, user=self.user, action="erasure", command=command, case_ids=ids,
                         purpose=reason, detail={"cases": len(ids), "versions": int(versions)})
        return len(ids)

    # -- reads -----------------------------------------------------------------------------
    def get_case(self, case_id: str, *, purpose: str | None, command: str = "show") -> CaseRecord:
        """One case's current record; audited as a consultation."""
        purpose = require_purpose(purpose, "reading a case")
        rows = self.con.execute("SELECT record FROM cases WHERE case_id = ?", [case_id]).fetchall()
        if not rows:
            self.audit("consultation", command, [case_id], purpose, {"found": False})
            raise NotFound(f"no case {case_id!r} in {self.path}")
        self.audit("consultation", command, [case_id], purpose)
        return CaseRecord.from_dict(orjson.loads(rows[0][0]))

    def get_cases(self, case_ids: Sequence[str], *, purpose: str | None, command: str) -> list[CaseRecord]:
        """Several cases' current records, in the order asked; missing ids are left out."""
        purpose = require_purpose(purpose, "reading cases")
        rows = dict(self.con.execute(
            "SELECT case_id, record FROM cases WHERE list_contains(?, case_id)", [list(case_ids)]).fetchall())
        found = [c for c in case_ids if c in rows]
        self.audit("consultation", command, found, purpose)
        return [CaseRecord.from_dict(orjson.loads(rows[c])) for c in found]

    def history(self, case_id: str, *, purpose: str | None, command: str = "history") -> list[dict[str, Any]]:
        """Every version of a case, oldest first, each with its record and validity interval."""
        purpose = require_purpose(purpose, "reading a case's history")
        rows = self.con.execute(
            "SELECT version, content_hash, record, valid_from, valid_to, batch_id, source "
            "FROM case_versions WHERE case_id = ? ORDER BY version", [case_id]).fetchall()
        self.audit("consultation", command, [case_id], purpose, {"versions": len(rows)})
        if not rows:
            raise NotFound(f"no case {case_id!r} in {self.path}")
        return [
            {"version": v, "content_hash": h, "record": orjson.loads(r), "valid_from": vf.isoformat(),
             "valid_to": vt.isoformat() if vt else None, "batch_id": b, "source": s}
            for v, h, r, vf, vt, b, s in rows
        ]

    def iter_records(
        self, *, purpose: str | None, command: str = "export", action: str = "disclosure",
        batch_size: int = 10_000, where: str = "TRUE", params: Sequence[Any] = (),
        detail: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stream the current records (canonical dicts) matching ``where`` (SQL built by caselink
        code, e.g. ``caselink.filters.compile_filter``; values in ``params``) in case_id order;
        audited up front with the ids disclosed."""
        purpose = require_purpose(purpose, "exporting cases")
        ids = [r[0] for r in self.con.execute(
            f"SELECT case_id FROM cases WHERE {where} ORDER BY case_id", list(params)).fetchall()]
        self.audit(action, command, ids, purpose, {"cases": len(ids), **(detail or {})})
        cur = self.con.cursor()
        cur.execute(f"SELECT record FROM cases WHERE {where} ORDER BY case_id", list(params))
        while True:
            chunk = cur.fetchmany(batch_size)
            if not chunk:
                break
            for (text,) in chunk:
                yield orjson.loads(text)

    def frame(
        self, columns: Sequence[str], *, where: str = "TRUE", params: Sequence[Any] = (),
        purpose: str | None, command: str, action: str = "consultation", audit_ids: bool = True,
    ) -> pd.DataFrame:
        """Columns of the ``cases`` table as a pandas DataFrame for analysis stages.

        ``where`` is SQL built by caselink code only (never user text): pass user values in
        ``params``. The read is audited with the ids it returned; a read of the whole store is
        audited as such (``scope``: ``audit.ALL_CASES``, no id list), because listing every id of
        a large store in each link run would add megabytes to the log per run.
        ``audit.entries(case_id=...)`` still finds it for every case that was in the store then.
        """
        purpose = require_purpose(purpose, "reading cases")
        cols = list(dict.fromkeys(["case_id", *columns]))
        df = self.con.execute(
            f"SELECT {', '.join(cols)} FROM cases WHERE {where} ORDER BY case_id", list(params)).df()
        detail: dict[str, Any] = {"rows": len(df), "columns": cols}
        whole = where.strip().upper() == "TRUE"
        if whole:
            detail["scope"] = audit.ALL_CASES
        ids = df["case_id"].tolist() if audit_ids and not whole else []
        self.audit(action, command, ids, purpose, detail)
        return df

    def count(self) -> int:
        return int(self.con.execute("SELECT count(*) FROM cases").fetchall()[0][0])

    def stats(self, command: str = "stats") -> dict[str, Any]:
        """Counts only (no case detail): total, by incident type, with location, versions, audit rows."""
        con = self.con
        by_type = dict(con.execute(
            "SELECT incident_type, count(*) FROM cases GROUP BY 1 ORDER BY 1").fetchall())
        (total, with_latlon, with_xy, with_series, t_min, t_max) = con.execute(
            "SELECT count(*), count(lat), count(x), count(*) FILTER (WHERE len(series_ids) > 0), "
            "min(t_from), max(t_to) FROM cases").fetchall()[0]
        versions = con.execute("SELECT count(*) FROM case_versions").fetchall()[0][0]
        entities = con.execute("SELECT count(*) FROM case_entities").fetchall()[0][0]
        series, series_one = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE n = 1) FROM "
            "(SELECT s, count(*) AS n FROM (SELECT unnest(series_ids) AS s FROM cases) GROUP BY s)").fetchall()[0]
        result: dict[str, Any] = {
            "cases": int(total),
            "by_incident_type": {t: int(by_type.get(t, 0)) for t in INCIDENT_TYPES if by_type.get(t)},
            "with_lat_lon": int(with_latlon),
            "with_x_y": int(with_xy),
            "with_series": int(with_series),
            "series": int(series),                       # every distinct series id
            "series_with_2_or_more_cases": int(series - series_one),
            "series_ids_with_one_case": int(series_one),
            "entities": int(entities),
            "versions": int(versions),
            "earliest": t_min.isoformat() if t_min else None,
            "latest": t_max.isoformat() if t_max else None,
            "db": str(self.path),
        }
        from caselink.ingest.pending import summary

        result["pending"] = summary(con)  # follow-up steps of an ingest that did not finish
        self.audit("consultation", command, [], None, {"aggregate": True})
        result["audit_rows"] = int(con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0])
        return result


# Later stages that keep per-case rows (links, alerts, intel links) register a function with
# ``@on_erase`` in their module, and list that module here, so that erasure removes their rows
# in the same transaction.
ERASE_HOOK_MODULES: list[str] = ["caselink.alerts", "caselink.intel", "caselink.entities", "caselink.linkage.context",
                                   "caselink.linkage.adapted"]
_ERASE_HOOKS: list[Any] = []


def _load_erase_hooks() -> None:
    import importlib

    for name in ERASE_HOOK_MODULES:
        importlib.import_module(name)


def on_erase(hook: Any) -> Any:
    """Decorator: ``hook(con, case_ids)`` runs inside every erasure transaction."""
    _ERASE_HOOKS.append(hook)
    return hook
