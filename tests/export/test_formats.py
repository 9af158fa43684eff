"""caselink export --where --format parquet|geojson|xlsx, and caselink links export for i2/Gephi."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from caselink import audit
from caselink.cli import main
from caselink.store import Store

RECORDS = [
    {"case_id": "A-1", "incident_type": "death", "occurred_from": "2014-03-01", "lat": 51.5, "lon": -0.1,
     "victim_age": 24, "substances": ["ghb"], "narrative": "=HYPERLINK(\"http://x\")",
     "entities": [{"kind": "phone", "role": "witness", "value": "+447700900555"}]},
    {"case_id": "A-2", "incident_type": "death", "occurred_from": "2015-06-01", "x": 530000.0, "y": 180000.0,
     "victim_age": 31},
    {"case_id": "B-1", "incident_type": "assault", "occurred_from": "2016-01-01", "lat": 51.4, "lon": -0.2},
]


@pytest.fixture
def filled(tmp_path: Path, db_path: Path) -> Path:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(orjson.dumps(r).decode() + "\n" for r in RECORDS), encoding="utf-8")
    with Store.open(db_path, user="t") as store:
        store.ingest([src], run_hooks=False)
        expl = orjson.dumps([{"feature": "prior", "value": None, "contribution": -3.0},
                             {"feature": "same_substance", "value": 1.0, "contribution": 2.5},
                             {"feature": "distance_km", "value": 0.4, "contribution": 1.25},
                             {"feature": "=cmd", "value": None, "contribution": 0.1}]).decode()
        store.con.execute("INSERT INTO links VALUES ('A-1', 'A-2', 0.9, 2.2, ?, 'm', '1', now()::TIMESTAMP), "
                          "('A-1', 'B-1', 0.2, -1.4, ?, 'm', '1', now()::TIMESTAMP)", [expl, expl])
    return db_path


def _run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _last_disclosure(db: Path) -> audit.AuditEntry:
    with Store.open(db, user="t") as store:
        return [e for e in audit.entries(store.con) if e.action == "disclosure"][-1]


def test_where_selects_and_the_disclosure_names_only_those(cli: CliRunner, filled: Path) -> None:
    out = _run(cli, "export", "--where", "incident_type = death and victim_age < 30", "--purpose", "op-x")
    assert [orjson.loads(line)["case_id"] for line in out.splitlines()] == ["A-1"]
    entry = _last_disclosure(filled)
    assert list(entry.case_ids) == ["A-1"] and entry.purpose == "op-x"
    assert entry.detail["where"].startswith("incident_type") and entry.detail["format"] == "jsonl"


def test_export_without_purpose_is_refused(cli: CliRunner, filled: Path) -> None:
    result = cli.invoke(main, ["export", "--format", "geojson"])
    assert result.exit_code == 4 and "purpose" in result.output


def test_parquet_keeps_types(cli: CliRunner, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.parquet"
    _run(cli, "export", "--format", "parquet", "-o", str(out), "--purpose", "p")
    table = pq.read_table(out)
    rows = {r["case_id"]: r for r in table.to_pylist()}
    assert rows["A-1"]["substances"] == ["ghb"] and rows["A-1"]["victim_age"] == 24
    assert rows["A-1"]["entities"][0]["value"] == "+447700900555"
    assert str(table.schema.field("lat").type) == "double" and rows["A-2"]["lat"] is None


def test_geojson_points_are_lon_lat_and_name_the_crs(cli: CliRunner, filled: Path) -> None:
    data = orjson.loads(_run(cli, "export", "--format", "geojson", "--purpose", "p"))
    assert data["type"] == "FeatureCollection"
    assert data["crs"]["properties"]["name"] == "urn:ogc:def:crs:OGC:1.3:CRS84"
    by_id = {f["id"]: f for f in data["features"]}
    assert by_id["A-1"]["geometry"] == {"type": "Point", "coordinates": [-0.1, 51.5]}
    assert by_id["A-2"]["geometry"] is None and by_id["A-2"]["properties"]["x"] == 530000.0


def test_xlsx_text_is_never_a_formula(cli: CliRunner, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "cases.xlsx"
    _run(cli, "export", "--format", "xlsx", "-o", str(out), "--purpose", "p")
    with zipfile.ZipFile(out) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        strings = book.read("xl/sharedStrings.xml").decode()
    assert len(sheets) == 2 and not any("<f>" in s for s in sheets)
    assert "=HYPERLINK" in strings and "+447700900555" in strings


def test_binary_format_to_stdout_is_refused(cli: CliRunner, filled: Path) -> None:
    result = cli.invoke(main, ["export", "--format", "parquet", "--purpose", "p"])
    assert result.exit_code != 0 and "--output" in result.output


def test_links_csv_has_gephi_columns_threshold_and_audit(cli: CliRunner, filled: Path) -> None:
    out = _run(cli, "links", "export", "--min-probability", "0.5", "--purpose", "chart")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["Source"], r["Target"], r["Type"]) for r in rows] == [("A-1", "A-2", "Undirected")]
    assert float(rows[0]["Weight"]) == 0.9
    assert rows[0]["top_evidence"].startswith("same_substance=1.0 +2.50; distance_km=0.4 +1.25")
    assert "prior" not in rows[0]["top_evidence"]
    entry = _last_disclosure(filled)
    assert entry.command == "links export" and list(entry.case_ids) == ["A-1", "A-2"] and entry.purpose == "chart"


def test_links_graphml_parses_with_nodes_edges_and_series(cli: CliRunner, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "links.graphml"
    _run(cli, "links", "export", "--format", "graphml", "--series", "-o", str(out), "--purpose", "p")
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.parse(out).getroot()
    nodes = root.findall(".//g:node", ns)
    edges = root.findall(".//g:edge", ns)
    assert {n.get("id") for n in nodes} == {"A-1", "A-2", "B-1"} and len(edges) == 2
    series = {n.get("id"): n.find("g:data[@key='series']", ns).text for n in nodes}
    assert series["A-1"] and series["A-1"] == series["A-2"]   # the 0.9 link makes a candidate series


def test_links_parquet(cli: CliRunner, filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "links.parquet"
    _run(cli, "links", "export", "--format", "parquet", "-o", str(out), "--purpose", "p")
    assert pq.read_table(out).column("probability").to_pylist() == [0.9, 0.2]
