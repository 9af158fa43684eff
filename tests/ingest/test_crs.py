"""ingest --crs EPSG:27700: planar x/y kept, WGS84 lat/lon computed for linkage, CRS kept for export."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.store import Store

pytest.importorskip("pyproj", reason="the crs extra (pyproj) is not installed")

# Trafalgar Square in British National Grid (OS): about 51.5080 N, 0.1281 W.
RECORDS = [
    {"case_id": "BNG-1", "incident_type": "death", "occurred_from": "2014-01-01", "x": 530000.0, "y": 180500.0},
    {"case_id": "BNG-2", "incident_type": "death", "occurred_from": "2014-02-01", "x": 530010.0, "y": 180500.0,
     "lat": 50.0, "lon": -1.0},
    {"case_id": "NOXY", "incident_type": "death", "occurred_from": "2014-03-01"},
]


def _write(tmp_path: Path, suffix: str = ".jsonl") -> Path:
    path = tmp_path / f"bng{suffix}"
    path.write_text("".join(orjson.dumps(r).decode() + "\n" for r in RECORDS), encoding="utf-8")
    return path


def test_bng_gains_wgs84_and_keeps_x_y_and_crs(cli: CliRunner, tmp_path: Path, db_path: Path) -> None:
    result = cli.invoke(main, ["ingest", str(_write(tmp_path)), "--crs", "EPSG:27700", "--no-link"])
    assert result.exit_code == 0, result.output
    with Store.open(db_path, user="t") as store:
        one = store.get_case("BNG-1", purpose="t").to_dict()
        two = store.get_case("BNG-2", purpose="t").to_dict()
        bare = store.get_case("NOXY", purpose="t").to_dict()
        lat, lon = store.con.execute("SELECT lat, lon FROM cases WHERE case_id = 'BNG-1'").fetchone()
    assert one["lat"] == pytest.approx(51.5080, abs=0.001) and one["lon"] == pytest.approx(-0.1281, abs=0.001)
    assert (lat, lon) == (one["lat"], one["lon"])             # the column linkage reads
    assert one["x"] == 530000.0 and one["x_crs"] == "EPSG:27700"
    assert (two["lat"], two["lon"]) == (50.0, -1.0)             # its own lat/lon are kept
    assert "x_crs" not in bare and bare.get("lat") is None
    geo = orjson.loads(cli.invoke(main, ["export", "--format", "geojson", "--purpose", "t"]).stdout)
    assert geo["planar_crs"] == "EPSG:27700"
    feature = next(f for f in geo["features"] if f["id"] == "BNG-1")
    assert feature["geometry"]["coordinates"] == [one["lon"], one["lat"]]
    assert feature["properties"]["x"] == 530000.0


def test_a_geographic_or_unknown_crs_is_refused(cli: CliRunner, tmp_path: Path) -> None:
    path = _write(tmp_path)
    for crs, words in (("EPSG:4326", "not a projected"), ("EPSG:99999999", "not a coordinate reference system")):
        result = cli.invoke(main, ["ingest", str(path), "--crs", crs, "--no-link"])
        assert result.exit_code != 0 and words in result.output, result.output
