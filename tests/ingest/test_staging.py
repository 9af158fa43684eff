"""Staged blocks hold exactly the normalised values (columns are parsed back from the canonical JSON)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.corpus import valid_record

from caselink.ingest.readers import SourceRecord
from caselink.ingest.staging import spill, stage_block
from caselink.schema.validate import normalise
from caselink.store.cases import CASE_COLUMNS

NO_CONTROL = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
FREE_TEXT = st.text(alphabet=st.one_of(NO_CONTROL, st.sampled_from("\n\t\r\"\\")), min_size=1, max_size=30)
PRINTABLE = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=15)


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
        optional={"name": PRINTABLE, "dob": st.dates(date(1800, 1, 1), date(2200, 12, 31)).map(date.isoformat)}),
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
