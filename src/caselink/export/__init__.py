"""Writing records out: JSON Lines, or CSV plus an entities CSV, with formula-safe cells.

A CSV cell that a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) is
prefixed with ``'``. Only numeric values (a record's numbers) are left as they are: text that
looks like a number, such as the phone ``+447700900555``, is prefixed too, so a spreadsheet keeps
it as text. caselink's CSV reader removes that prefix again, so export followed by ingest gives
back the same records.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import orjson

from caselink.schema.fields import CSV_LIST_SEPARATOR, ENTITY_CSV_COLUMNS, FIELDS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind != "entities")


def safe_cell(value: Any) -> str:
    """Text for a CSV cell that no spreadsheet will evaluate as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def unsafe_cell(text: str) -> str:
    """Undo ``safe_cell`` (used by the CSV reader)."""
    if len(text) >= 2 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def csv_columns(records: list[dict[str, Any]]) -> list[str]:
    extras = sorted({k for r in records for k in r if k.startswith("x_")})
    return list(CSV_COLUMNS) + extras


def record_to_csv_row(record: dict[str, Any], columns: list[str]) -> list[str]:
    row = []
    for col in columns:
        value = record.get(col)
        if isinstance(value, list):
            value = CSV_LIST_SEPARATOR.join(value)
        elif isinstance(value, dict):
            value = orjson.dumps(value).decode()
        row.append(safe_cell(value))
    return row


def _open_out(output: Path | None) -> IO[str]:
    if output is None:
        return sys.stdout
    return open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115


def write_jsonl(records: Iterable[dict[str, Any]], output: Path | None) -> int:
    n = 0
    handle = _open_out(output)
    try:
        for record in records:
            handle.write(orjson.dumps(record).decode() + "\n")
            n += 1
    finally:
        if output is not None:
            handle.close()
    return n


def entities_path(output: Path) -> Path:
    return output.with_name(output.stem + ".entities.csv")


def write_csv(records: Iterable[dict[str, Any]], output: Path | None) -> int:
    """Write cases (and, when ``output`` is a file, ``<stem>.entities.csv``); return the count."""
    items = list(records)
    columns = csv_columns(items)
    handle = _open_out(output)
    try:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for record in items:
            writer.writerow(record_to_csv_row(record, columns))
    finally:
        if output is not None:
            handle.close()
    with_entities = [r for r in items if r.get("entities")]
    if with_entities:
        if output is None:
            print(f"note: {len(with_entities)} cases have entities; use --output FILE to write them as "
                  "a second CSV", file=sys.stderr)
        else:
            with open(entities_path(output), "w", encoding="utf-8", newline="") as ehandle:
                writer = csv.writer(ehandle, lineterminator="\n")
                writer.writerow(ENTITY_CSV_COLUMNS)
                for record in with_entities:
                    for e in record["entities"]:
                        writer.writerow([safe_cell(record["case_id"])] + [safe_cell(e.get(k)) for k in ENTITY_CSV_COLUMNS[1:]])
    return len(items)
