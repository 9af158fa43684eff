"""Readers turn input files into raw records with their source and line, ready for validation.

A reader yields ``SourceRecord``: the file name, the 1-based line (JSON Lines) or row
(CSV: the header is row 1, so the first record is row 2, as a spreadsheet shows it), and the raw
values. Importers for other formats (``caselink.ingest.importers``) yield the same shape.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from caselink.errors import InputError, Problem
from caselink.export import unsafe_cell
from caselink.schema.fields import ENTITY_CSV_COLUMNS, EXTRA_PREFIX, FIELD_NAMES, REQUIRED_FIELDS
from caselink.schema.validate import MAX_RECORD_BYTES

csv.field_size_limit(64 * 1024 * 1024)  # larger cells reach validation, which names the field and its limit
_KEY = re.compile(rb'"\s*:')  # at least one per key; more than the parsed keys: a duplicate key, or a string holding '":'


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


def parse_jsonl_line(source: str, line_no: int, line: str | bytes) -> SourceRecord | None:
    """One JSON Lines line as a record (None for a blank line); bad JSON becomes a problem that
    names the field where it can (a number JSON cannot hold, a key given twice)."""
    if not line.strip():
        return None
    raw = line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return _bad_line(source, line_no, raw, exc)
    if not isinstance(data, dict):
        return SourceRecord(source, line_no, None, problem=Problem(source, line_no, "(line)", "is not a JSON object"))
    if len(raw) > MAX_RECORD_BYTES:
        return _problem(source, line_no, "(record)", f"is {len(raw):,} bytes; the limit is {MAX_RECORD_BYTES:,} per "
                        f"record (largest field: {max(data, key=lambda k: len(orjson.dumps(data[k])))})")
    if len(_KEY.findall(raw)) > _keys(data):
        field = _repeated_key(raw)
        if field is not None:
            return _problem(source, line_no, _top_field(field), "is given twice in one JSON object (which one is meant?)")
    return SourceRecord(source, line_no, data)


def _problem(source: str, line_no: int, field: str, message: str) -> SourceRecord:
    return SourceRecord(source, line_no, None, problem=Problem(source, line_no, field, message))


def _keys(value: Any) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_keys(v) for v in value.values() if isinstance(v, dict | list))
    if isinstance(value, list):
        return sum(_keys(v) for v in value if isinstance(v, dict | list))
    return 0


class _Found(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(field)
        self.field, self.message = field, message


def _pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, value in items:
        if key in seen:
            raise _Found(key, "is given twice in one JSON object (which one is meant?)")
        seen.add(key)
        if isinstance(value, _NotFinite):
            raise _Found(key, f"{value.text} is not a finite number JSON can hold")
    return dict(items)


class _NotFinite:
    def __init__(self, text: str) -> None:
        self.text = text


def _float(text: str) -> Any:
    number = float(text)
    return number if math.isfinite(number) else _NotFinite(text)


def _strict(raw: bytes) -> Any:
    """The standard library's parser, run only on lines orjson refused or that may repeat a key:
    it reports the key of a repeated name or of NaN/Infinity/1e400."""
    return json.loads(raw, object_pairs_hook=_pairs, parse_constant=_NotFinite, parse_float=_float)


def _repeated_key(raw: bytes) -> str | None:
    try:
        _strict(raw)
    except _Found as found:
        return found.field
    except ValueError:
        return None
    return None


def _bad_line(source: str, line_no: int, raw: bytes, exc: Exception) -> SourceRecord:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return _problem(source, line_no, "(line)", f"is not valid UTF-8 text ({bad.reason} at byte {bad.start} "
                        "of the line); save the file as UTF-8")
    try:
        _strict(raw)
    except _Found as found:
        return _problem(source, line_no, _top_field(found.field), found.message)
    except (ValueError, RecursionError):
        pass
    return _problem(source, line_no, "(line)", f"not valid JSON: {exc}")


def _top_field(key: str) -> str:
    """A key inside an entity object is reported on ``entities``, the field the user wrote."""
    return "entities" if key in ENTITY_CSV_COLUMNS and key not in FIELD_NAMES else key


def _open_bytes(path: Path) -> io.BufferedIOBase:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    if path.name.endswith(".gz"):
        import gzip

        return gzip.open(path, "rb")
    return open(path, "rb")  # noqa: SIM115


_UTF16 = (b"\xff\xfe", b"\xfe\xff")


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based line, bytes) of a text file; a UTF-8 byte-order mark is dropped, UTF-16 refused."""
    with _open_bytes(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line_no == 1:
                if line.startswith(_UTF16):
                    raise InputError(f"{path}:1: is UTF-16 text; save it as UTF-8")
                line = line.removeprefix(b"\xef\xbb\xbf")
            yield line_no, line


def read_jsonl(path: Path) -> Iterator[SourceRecord]:
    """Yield one record per non-blank line; a line that is not a JSON object (or not UTF-8)
    becomes a problem on that line; a file without a record is one problem on line 1."""
    source, found = path.name, False
    for line_no, line in _lines(path):
        record = parse_jsonl_line(source, line_no, line)
        if record is not None:
            found = True
            yield record
    if not found:
        yield _problem(source, 1, "(file)", "holds no records (it is empty)")


def csv_header(path: Path) -> list[str]:
    try:
        return next(csv.reader(_decoded(path, [1])))
    except StopIteration:
        raise InputError(f"{path}: is empty (a CSV needs a header row)") from None
    except csv.Error as exc:
        raise InputError(f"{path}:1: not valid CSV: {exc}") from None


def is_entities_csv(path: Path) -> bool:
    """An entities file has the columns case_id,kind,role,value[,name,dob] and nothing else."""
    header = [h.strip() for h in csv_header(path)]
    return set(header) <= set(ENTITY_CSV_COLUMNS) and {"case_id", "kind", "role", "value"} <= set(header)


def _decoded(path: Path, where: list[int]) -> Iterator[str]:
    """The file's lines as text for ``csv.reader``; ``where[0]`` is the physical line being read."""
    for line_no, line in _lines(path):
        where[0] = line_no
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}:{line_no}: is not valid UTF-8 text ({exc.reason} at byte {exc.start} "
                             "of the line); save the file as UTF-8") from None


def header_problems(source: str, header: list[str]) -> list[Problem]:
    """What is wrong with a case CSV's header, reported at row 1 (and not again on every row)."""
    problems = [Problem(source, 1, h or f"(column {i + 1})", "unknown column (extra columns must be prefixed 'x_')"
                        if h else "has no name") for i, h in enumerate(header)
                if not (h in FIELD_NAMES or (h.startswith(EXTRA_PREFIX) and len(h) > len(EXTRA_PREFIX)))]
    problems += [Problem(source, 1, name, "column is required but missing from the header")
                 for name in REQUIRED_FIELDS if name not in header]
    return problems


def read_csv(path: Path, *, check_header: bool = True) -> Iterator[SourceRecord]:
    """Yield one record per data row; empty cells are missing values, lists are joined by '|'.
    Header problems (``check_header``: a case file's) come once, at row 1; a file without data
    rows is a problem at row 1."""
    source, where = path.name, [1]
    reader = csv.reader(_decoded(path, where))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: is empty (a CSV needs a header row)") from None
    except csv.Error as exc:
        raise InputError(f"{path}:1: not valid CSV: {exc}") from None
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InputError(f"{path}:1: header repeats column(s) {', '.join(dupes)}")
    bad = header_problems(source, header) if check_header else []
    for problem in bad:
        yield SourceRecord(source, 1, None, True, problem)
    if bad:
        return
    width, found = len(header), False
    try:
        for row_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            found = True
            if len(row) != width:
                yield SourceRecord(source, row_no, None, True, Problem(
                    source, row_no, "(row)", f"has {len(row)} cells; the header has {width}"))
                continue
            yield SourceRecord(source, row_no, {h: unsafe_cell(c) for h, c in zip(header, row, strict=True)}, True)
    except csv.Error as exc:
        raise InputError(f"{path}:{where[0]}: not valid CSV: {exc}") from None
    if not found:
        yield SourceRecord(source, 1, None, True, Problem(source, 1, "(file)", "has a header but no data rows"))
