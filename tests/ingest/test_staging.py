"""Staged blocks hold exactly the normalised values (columns are parsed back from the canonical JSON),
and the merge of staged files classifies new, changed and unchanged cases in one batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.corpus import valid_record

from caselink.ingest.readers import SourceRecord
from caselink.ingest.staging import open_spool, spill, spool_prefix, stage_block
from caselink.schema.validate import normalise
from caselink.store import Store
from caselink.store.cases import CASE_COLUMNS

NO_CONTROL = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf"))  # Cf: bidi controls are refused
FREE_TEXT = st.text(alphabet=st.one_of(NO_CONTROL, st.sampled_from("\n\t\r\"\\")), min_size=1, max_size=30)
PRINTABLE = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=15).filter(str.strip)


@st.composite
def clean_records(draw: st.DrawFn) -> dict[str, Any]:
    data = valid_record(draw(st.integers(0, 999)))
    data["lat"] = draw(st.floats(-90, 90))
    data["lon"] = draw(st.floats(-180, 180))
    if draw(st.booleans()):
        data["x"], data["y"] = draw(st.floats(allow_nan=False, allow_infinity=False)), draw(st.integers(-10**15, 10**15))
    data["narrative"] = draw(FREE_TEXT)
    data["area"] = draw(PRINTABLE)
    data["victim_tags"] = draw(st.lists(PRINTABLE, max_size=3))
    data["entities"] = draw(st.lists(st.fixed_dictionaries(
        {"kind": st.sampled_from(["person", "phone", "email"]), "role": st.sampled_from(["victim", "suspect"]),
         "value": PRINTABLE},
        optional={"name": PRINTABLE, "dob": st.dates(date(1800, 1, 1), date(2020, 12, 31)).map(date.isoformat)}),
        max_size=3))
    if draw(st.booleans()):
        data["x_extra"] = {"nested": [1, {"deep": draw(PRINTABLE)}]}
    return data


def _expected_rows(records: list[dict[str, Any]]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    cases, entities = [], []
    for line, data in enumerate(records, start=1):
        rec, problems = normalise(data, "s.jsonl", line)
        if rec is None:
            continue
        cases.append(tuple(rec.get(name) for name in CASE_COLUMNS) + ("s.jsonl", line))
        for e in rec.get("entities", ()):
            entities.append((rec["case_id"], e["kind"], e["role"], e["value"], e.get("name"), e.get("dob"), "s.jsonl", line))
    return cases, entities


@given(st.lists(clean_records(), min_size=1, max_size=6))
@settings(max_examples=150)
def test_staged_columns_are_the_normalised_values(records: list[dict[str, Any]]) -> None:
    for i, data in enumerate(records):
        data["case_id"] = f"C{i}"
    block = stage_block(SourceRecord("s.jsonl", line, data) for line, data in enumerate(records, start=1))
    expected_cases, expected_entities = _expected_rows(records)
    assert expected_cases, "every generated record is valid"
    assert block.cases is not None
    got = block.cases.select([*CASE_COLUMNS, "source", "line"]).to_pylist()
    assert [tuple(row.values()) for row in got] == expected_cases
    got_entities = [] if block.entities is None else [tuple(r.values()) for r in block.entities.to_pylist()]
    assert got_entities == expected_entities


def test_spilled_block_round_trips_through_parquet(tmp_path: Path) -> None:
    records = [valid_record(i, entities=[{"kind": "phone", "role": "reporter", "value": f"0770090{i:04d}"}])
               for i in range(30)]
    block = stage_block(SourceRecord("s.jsonl", i + 1, r) for i, r in enumerate(records))
    cases, entities = block.cases, block.entities
    spill(block, tmp_path)
    assert block.cases is None and block.entities is None and block.case_file and block.entity_file
    assert pq.read_table(block.case_file).equals(cases)
    assert pq.read_table(block.entity_file).equals(entities)


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _rows(store: Store, table: str, case_id: str) -> list[tuple[Any, ...]]:
    return sorted(store.con.execute(f"SELECT * FROM {table} WHERE case_id = ?", [case_id]).fetchall(), key=repr)


PHONE = [{"kind": "phone", "role": "reporter", "value": "07700900001"}]


def test_one_batch_with_new_changed_and_unchanged_cases(store: Store, tmp_path: Path) -> None:
    store.ingest([_write(tmp_path / "a.jsonl", [valid_record(1, entities=PHONE), valid_record(2)])], run_hooks=False)
    changed = valid_record(1, substances=["heroin"], circumstances=["posed"], entities=[])
    report = store.ingest([_write(tmp_path / "b.jsonl", [changed, valid_record(2), valid_record(3)])], run_hooks=False)
    assert (report.new, report.updated, report.unchanged) == (1, 1, 1)
    assert (report.new_ids, report.changed_ids) == (["C00003"], ["C00001"])
    versions = store.con.execute("SELECT case_id, version, valid_to IS NULL FROM case_versions ORDER BY ALL").fetchall()
    assert versions == [("C00001", 1, False), ("C00001", 2, True), ("C00002", 1, True), ("C00003", 1, True)]
    assert store.con.execute("SELECT case_id, version FROM cases ORDER BY case_id").fetchall() == [
        ("C00001", 2), ("C00002", 1), ("C00003", 1)]
    facts = {(f, v) for _, f, v in _rows(store, "case_facts", "C00001")}
    assert facts == {("substances", "heroin"), ("circumstances", "posed"), ("actions", "next_of_kin_informed")}
    assert _rows(store, "case_entities", "C00001") == []
    assert len(_rows(store, "case_facts", "C00002")) == len(valid_record(2)["substances"]) + len(
        valid_record(2)["circumstances"]) + len(valid_record(2)["actions"])


def test_new_cases_beside_unchanged_ones_start_at_version_one(store: Store, tmp_path: Path) -> None:
    store.ingest([_write(tmp_path / "a.jsonl", [valid_record(i) for i in range(3)])], run_hooks=False)
    report = store.ingest([_write(tmp_path / "b.jsonl", [valid_record(i) for i in range(6)])], run_hooks=False)
    assert (report.new, report.unchanged) == (3, 3)
    assert store.con.execute("SELECT DISTINCT version FROM cases").fetchall() == [(1,)]
    assert store.con.execute("SELECT count(*) FROM case_versions").fetchall() == [(6,)]
    report = store.ingest([_write(tmp_path / "c.jsonl", [valid_record(i) for i in range(6, 9)])], run_hooks=False)
    assert report.new == 3 and store.count() == 9


def test_skip_invalid_leaves_out_every_copy_of_a_conflicting_case(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from caselink.ingest import pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "CHUNK", 4)
    recs = [valid_record(i, entities=PHONE) for i in range(10)]
    recs.append(valid_record(2, victim_age=99, entities=PHONE))  # conflicts with line 3, in a later block
    recs.append(dict(recs[5]))                                     # identical copy of line 6
    rejects = tmp_path / "rejects.jsonl"
    report = store.ingest([_write(tmp_path / "c.jsonl", recs)], skip_invalid=rejects, run_hooks=False)
    assert report.new == 9 and report.rejected == 1
    assert "C00002" not in {r[0] for r in store.con.execute("SELECT case_id FROM cases").fetchall()}
    assert _rows(store, "case_entities", "C00002") == [] and _rows(store, "case_facts", "C00002") == []
    assert len(_rows(store, "case_entities", "C00005")) == 1
    assert len(_rows(store, "case_versions", "C00005")) == 1


def _my_spools(db: Path) -> set[Path]:
    return set(db.parent.glob(f"{spool_prefix(db)}{os.getpid()}-*"))


def test_spool_is_removed_after_success_and_after_failure(store: Store, db_path: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from caselink.errors import ValidationFailed
    from caselink.ingest import pipeline

    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    store.ingest([_write(tmp_path / "ok.jsonl", [valid_record(i) for i in range(5)])], run_hooks=False)
    assert _my_spools(db_path) == set()
    with pytest.raises(ValidationFailed):
        store.ingest([_write(tmp_path / "bad.jsonl", [valid_record(9, victim_age="old")])], run_hooks=False)
    assert _my_spools(db_path) == set()


def test_spools_of_killed_ingests_are_cleared_and_live_ones_kept(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    stale = Path(tempfile.mkdtemp(prefix=f"{spool_prefix(db)}{int(dead.stdout)}-", dir=tmp_path))
    (stale / "cases-x.parquet").write_bytes(b"left over")
    spool = open_spool(db)
    assert spool.parent == tmp_path and spool.name.startswith(f"{spool_prefix(db)}{os.getpid()}-")
    assert not stale.exists()
    open_spool(db)
    assert spool.is_dir()  # this process is alive: its spool stays


def test_store_in_a_folder_whose_name_looks_like_a_file_pattern(tmp_path: Path) -> None:
    folder = tmp_path / "cases[2] {x}*"
    folder.mkdir()
    with Store.open(folder / "s[1].duckdb", user="t") as s:
        report = s.ingest([_write(tmp_path / "c.jsonl", [valid_record(i, entities=PHONE) for i in range(4)])],
                          run_hooks=False)
        assert report.new == 4 and s.count() == 4
        assert s.con.execute("SELECT count(*) FROM case_entities").fetchall() == [(4,)]
    assert sorted(p.name for p in folder.iterdir()) == ["s[1].duckdb"]
    stale = folder / f"{spool_prefix(folder / 's[1].duckdb')}999999999-x"
    stale.mkdir()
    open_spool(folder / "s[1].duckdb").rmdir()
    assert not stale.exists()
