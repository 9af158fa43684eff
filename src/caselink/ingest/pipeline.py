"""Ingest: read files, validate every record, then write one batch atomically with its audit rows.

The whole input is validated before anything is visible: records stream into temporary staging
tables inside one transaction, and the transaction commits only when every record passed (or,
with ``skip_invalid``, after the rejects are set aside). A crash at any moment leaves the store
with all of the batch or none of it. Re-ingesting an identical record changes nothing; a
changed record becomes a new version, the old one kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from caselink import audit, progress
from caselink.errors import InputError, Problem, ValidationFailed
from caselink.ingest.readers import (
    SourceRecord,
    detect_format,
    is_entities_csv,
    read_csv,
    read_jsonl,
)
from caselink.schema.fields import FIELDS
from caselink.schema.record import Entity
from caselink.schema.validate import normalise, sort_entities, validate_entity_row
from caselink.store.cases import (
    CASE_COLUMNS,
    STAGING,
    STAGING_ENTITIES,
    create_staging,
    drop_staging,
    merge_staging,
)

if TYPE_CHECKING:
    from caselink.store.store import Store

CHUNK = 20_000
_ARROW_TYPES = {"float": pa.float64(), "int": pa.int32(), "list": pa.list_(pa.string())}
CASE_SCHEMA = pa.schema(
    [pa.field(f.name, _ARROW_TYPES.get(f.kind, pa.string())) for f in FIELDS if f.kind != "entities"]
    + [pa.field("content_hash", pa.string()), pa.field("record", pa.string()),
       pa.field("source", pa.string()), pa.field("line", pa.int32())]
)
ENTITY_SCHEMA = pa.schema([pa.field(n, pa.string()) for n in ("case_id", "kind", "role", "value", "name", "dob")])


@dataclass
class IngestReport:
    """What one ingest did. ``new_ids``/``changed_ids`` let later stages (linkage, alerts) act on them."""

    batch_id: str
    files: list[str]
    records: int
    new: int
    updated: int
    unchanged: int
    rejected: int
    rejects_path: str | None = None
    new_ids: list[str] = field(default_factory=list, repr=False)
    changed_ids: list[str] = field(default_factory=list, repr=False)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self, with_ids: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in dataclasses.asdict(self).items() if k not in ("new_ids", "changed_ids")}
        if with_ids:
            out["new_ids"], out["changed_ids"] = self.new_ids, self.changed_ids
        return out


# Functions run after a batch commits, e.g. linkage of the new cases and alerts. A module that
# registers one (by appending to AFTER_INGEST at import) is listed in AFTER_INGEST_MODULES.
AFTER_INGEST: list[Callable[[Store, IngestReport], None]] = []
AFTER_INGEST_MODULES: list[str] = ["caselink.linkage"]


def _importer(fmt: str) -> Callable[[list[Path]], Iterator[SourceRecord]] | None:
    from caselink.ingest.importers import IMPORTERS

    return IMPORTERS.get(fmt)


def _sources(paths: list[Path], fmt: str | None) -> tuple[list[Iterable[SourceRecord]], list[Path]]:
    """Split the inputs into record streams and CSV entity files."""
    if fmt is not None and fmt not in ("jsonl", "csv"):
        importer = _importer(fmt)
        if importer is None:
            from caselink.ingest.importers import IMPORTERS

            raise InputError(f"unknown format {fmt!r}; choose from jsonl, csv, {', '.join(sorted(IMPORTERS))}")
        return [importer(paths)], []
    streams: list[Iterable[SourceRecord]] = []
    entity_files: list[Path] = []
    for path in paths:
        kind = fmt or detect_format(path)
        if kind == "csv" and is_entities_csv(path):
            entity_files.append(path)
        elif kind == "csv":
            streams.append(read_csv(path))
        else:
            streams.append(read_jsonl(path))
    if not streams:
        raise InputError("no case files given (only entity files)")
    return streams, entity_files


def _read_entity_files(files: list[Path], problems: list[Problem]) -> dict[str, list[tuple[Entity, str, int]]]:
    by_case: dict[str, list[tuple[Entity, str, int]]] = {}
    for path in files:
        for rec in read_csv(path):
            if rec.data is None:
                problems.append(rec.problem)  # type: ignore[arg-type]
                continue
            case_id, entity, probs = validate_entity_row(rec.data, rec.source, rec.line)
            problems.extend(probs)
            if entity is not None and case_id is not None:
                by_case.setdefault(case_id, []).append((entity, rec.source, rec.line))
    return by_case


class _Chunk:
    """Column buffers for one Arrow chunk of staged records."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {n: [] for n in CASE_SCHEMA.names}
        self.entities: dict[str, list[Any]] = {n: [] for n in ENTITY_SCHEMA.names}
        self.size = 0

    def add(self, rec: dict[str, Any], digest: str, canonical: bytes, source: str, line: int) -> None:
        cols = self.cols
        get = rec.get
        for name in CASE_COLUMNS:
            cols[name].append(get(name))
        cols["content_hash"].append(digest)
        cols["record"].append(canonical.decode())
        cols["source"].append(source)
        cols["line"].append(line)
        entities = get("entities")
        if entities:
            ecols = self.entities
            for e in entities:
                ecols["case_id"].append(rec["case_id"])
                for key in ("kind", "role", "value", "name", "dob"):
                    ecols[key].append(e.get(key))
        self.size += 1

    def flush(self, con: Any) -> None:
        if self.size == 0:
            return
        table = pa.table(self.cols, schema=CASE_SCHEMA)
        con.register("_chunk", table)
        con.execute(f"INSERT INTO {STAGING} SELECT * FROM _chunk")
        con.unregister("_chunk")
        if self.entities["case_id"]:
            etable = pa.table(self.entities, schema=ENTITY_SCHEMA)
            con.register("_echunk", etable)
            con.execute(f"INSERT INTO {STAGING_ENTITIES} SELECT * FROM _echunk")
            con.unregister("_echunk")
        self.__init__()  # type: ignore[misc]


def ingest(
    store: Store, paths: list[Path], *, fmt: str | None = None, skip_invalid: Path | None = None,
    show_progress: bool | None = None, command: str = "ingest", run_hooks: bool = True,
) -> IngestReport:
    """Validate ``paths`` and load them as one atomic, audited batch. See the module docstring."""
    problems: list[Problem] = []
    streams, entity_files = _sources(paths, fmt)
    entities_by_case = _read_entity_files(entity_files, problems)
    seen: dict[str, tuple[str, str, int]] = {}  # case_id -> (hash, source, line)
    conflicted: set[str] = set()
    rejects: list[dict[str, Any]] = []
    records = 0
    batch_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    started = datetime.now(UTC).replace(tzinfo=None)
    con = store.con
    rejects_tmp: Path | None = None
    con.execute("BEGIN TRANSACTION")
    try:
        create_staging(con)
        chunk = _Chunk()
        with progress.bar("validating", None, show=show_progress) as bar:
            for stream in streams:
                for raw in stream:
                    records += 1
                    rec_problems = _stage_one(raw, entities_by_case, seen, conflicted, chunk)
                    if rec_problems:
                        problems.extend(rec_problems)
                        if skip_invalid is not None:
                            rejects.append({"file": raw.source, "line": raw.line, "record": raw.data,
                                            "problems": [p.to_dict() for p in rec_problems]})
                    if chunk.size >= CHUNK:
                        chunk.flush(con)
                        bar.advance(CHUNK)
            chunk.flush(con)
        for case_id, items in entities_by_case.items():
            if case_id not in seen:
                for _, source, line in items:
                    problems.append(Problem(source, line, "case_id", f"{case_id!r} is not a case in this ingest's case files"))
        if problems and skip_invalid is None:
            raise ValidationFailed(problems, records)
        if conflicted:
            con.execute(f"DELETE FROM {STAGING} WHERE list_contains(?, case_id)", [sorted(conflicted)])
            con.execute(f"DELETE FROM {STAGING_ENTITIES} WHERE list_contains(?, case_id)", [sorted(conflicted)])
        merged = merge_staging(con, batch_id)
        _audit_batch(store, merged, batch_id, paths, command)
        n_rejected = len(rejects)
        con.execute(
            "INSERT INTO ingest_batches VALUES (?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?)",
            [batch_id, started, store.user, [str(p) for p in paths], len(merged.new_ids),
             len(merged.changed_ids), merged.unchanged, n_rejected])
        drop_staging(con)
        rejects_tmp = _write_rejects_tmp(skip_invalid, rejects) if skip_invalid is not None else None
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        if rejects_tmp is not None:
            rejects_tmp.unlink(missing_ok=True)
        raise
    if rejects_tmp is not None and skip_invalid is not None:
        os.replace(rejects_tmp, skip_invalid)
    report = IngestReport(
        batch_id, [str(p) for p in paths], records, len(merged.new_ids), len(merged.changed_ids),
        merged.unchanged, n_rejected, str(skip_invalid) if skip_invalid is not None else None,
        merged.new_ids, merged.changed_ids)
    if run_hooks and (report.new_ids or report.changed_ids):
        _run_after_ingest(store, report)
    return report


def _run_after_ingest(store: Store, report: IngestReport) -> None:
    """Run later stages on the new cases. The batch is already committed, so a failure here is
    reported (``report.extra["after_ingest_errors"]``) and never turns the ingest into an error."""
    import importlib
    import sys

    for name in AFTER_INGEST_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            report.extra.setdefault("after_ingest_errors", []).append(f"{name}: not available ({exc})")
    for hook in AFTER_INGEST:
        try:
            hook(store, report)
        except Exception as exc:  # noqa: BLE001 - reported to the user, batch stays committed
            message = f"{getattr(hook, '__module__', 'hook')}: {type(exc).__name__}: {exc}"
            report.extra.setdefault("after_ingest_errors", []).append(message)
            print(f"warning: the cases were stored, but a follow-up step failed: {message}", file=sys.stderr)


def _stage_one(
    raw: SourceRecord, entities_by_case: dict[str, list[tuple[Entity, str, int]]],
    seen: dict[str, tuple[str, str, int]], conflicted: set[str], chunk: _Chunk,
) -> list[Problem]:
    if raw.data is None:
        return [raw.problem] if raw.problem else []
    if raw.from_csv and "entities" in raw.data:
        return [Problem(raw.source, raw.line, "entities",
                        "entities in CSV come as a second file with columns case_id,kind,role,value,name,dob")]
    rec, probs = normalise(raw.data, raw.source, raw.line, from_csv=raw.from_csv)
    if rec is None:
        return probs
    case_id = rec["case_id"]
    extra = entities_by_case.get(case_id)
    if extra:
        merged = {Entity(**e) for e in rec.get("entities", ())} | {e for e, _, _ in extra}
        rec["entities"] = [e.to_dict() for e in sort_entities(merged)]
    canonical = orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(canonical).hexdigest()
    previous = seen.get(case_id)
    if previous is not None:
        if previous[0] == digest:
            return []  # the same record twice in one input: idempotent
        conflicted.add(case_id)
        return [Problem(raw.source, raw.line, "case_id",
                        f"{case_id!r} appears again with different content (first at {previous[1]}:{previous[2]})")]
    seen[case_id] = (digest, raw.source, raw.line)
    chunk.add(rec, digest, canonical, raw.source, raw.line)
    return []


def _audit_batch(store: Store, merged: Any, batch_id: str, paths: list[Path], command: str) -> None:
    files = [str(p) for p in paths]
    if merged.new_ids:
        audit.append(store.con, user=store.user, action="collection", command=command, case_ids=merged.new_ids,
                     detail={"batch_id": batch_id, "files": files, "cases": len(merged.new_ids)})
    if merged.changed_ids:
        audit.append(store.con, user=store.user, action="alteration", command=command, case_ids=merged.changed_ids,
                     detail={"batch_id": batch_id, "files": files, "cases": len(merged.changed_ids)})
    if not merged.new_ids and not merged.changed_ids:
        audit.append(store.con, user=store.user, action="collection", command=command, case_ids=[],
                     detail={"batch_id": batch_id, "files": files, "cases": 0, "unchanged": merged.unchanged})


def _write_rejects_tmp(path: Path, rejects: list[dict[str, Any]]) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        for item in rejects:
            handle.write(orjson.dumps(item) + b"\n")
    return tmp


__all__ = ["AFTER_INGEST", "IngestReport", "ingest"]
