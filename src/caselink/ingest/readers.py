"""Readers turn input files into raw records with their source and line, ready for validation.

A reader yields ``SourceRecord``: the file name, the 1-based line (JSON Lines) or row
(CSV: the header is row 1, so the first record is row 2, as a spreadsheet shows it), and the raw
values. Importers for other formats (``caselink.ingest.importers``) yield the same shape.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from caselink.errors import InputError, Problem
from caselink.export import unsafe_cell
from caselink.schema.fields import ENTITY_CSV_COLUMNS

csv.field_size_limit(10_000_000)


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One raw record and where it came from. ``data`` is None when the line could not be parsed."""

    source: str
    line: int
    data: dict[str, Any] | None
    from_csv: bool = False
    problem: Problem | None = None


def detect_format(path: Path) -> str:
    """Guess ``jsonl`` or ``csv`` from the file name."""
    name = path.name.lower()
    for suffix in (".gz",):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    raise InputError(f"{path}: cannot tell the format from the name; pass --format jsonl or --format csv")


def _open_text(path: Path) -> io.TextIOBase:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    if path.name.endswith(".gz"):
        import gzip

        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115


def parse_jsonl_line(source: str, line_no: int, line: str | bytes) -> SourceRecord | None:
    """One JSON Lines line as a record (None for a blank line); bad JSON becomes a problem."""
    if not line.strip():
        return None
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return SourceRecord(source, line_no, None, problem=Problem(source, line_no, "(line)", f"not valid JSON: {exc}"))
    if not isinstance(data, dict):
        return SourceRecord(source, line_no, None, problem=Problem(source, line_no, "(line)", "is not a JSON object"))
    return SourceRecord(source, line_no, data)


def read_jsonl(path: Path) -> Iterator[SourceRecord]:
    """Yield one record per non-blank line; a line that is not a JSON object becomes a problem."""
    source = path.name
    with _open_text(path) as handle:
        try:
            for line_no, line in enumerate(handle, start=1):
                record = parse_jsonl_line(source, line_no, line)
                if record is not None:
                    yield record
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def csv_header(path: Path) -> list[str]:
    with _open_text(path) as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            raise InputError(f"{path}: is empty (a CSV needs a header row)") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: is not UTF-8 text ({exc.reason})") from None


def is_entities_csv(path: Path) -> bool:
    """An entities file has the columns case_id,kind,role,value[,name,dob] and nothing else."""
    header = [h.strip() for h in csv_header(path)]
    return set(header) <= set(ENTITY_CSV_COLUMNS) and {"case_id", "kind", "role", "value"} <= set(header)


def read_csv(path: Path) -> Iterator[SourceRecord]:
    """Yield one record per data row; empty cells are missing values, lists are joined by '|'."""
    source = path.name
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: is empty (a CSV needs a header row)") from None
        header = [h.strip() for h in header]
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise InputError(f"{path}:1: header repeats column(s) {', '.join(dupes)}")
        width = len(header)
        try:
            for row_no, row in enumerate(reader, start=2):
                if not row or all(not cell.strip() for cell in row):
                    continue
                if len(row) != width:
                    yield SourceRecord(source, row_no, None, True, Problem(
                        source, row_no, "(row)", f"has {len(row)} cells; the header has {width}"))
                    continue
                yield SourceRecord(source, row_no, {h: unsafe_cell(c) for h, c in zip(header, row, strict=True)}, True)
        except csv.Error as exc:
            raise InputError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: is not UTF-8 text ({exc.reason})") from None
