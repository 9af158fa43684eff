"""Ingest: read files, validate every record, then write one batch atomically with its audit rows.

The whole input is validated before anything is visible: records are staged block by block
into Parquet files in a private spool folder, the merge reads them inside one transaction, and
the transaction commits only when every record passed (or, with ``skip_invalid``, after the
rejects are set aside). A crash at any moment leaves the store
with all of the batch or none of it. Re-ingesting an identical record changes nothing; a
changed record becomes a new version, the old one kept.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from caselink import audit, progress
from caselink.errors import InputError, Problem, ValidationFailed
from caselink.ingest.readers import (
    SourceRecord,
    detect_format,
    is_entities_csv,
    read_csv,
    read_jsonl,
)
from caselink.ingest.staging import (
    Block,
    Deduper,
    EntitiesByCase,
    jsonl_blocks,
    open_spool,
    spill,
    stage_block,
    stage_jsonl_lines,
)
from caselink.schema.validate import validate_entity_row
from caselink.store.cases import drop_staging, merge_staging, stage_files

if TYPE_CHECKING:
    from caselink.store.store import Store

CHUNK = 20_000
PARALLEL_MIN_BYTES = 32 * 1024 * 1024  # JSON Lines input larger than this is staged by worker processes


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
AFTER_INGEST_MODULES: list[str] = ["caselink.entities", "caselink.linkage"]


def _importer(fmt: str) -> Callable[[list[Path]], Iterator[SourceRecord]] | None:
    from caselink.ingest.importers import IMPORTERS

    return IMPORTERS.get(fmt)


def _sources(paths: list[Path], fmt: str | None,
             crs: str | None = None) -> tuple[list[Iterable[SourceRecord] | Path], list[Path]]:
    """Split the inputs into record streams (or JSON Lines paths, for worker staging) and CSV entity
    files; with ``crs`` every stream passes through ``caselink.ingest.crs.with_wgs84``."""
    if crs is not None:
        from caselink.ingest.crs import planar_transform, with_wgs84

        name, transform = planar_transform(crs)
        plain, entities = _sources(paths, fmt)
        return [with_wgs84(read_jsonl(s) if isinstance(s, Path) else s, name, transform)
                for s in plain], entities
    if fmt is not None and fmt not in ("jsonl", "csv"):
        importer = _importer(fmt)
        if importer is None:
            from caselink.ingest.importers import IMPORTERS

            raise InputError(f"unknown format {fmt!r}; choose from jsonl, csv, {', '.join(sorted(IMPORTERS))}")
        return [importer(paths)], []
    streams: list[Iterable[SourceRecord] | Path] = []
    entity_files: list[Path] = []
    for path in paths:
        kind = fmt or detect_format(path)
        if kind == "csv" and is_entities_csv(path):
            entity_files.append(path)
        elif kind == "csv":
            streams.append(read_csv(path))
        elif path.exists() and path.is_file() and not path.name.endswith(".gz") and path.stat().st_size >= PARALLEL_MIN_BYTES:
            streams.append(path)
        else:
            streams.append(read_jsonl(path))
    if not streams:
        raise InputError("no case files given (only entity files)")
    return streams, entity_files


def _workers() -> int:
    env = os.environ.get("CASELINK_WORKERS")
    if env:
        if not env.isdigit() or int(env) < 1:
            raise InputError(f"CASELINK_WORKERS={env!r} must be a whole number >= 1")
        return int(env)
    return max(1, min(4, os.cpu_count() or 1))


def _blocks(streams: list[Iterable[SourceRecord] | Path], entities_by_case: EntitiesByCase,
            keep_rejects: bool, spool: Path) -> Iterator[Block]:
    """Staged (spilled) blocks from every input, in input order; big JSON Lines files use worker processes."""
    pool = None
    try:
        for stream in streams:
            if isinstance(stream, Path):
                workers = _workers()
                if workers > 1 and pool is None:
                    import multiprocessing

                    pool = multiprocessing.get_context("spawn").Pool(workers)
                tasks = jsonl_blocks(stream, CHUNK, keep_rejects, spool)
                if pool is None:
                    yield from map(stage_jsonl_lines, tasks)
                else:
                    yield from _bounded_imap(pool, tasks, in_flight=2 * workers)
                continue
            iterator = iter(stream)
            while True:
                chunk = list(itertools.islice(iterator, CHUNK))
                if not chunk:
                    break
                yield spill(stage_block(chunk, entities_by_case, keep_rejects), spool)
    finally:
        if pool is not None:
            pool.terminate()


def _bounded_imap(pool: Any, tasks: Iterable[Any], in_flight: int) -> Iterator[Block]:
    """Like ``pool.imap`` in order, but with at most ``in_flight`` blocks queued, so memory stays
    flat when workers are faster than the database insert."""
    from collections import deque

    pending: deque[Any] = deque()
    for task in tasks:
        pending.append(pool.apply_async(stage_jsonl_lines, (task,)))
        if len(pending) >= in_flight:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _read_entity_files(files: list[Path], problems: list[Problem]) -> EntitiesByCase:
    by_case: EntitiesByCase = {}
    for path in files:
        for rec in read_csv(path, check_header=False):
            if rec.data is None:
                problems.append(rec.problem)  # type: ignore[arg-type]
                continue
            case_id, entity, probs = validate_entity_row(rec.data, rec.source, rec.line)
            problems.extend(probs)
            if entity is not None and case_id is not None:
                by_case.setdefault(case_id, []).append((entity, rec.source, rec.line))
    return by_case


def ingest(
    store: Store, paths: list[Path], *, fmt: str | None = None, skip_invalid: Path | None = None,
    show_progress: bool | None = None, command: str = "ingest", run_hooks: bool = True,
    crs: str | None = None,
) -> IngestReport:
    """Validate ``paths`` and load them as one atomic, audited batch. See the module docstring.

    ``crs`` declares the projected system of the records' x/y (``caselink.ingest.crs``).

    With ``run_hooks``, follow-up steps an earlier ingest left pending are completed first, and
    this batch's steps are recorded as pending in its transaction (``caselink.ingest.pending``).
    """
    from caselink.ingest import pending

    completed = pending.complete(store) if run_hooks else []
    steps = pending.installed_steps() if run_hooks else []
    problems: list[Problem] = []
    streams, entity_files = _sources(paths, fmt, crs)
    entities_by_case = _read_entity_files(entity_files, problems)
    dedupe = Deduper()
    rejects: list[dict[str, Any]] = []
    records = 0
    keep_rejects = skip_invalid is not None
    batch_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    started = datetime.now(UTC).replace(tzinfo=None)
    phases = _Phases()
    con = store.con
    rejects_tmp: Path | None = None
    spool = open_spool(Path(store.path))
    staged_cases: list[str] = []
    staged_entities: list[str] = []
    con.execute("BEGIN TRANSACTION")
    try:
        with progress.bar("validating", None, show=show_progress) as bar:
            for block in _blocks(streams, entities_by_case, keep_rejects, spool):
                records += block.records
                staged_cases.extend([block.case_file] if block.case_file else [])
                staged_entities.extend([block.entity_file] if block.entity_file else [])
                _collect_problems(block, dedupe, problems, rejects if keep_rejects else None)
                bar.advance(block.records)
        for case_id, items in entities_by_case.items():
            if case_id not in dedupe.seen:
                for _, source, line in items:
                    problems.append(Problem(source, line, "case_id", f"{case_id!r} is not a case in this ingest's case files"))
        if problems and (skip_invalid is None or not dedupe.seen):
            raise ValidationFailed(problems, records)
        if not dedupe.seen:
            raise InputError(f"no records in {', '.join(str(p) for p in paths)}: nothing to ingest")
        stage_files(con, staged_cases, staged_entities, dedupe.drop, sorted(dedupe.conflicted))
        phases.mark("validate_and_stage")
        merged = merge_staging(con, batch_id)
        _audit_batch(store, merged, batch_id, paths, command)
        n_rejected = len(rejects)
        con.execute(
            "INSERT INTO ingest_batches VALUES (?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?)",
            [batch_id, started, store.user, [str(p) for p in paths], len(merged.new_ids),
             len(merged.changed_ids), merged.unchanged, n_rejected])
        if merged.new_ids or merged.changed_ids:
            pending.record(con, batch_id, steps)
        drop_staging(con)
        rejects_tmp = _write_rejects_tmp(skip_invalid, rejects) if skip_invalid is not None else None
        phases.mark("merge")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        if rejects_tmp is not None:
            rejects_tmp.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(spool, ignore_errors=True)
    if rejects_tmp is not None and skip_invalid is not None:
        os.replace(rejects_tmp, skip_invalid)
    report = IngestReport(
        batch_id, [str(p) for p in paths], records, len(merged.new_ids), len(merged.changed_ids),
        merged.unchanged, n_rejected, str(skip_invalid) if skip_invalid is not None else None,
        merged.new_ids, merged.changed_ids)
    phases.mark("commit")
    report.extra["seconds"] = {**phases.wall(), "merge_steps": merged.seconds}
    report.extra["cpu_seconds"] = phases.cpu()
    if completed:
        report.extra["completed_pending"] = completed
    if run_hooks and (report.new_ids or report.changed_ids):
        pending.run_steps(store, report, steps)
    return report


def _collect_problems(block: Block, dedupe: Deduper, problems: list[Problem],
                      rejects: list[dict[str, Any]] | None) -> None:
    """Gather a block's problems and those of cases repeated across blocks (and, with
    ``--skip-invalid``, their rejects)."""
    problems.extend(block.problems)
    dup_problems = dedupe.feed(block.keys)
    problems.extend(dup_problems)
    if rejects is not None:
        rejects.extend(block.rejects)
        rejects.extend({"file": p.source, "line": p.line, "problems": [p.to_dict()]} for p in dup_problems)


class _Phases:
    """Wall and CPU seconds per ingest phase. CPU is this process and its database threads;
    worker processes are not included (the benchmark adds them from ``RUSAGE_CHILDREN``)."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float, float]] = [("start", time.perf_counter(), time.process_time())]

    def mark(self, name: str) -> None:
        self.marks.append((name, time.perf_counter(), time.process_time()))

    def wall(self) -> dict[str, float]:
        return {name: round(t - before[1], 2) for before, (name, t, _) in zip(self.marks, self.marks[1:], strict=False)}

    def cpu(self) -> dict[str, float]:
        return {name: round(c - before[2], 2) for before, (name, _, c) in zip(self.marks, self.marks[1:], strict=False)}


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
