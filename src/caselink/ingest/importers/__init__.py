"""Importers map public datasets onto the case contract; each yields ``SourceRecord``s.

An importer is ``read(paths: list[Path]) -> Iterator[SourceRecord]``: raw dicts in the
contract's shape, validated by the same code as any other input. ``source`` is the original
file's name and ``line`` its CSV row (header = row 1), so a problem points into that file.

Importers are registered lazily: the CLI imports this package on every call, and an importer's
module is loaded only when its format is used.

A value an importer must translate (a code, a Yes/No, a year) and cannot is reported as a
problem naming the dataset's own column, e.g. ``shr.csv.gz:17: solved: 'Maybe' is not one of
Yes, No``. Values passed through unchanged (ages, coordinates, labels) are checked by the
contract's validation and named by the contract field.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from caselink.errors import InputError, Problem
from caselink.ingest.readers import SourceRecord, csv_header, read_csv

Importer = Callable[[list[Path]], Iterator[SourceRecord]]


def _lazy(module: str) -> Importer:
    def read(paths: list[Path]) -> Iterator[SourceRecord]:
        reader: Importer = importlib.import_module(module).read
        return reader(paths)

    read.__doc__ = f"Read with {module}.read (imported on first use)."
    return read


IMPORTERS: dict[str, Importer] = {
    "crimelinkage": _lazy("caselink.ingest.importers.crimelinkage"),
    "shr": _lazy("caselink.ingest.importers.shr"),
    "met-homicides": _lazy("caselink.ingest.importers.met_homicides"),
}


def expand_paths(paths: Iterable[Path], suffixes: tuple[str, ...], what: str) -> list[Path]:
    """Files named by ``paths``: a folder stands for its files ending in one of ``suffixes``.

    Raises InputError when a path does not exist or nothing matching is found.
    """
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(suffixes))
            if not found:
                raise InputError(f"{path}: has no {' or '.join(suffixes)} file of {what}")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    if not files:
        raise InputError(f"no files of {what} given")
    return list(dict.fromkeys(files))


def require_columns(path: Path, required: Iterable[str], what: str) -> list[str]:
    """The file's header; InputError naming the missing columns if it is not ``what``."""
    header = [h.strip() for h in csv_header(path)]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path}: is not {what}: missing column(s) {', '.join(missing)}")
    return header


def has_columns(path: Path, required: Iterable[str]) -> bool:
    header = {h.strip() for h in csv_header(path)}
    return all(c in header for c in required)


def lookup(row: Mapping[str, str], column: str, table: Mapping[str, Any],
           problems: list[tuple[str, str]]) -> Any:
    """``table[row[column]]``; an unknown value is recorded as a problem on ``column``."""
    value = row[column].strip()
    if value in table:
        return table[value]
    problems.append((column, f"{value!r} is not one of {', '.join(table)}"))
    return None


def mapped(raw: SourceRecord, data: dict[str, Any], problems: list[tuple[str, str]]) -> SourceRecord:
    """The record for ``raw``'s row: its mapped data, or its translation problems.

    A record has one problem slot, so several problems on one row are reported together.
    """
    if not problems:  # numbers are still the CSV's text: validated as CSV cells are
        return SourceRecord(raw.source, raw.line, data, from_csv=True)
    field = ", ".join(column for column, _ in problems)
    message = problems[0][1] if len(problems) == 1 else "; ".join(f"{c}: {m}" for c, m in problems)
    return SourceRecord(raw.source, raw.line, None, problem=Problem(raw.source, raw.line, field, message))


def map_rows(paths: list[Path], suffixes: tuple[str, ...], what: str, columns: Iterable[str],
             to_case: Callable[[SourceRecord, list[tuple[str, str]]], dict[str, Any]]) -> Iterator[SourceRecord]:
    """Each data row of each file as a mapped record: ``to_case(raw, problems)`` builds the case
    dict and appends any translation problems; rows that could not be read pass through."""
    for path in expand_paths(paths, suffixes, what):
        require_columns(path, columns, what)
        for raw in read_csv(path, check_header=False):
            if raw.data is None:
                yield raw
                continue
            problems: list[tuple[str, str]] = []
            data = to_case(raw, problems)
            yield mapped(raw, data, problems)


__all__ = ["IMPORTERS", "Importer", "expand_paths", "has_columns", "lookup", "map_rows", "mapped", "require_columns"]
