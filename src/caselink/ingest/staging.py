"""Turning raw records into staged Arrow blocks: normalise, canonical JSON, content hash.

``stage_block`` is pure (no database, no global state), so it runs the same in the ingest
process or in worker processes; duplicates across blocks are resolved afterwards by ``Deduper``.
``spill`` writes a block's tables to Parquet files in a spool folder, so worker processes hand
back only keys and problems, and the merge reads the files directly (no staging copy).
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from caselink.errors import Problem
from caselink.ingest.readers import SourceRecord, parse_jsonl_line
from caselink.schema.fastpath import normalise_fast
from caselink.schema.fields import ENTITY_KEYS, FIELDS
from caselink.schema.record import Entity
from caselink.schema.validate import sort_entities
from caselink.store.cases import CASE_COLUMNS

_ARROW_TYPES = {"float": pa.float64(), "int": pa.int32(), "list": pa.list_(pa.string())}
CASE_SCHEMA = pa.schema(
    [pa.field(f.name, _ARROW_TYPES.get(f.kind, pa.string())) for f in FIELDS if f.kind != "entities"]
    + [pa.field("content_hash", pa.string()), pa.field("record", pa.string()),
       pa.field("source", pa.string()), pa.field("line", pa.int32())]
)
ENTITY_SCHEMA = pa.schema([pa.field(n, pa.string()) for n in ("case_id", "kind", "role", "value", "name", "dob", "source")]
                          + [pa.field("line", pa.int32())])
EntitiesByCase = dict[str, list[tuple[Entity, str, int]]]
_JSON_OPTIONS = pa_json.ParseOptions(
    explicit_schema=pa.schema(
        [CASE_SCHEMA.field(name) for name in CASE_COLUMNS]
        + [pa.field("entities", pa.list_(pa.struct([pa.field(key, pa.string()) for key in ENTITY_KEYS])))]),
    unexpected_field_behavior="ignore")


@dataclass
class Block:
    """One staged block: Arrow tables (or, once spilled, Parquet files) for valid records, their keys,
    and the problems found."""

    cases: pa.Table | None = None
    entities: pa.Table | None = None
    case_file: str | None = None
    entity_file: str | None = None
    # case_id, hash, source, line, and the id as written when normalising changed it (else "")
    keys: list[tuple[str, str, str, int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    records: int = 0


def stage_block(raws: Iterable[SourceRecord], entities_by_case: EntitiesByCase | None = None,
                keep_rejects: bool = False) -> Block:
    """Normalise raw records into Arrow columns; invalid ones become problems (and rejects)."""
    # A block makes many short-lived, acyclic objects; the cyclic collector would only rescan them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _stage(raws, entities_by_case, keep_rejects)
    finally:
        if collecting:
            gc.enable()


def _stage(raws: Iterable[SourceRecord], entities_by_case: EntitiesByCase | None, keep_rejects: bool) -> Block:
    block = Block()
    canonicals: list[bytes] = []
    hashes: list[str] = []
    sources: list[str] = []
    lines: list[int] = []
    for raw in raws:
        block.records += 1
        staged = _stage_one(raw, entities_by_case)
        if isinstance(staged, list):
            block.problems.extend(staged)
            if keep_rejects:
                block.rejects.append({"file": raw.source, "line": raw.line, "record": raw.data,
                                      "problems": [p.to_dict() for p in staged]})
            continue
        rec, canonical, digest = staged
        canonicals.append(canonical)
        hashes.append(digest)
        sources.append(raw.source)
        lines.append(raw.line)
        written = raw.data.get("case_id") if raw.data else None
        block.keys.append((rec["case_id"], digest, raw.source, raw.line,
                           written if isinstance(written, str) and written != rec["case_id"] else ""))
    if canonicals:
        block.cases, block.entities = _tables(canonicals, hashes, sources, lines)
    return block


def _tables(canonicals: list[bytes], hashes: list[str], sources: list[str],
            lines: list[int]) -> tuple[pa.Table, pa.Table | None]:
    """Case and entity columns, parsed from the canonical JSON by Arrow (far cheaper than
    building columns from Python values; the values are the same)."""
    data = b"\n".join(canonicals)
    parsed = pa_json.read_json(pa.BufferReader(data), parse_options=_JSON_OPTIONS,
                               read_options=pa_json.ReadOptions(use_threads=False, block_size=len(data) + 1))
    source = pa.array(sources, pa.string())
    line = pa.array(lines, pa.int32())
    cases = pa.Table.from_arrays(
        [parsed.column(name) for name in CASE_COLUMNS]
        + [pa.array(hashes, pa.string()), pa.array(canonicals, pa.binary()).cast(pa.string()), source, line],
        schema=CASE_SCHEMA)
    mentions = parsed.column("entities").combine_chunks()
    parents = pc.list_parent_indices(mentions)
    if len(parents) == 0:
        return cases, None
    fields = mentions.flatten().flatten()
    entities = pa.Table.from_arrays(
        [cases.column("case_id").take(parents), *fields, source.take(parents), line.take(parents)],
        schema=ENTITY_SCHEMA)
    return cases, entities


def _stage_one(raw: SourceRecord, entities_by_case: EntitiesByCase | None) -> tuple[dict[str, Any], bytes, str] | list[Problem]:
    if raw.data is None:
        return [raw.problem] if raw.problem else []
    if raw.from_csv and "entities" in raw.data:
        return [Problem(raw.source, raw.line, "entities",
                        "entities in CSV come as a second file with columns case_id,kind,role,value,name,dob")]
    rec, probs = normalise_fast(raw.data, raw.source, raw.line, from_csv=raw.from_csv)
    if rec is None:
        return probs
    extra = entities_by_case.get(rec["case_id"]) if entities_by_case else None
    if extra:
        merged = {Entity(**e) for e in rec.get("entities", ())} | {e for e, _, _ in extra}
        rec["entities"] = [e.to_dict() for e in sort_entities(merged)]
    canonical = orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)
    return rec, canonical, hashlib.sha256(canonical).hexdigest()


def stage_jsonl_lines(args: tuple[str, int, list[bytes], bool, str]) -> Block:
    """Worker entry point: parse and stage a block of JSON Lines (``first_line`` is 1-based) and
    spill it to the spool folder."""
    source, first_line, lines, keep_rejects, spool = args
    return spill(stage_block(_parse_lines(source, first_line, lines), None, keep_rejects), Path(spool))


def spill(block: Block, spool: Path) -> Block:
    """Write the block's tables to uncompressed Parquet files in ``spool`` (cheap to write and to scan)."""
    name = uuid.uuid4().hex
    if block.cases is not None:
        block.case_file = str(spool / f"cases-{name}.parquet")
        pq.write_table(block.cases, block.case_file, compression="none")
        block.cases = None
    if block.entities is not None:
        block.entity_file = str(spool / f"entities-{name}.parquet")
        pq.write_table(block.entities, block.entity_file, compression="none")
        block.entities = None
    return block


def spool_prefix(db_path: Path) -> str:
    """Spool folders of a store sit beside its file (same disk as the store, never a RAM-backed /tmp);
    their names keep only plain characters, so they never read as a file pattern."""
    return "." + re.sub(r"[^A-Za-z0-9_.-]", "_", db_path.name) + ".ingest-"


def open_spool(db_path: Path) -> Path:
    """A fresh spool folder for one ingest into the store at ``db_path``; folders left by ingests
    that were killed are removed."""
    folder, prefix = db_path.resolve().parent, spool_prefix(db_path)
    for old in folder.glob(f"{prefix}*"):
        pid = old.name.removeprefix(prefix).partition("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=folder))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _parse_lines(source: str, first_line: int, lines: list[bytes]) -> Iterable[SourceRecord]:
    for offset, line in enumerate(lines):
        record = parse_jsonl_line(source, first_line + offset, line)
        if record is not None:
            yield record


def jsonl_blocks(path: Path, block_lines: int, keep_rejects: bool,
                 spool: Path) -> Iterable[tuple[str, int, list[bytes], bool, str]]:
    """Split a JSON Lines file into (source, first line, lines, keep_rejects, spool) tasks for workers."""
    with open(path, "rb") as handle:
        first = 1
        while True:
            lines = list(itertools.islice(handle, block_lines))
            if not lines:
                break
            if first == 1 and lines[0].startswith(b"\xef\xbb\xbf"):
                lines[0] = lines[0][3:]
            yield (path.name, first, lines, keep_rejects, str(spool))
            first += len(lines)


class Deduper:
    """Finds the same case twice in one input: identical copies are dropped, differing ones are errors."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[str, str, int, str]] = {}
        self.conflicted: set[str] = set()
        self.drop: list[tuple[str, int]] = []

    def feed(self, keys: list[tuple[str, str, str, int, str]]) -> list[Problem]:
        problems: list[Problem] = []
        seen = self.seen
        for case_id, digest, source, line, written in keys:
            previous = seen.get(case_id)
            if previous is None:
                seen[case_id] = (digest, source, line, written)
                continue
            self.drop.append((source, line))
            if previous[3] != written:
                self.conflicted.add(case_id)
                problems.append(Problem(source, line, "case_id", f"{written or case_id!r} is another spelling "
                                        f"(Unicode form or spaces) of {previous[3] or case_id!r} at "
                                        f"{previous[1]}:{previous[2]}; write one id one way"))
            elif previous[0] != digest:
                self.conflicted.add(case_id)
                problems.append(Problem(source, line, "case_id",
                                        f"{case_id!r} appears again with different content (first at {previous[1]}:{previous[2]})"))
        return problems
