"""Whole-file input problems (issue 20, points 4 and 5): bad encodings name the line, CSV header
problems are reported at row 1, empty inputs write nothing, two spellings of one id are refused,
and a huge cell is reported on its field. Nothing is written in any of these cases."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest
from tests.corpus import valid_record

from caselink.errors import InputError, ValidationFailed
from caselink.store import Store


def _batches(store: Store) -> int:
    return int(store.con.execute("SELECT count(*) FROM ingest_batches").fetchall()[0][0])


def _jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _line(i: int, **overrides: object) -> bytes:
    return json.dumps(valid_record(i, **overrides)).encode()


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _problems(store: Store, path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(ValidationFailed) as info:
        store.ingest([path], run_hooks=False)
    assert _batches(store) == 0 and store.count() == 0
    return [(p.line, p.field, p.message) for p in info.value.problems]


def test_invalid_utf8_names_its_line(store: Store, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "a.jsonl", [_line(1), _line(2), b'{"case_id": "B\xff1"}', _line(4)])
    ((line, field, message),) = _problems(store, path)
    assert (line, field) == (3, "(line)") and "not valid UTF-8" in message


def test_utf16_is_refused_at_line_one(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(_line(1).decode().encode("utf-16"))
    with pytest.raises(InputError, match=r"a.jsonl:1: is UTF-16"):
        store.ingest([path], run_hooks=False)
    assert _batches(store) == 0


def test_invalid_utf8_in_csv_names_its_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"case_id,incident_type,occurred_from\nA1,death,2014-01-01\nA\xe92,death,2014-01-01\n")
    with pytest.raises(InputError, match=r"a.csv:3: is not valid UTF-8"):
        store.ingest([path], run_hooks=False)


def test_csv_header_problems_are_at_row_one_once(store: Store, tmp_path: Path) -> None:
    rows = [[f"A{i}", "death", "2014-01-01", "x"] for i in range(5)]
    path = _csv(tmp_path / "a.csv", ["case_id", "incident_type", "occurred_from", "colour"], rows)
    assert _problems(store, path) == [(1, "colour", "unknown column (extra columns must be prefixed 'x_')")]
    path = _csv(tmp_path / "b.csv", ["case_id", "occurred_from"], [["A1", "2014-01-01"]])
    assert _problems(store, path) == [(1, "incident_type", "column is required but missing from the header")]


def test_csv_cells_are_text_so_numbers_in_them_are_read(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", ["case_id", "incident_type", "occurred_from", "victim_age", "lat", "lon"],
                [["A1", "death", "2014-01-01", "23", "51.5", "0.1"]])
    store.ingest([path], run_hooks=False)
    assert store.con.execute("SELECT victim_age, lat FROM cases").fetchall() == [(23, 51.5)]
    path = _csv(tmp_path / "b.csv", ["case_id", "incident_type", "occurred_from"], [["A2", "Death", "2014-01-01"]])
    with pytest.raises(ValidationFailed, match="did you mean death"):
        store.ingest([path], run_hooks=False)


@pytest.mark.parametrize(("name", "content"), [
    ("empty.jsonl", b""), ("blank.jsonl", b"\n  \n\n"), ("bom.jsonl", b"\xef\xbb\xbf"),
    ("header.csv", b"case_id,incident_type,occurred_from\n"), ("header-blank.csv", b"case_id,incident_type,occurred_from\n,,\n"),
])
def test_empty_inputs_write_nothing(store: Store, tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises((ValidationFailed, InputError)) as info:
        store.ingest([path], run_hooks=False)
    assert "empty" in str(info.value) or "no data rows" in str(info.value) or "no records" in str(info.value)
    assert _batches(store) == 0 and store.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == 0


def test_empty_inputs_write_nothing_with_skip_invalid_too(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(ValidationFailed):
        store.ingest([path], run_hooks=False, skip_invalid=tmp_path / "rejects.jsonl")
    assert _batches(store) == 0


def test_two_unicode_forms_of_one_id_in_a_file_are_refused(store: Store, tmp_path: Path) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "CAFÉ-1"), unicodedata.normalize("NFD", "CAFÉ-1")
    assert nfc != nfd
    path = _jsonl(tmp_path / "a.jsonl", [_line(1, case_id=nfc), _line(1, case_id=nfd)])
    problems = _problems(store, path)
    assert [(line, field) for line, field, _ in problems] == [(2, "case_id")] and "another spelling" in problems[0][2]
    # One form alone is fine, and stored as NFC: the identity is the normalised id.
    store.ingest([_jsonl(tmp_path / "b.jsonl", [_line(1, case_id=nfd)])], run_hooks=False)
    assert store.con.execute("SELECT case_id FROM cases").fetchall() == [(nfc,)]


def test_a_huge_csv_cell_is_reported_on_its_field(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "a.csv", ["case_id", "incident_type", "occurred_from", "narrative"],
                [["A1", "death", "2014-01-01", "x" * 11_000_000]])
    ((line, field, message),) = _problems(store, path)
    assert (line, field) == (2, "narrative") and "11000000 characters long; the limit is 100000" in message


def test_a_huge_json_record_is_refused_naming_its_largest_field(store: Store, tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "a.jsonl", [_line(1, x_blob="y" * 1_100_000)])
    ((line, field, message),) = _problems(store, path)
    assert (line, field) == (1, "(record)") and "largest field: x_blob" in message
