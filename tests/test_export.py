"""CSV exports: every text cell a spreadsheet would read as a formula or a number is prefixed,
entities included, and ingest reads the export back to the same records."""

from __future__ import annotations

import csv
from pathlib import Path

from caselink.export import entities_path, safe_cell, write_csv
from caselink.store import Store


def test_text_that_looks_like_a_number_or_formula_is_prefixed_numbers_are_not() -> None:
    assert safe_cell("+447700900555") == "'+447700900555"
    assert safe_cell("-12") == "'-12" and safe_cell("=1+1") == "'=1+1" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell(-0.12) == "-0.12" and safe_cell(23) == "23" and safe_cell("07700") == "07700"


def test_entities_csv_phone_is_formula_safe_and_round_trips(tmp_path: Path) -> None:
    record = {"case_id": "E-1", "incident_type": "death", "occurred_from": "2014-01-01", "lat": 51.5, "lon": -0.1,
              "narrative": "=HYPERLINK(\"x\")",
              "entities": [{"kind": "phone", "role": "witness", "value": "+447700900555"},
                           {"kind": "person", "role": "victim", "value": "-Ann", "name": "@Ann"}]}
    out = tmp_path / "out.csv"
    write_csv([record], out)
    rows = list(csv.reader(entities_path(out).open(encoding="utf-8")))
    assert ["E-1", "phone", "witness", "'+447700900555", "", ""] in rows
    assert ["E-1", "person", "victim", "'-Ann", "'@Ann", ""] in rows
    cases = list(csv.DictReader(out.open(encoding="utf-8")))
    assert cases[0]["lon"] == "-0.1" and cases[0]["narrative"].startswith("'=")
    with Store.open(tmp_path / "s.duckdb", user="t") as store:
        store.ingest([out, entities_path(out)], run_hooks=False)
        back = store.get_case("E-1", purpose="test").to_dict()
    assert back["narrative"] == record["narrative"] and back["lon"] == -0.1
    assert {e["value"] for e in back["entities"]} == {"+447700900555", "-Ann"}
