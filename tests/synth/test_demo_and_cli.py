"""The bundled demo file (with its Barking-like series) and the ``caselink synth`` command."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.schema import validate_record
from caselink.store import Store
from caselink.synth.demo import DEMO_CASES, barking_case_ids, demo_path, demo_result


@pytest.fixture(scope="module")
def demo_records() -> list[dict[str, Any]]:
    with open(demo_path(), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    dy = (a["lat"] - b["lat"]) * 110.574
    dx = (a["lon"] - b["lon"]) * 111.32 * math.cos(math.radians(a["lat"]))
    return math.hypot(dx, dy)


def test_bundled_file_is_valid_small_and_current(demo_records: list[dict[str, Any]]) -> None:
    assert len(demo_records) == DEMO_CASES
    assert demo_path().stat().st_size < 2_000_000
    for i, rec in enumerate(demo_records, 1):
        assert validate_record(rec, "demo", i)[1] == []
    regenerated = list(demo_result().records)
    assert regenerated == demo_records, "generator changed: run python -m caselink.synth.demo"


def test_barking_like_series_is_in_the_demo(demo_records: list[dict[str, Any]]) -> None:
    by_id = {r["case_id"]: r for r in demo_records}
    series = [by_id[c] for c in barking_case_ids()]
    assert len(series) == 4
    for r in series:
        assert r["incident_type"] == "death" and r["classification"] == "non_suspicious"
        assert "ghb" in r["substances"] and r["victim_sex"] == "M" and 18 <= r["victim_age"] <= 30
        assert r["occurred_from"][:4] in ("2014", "2015") and not r.get("series_ids")
        assert "reporter_records_checked" not in r.get("actions", [])
    assert max(_km(a, b) for a in series for b in series) < 0.5
    assert sum("note_left" in r.get("circumstances", []) for r in series) == 1
    assert sum(r.get("place_type") == "churchyard" for r in series) >= 3
    first_caller = [e for e in series[0]["entities"] if e["role"] == "reporter" and e["kind"] == "person"]
    later_associate = [e for r in series[1:] for e in r["entities"] if e["role"] == "associate" and e["kind"] == "person"]
    assert first_caller[0]["value"] == "Tony Marsh" and later_associate[0]["value"] == "MARSH, Anthony"
    others = [r for r in demo_records if "ghb" in r.get("substances", []) and r["case_id"] not in barking_case_ids()]
    assert others, "GHB alone must not single out the series"


def test_demo_file_ingests_into_a_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "demo.duckdb", user="tester") as store:
        report = store.ingest([demo_path()], show_progress=False, run_hooks=False)
        assert report.to_dict()["new"] == DEMO_CASES
        assert store.count() == DEMO_CASES


def test_cli_writes_jsonl_and_truth(tmp_path: Path) -> None:
    out, truth = tmp_path / "cases.jsonl", tmp_path / "truth.json"
    result = CliRunner().invoke(main, ["synth", "--cases", "400", "--seed", "9", "--out", str(out),
                                       "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["cases"] == 400 and summary["series_cases"] > 50
    lines = out.read_text().splitlines()
    assert len(lines) == 400
    data = json.loads(truth.read_text())
    assert data["format"] == "caselink-synth-truth" and data["config"]["seed"] == 9
    ids = {json.loads(line)["case_id"] for line in lines}
    assert {c for o in data["offenders"].values() for c in o["case_ids"]} <= ids


def test_cli_csv_round_trips_through_ingest(tmp_path: Path) -> None:
    out = tmp_path / "cases.csv"
    result = CliRunner().invoke(main, ["synth", "--cases", "300", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "cases.entities.csv", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == ["case_id", "kind", "role", "value", "name", "dob"]
    with Store.open(tmp_path / "csv.duckdb", user="tester") as store:
        report = store.ingest([out], show_progress=False, run_hooks=False)
        assert report.to_dict()["new"] == 300


def test_cli_rejects_bad_settings_with_a_message() -> None:
    result = CliRunner().invoke(main, ["synth", "--cases", "-3", "--json"])
    assert result.exit_code != 0
    error = json.loads(result.stdout)
    assert error["error"] == "synth_error" and "--cases" in error["message"]


def test_cli_to_standard_output_keeps_records_and_summary_apart() -> None:
    result = CliRunner().invoke(main, ["synth", "--cases", "25", "--seed", "4", "--json"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 25 and all(json.loads(line)["case_id"].startswith("SY4-") for line in lines)
    assert json.loads(result.stderr)["cases"] == 25
