"""Case exports beyond JSON Lines and CSV: Parquet (DuckDB, pandas, GeoPandas), GeoJSON (QGIS,
ArcGIS) and XLSX (spreadsheets), chosen by ``write_cases(fmt, ...)``.

* Parquet keeps the contract's types: lists as ``list<string>``, entities as a list of structs,
  times as ISO text exactly as in the record, ``x_`` extras as text columns.
* GeoJSON is a FeatureCollection of the cases' WGS84 points (``lon, lat`` order, RFC 7946) with
  every other field as a property; the collection names its CRS (``crs`` member, OGC CRS84, which
  QGIS reads) and, when cases were ingested with ``--crs``, the planar system of their ``x``/``y``
  (``planar_crs``). A case without lat/lon has a null geometry and keeps its x/y as properties.
* XLSX writes every text cell as a string, never as a formula, so ``=HYPERLINK(...)`` in a
  narrative stays text; numbers are numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from caselink.errors import ConfigError
from caselink.export import CSV_COLUMNS, csv_columns, write_csv, write_jsonl
from caselink.schema.fields import CSV_LIST_SEPARATOR, ENTITY_KEYS, FIELD_BY_NAME

CASE_FORMATS = ("jsonl", "csv", "parquet", "geojson", "xlsx")
BINARY_FORMATS = ("parquet", "xlsx")


def write_cases(fmt: str, records: Iterable[dict[str, Any]], output: Path | None) -> int:
    """Write ``records`` in ``fmt`` to ``output`` (standard output for text formats); return the count."""
    if fmt == "jsonl":
        return write_jsonl(records, output)
    if fmt == "csv":
        return write_csv(records, output)
    if fmt in BINARY_FORMATS and output is None:
        raise ConfigError(f"--format {fmt} is binary: give --output FILE")
    if fmt == "parquet":
        return write_parquet(list(records), output)  # type: ignore[arg-type]
    if fmt == "geojson":
        return write_geojson(list(records), output)
    if fmt == "xlsx":
        return write_xlsx(list(records), output)  # type: ignore[arg-type]
    raise ConfigError(f"unknown export format {fmt!r}; choose one of {', '.join(CASE_FORMATS)}")


def _arrow_type(name: str) -> Any:
    import pyarrow as pa

    kind = FIELD_BY_NAME[name].kind if name in FIELD_BY_NAME else "text"
    if kind == "float":
        return pa.float64()
    if kind == "int":
        return pa.int64()
    if kind == "list":
        return pa.list_(pa.string())
    if kind == "entities":
        return pa.list_(pa.struct([(k, pa.string()) for k in ENTITY_KEYS]))
    return pa.string()


def write_parquet(records: list[dict[str, Any]], output: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [*CSV_COLUMNS, "entities", *csv_columns(records)[len(CSV_COLUMNS):]]
    schema = pa.schema([(c, _arrow_type(c)) for c in columns])
    rows = []
    for r in records:
        row = {c: r.get(c) for c in columns}
        if row["entities"] is not None:
            row["entities"] = [{k: e.get(k) for k in ENTITY_KEYS} for e in row["entities"]]
        for c in columns:
            if c.startswith("x_") and row[c] is not None and not isinstance(row[c], str):
                row[c] = orjson.dumps(row[c]).decode()
        rows.append(row)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), output)
    return len(records)


CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}


def geojson_collection(records: list[dict[str, Any]]) -> dict[str, Any]:
    features = []
    planar = sorted({str(r["x_crs"]) for r in records if r.get("x_crs")})
    for r in records:
        props = {k: v for k, v in r.items() if k not in ("lat", "lon")}
        geometry = None
        if r.get("lat") is not None and r.get("lon") is not None:
            geometry = {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
        features.append({"type": "Feature", "id": r["case_id"], "geometry": geometry, "properties": props})
    out: dict[str, Any] = {"type": "FeatureCollection", "crs": CRS84, "features": features}
    if planar:
        out["planar_crs"] = planar if len(planar) > 1 else planar[0]
    return out


def write_geojson(records: list[dict[str, Any]], output: Path | None) -> int:
    data = orjson.dumps(geojson_collection(records))
    if output is None:
        import sys

        sys.stdout.write(data.decode() + "\n")
    else:
        output.write_bytes(data)
    return len(records)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, list):
        return CSV_LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    return value


def write_xlsx(records: list[dict[str, Any]], output: Path) -> int:
    import xlsxwriter

    columns = csv_columns(records)
    book = xlsxwriter.Workbook(str(output), {"strings_to_formulas": False, "strings_to_numbers": False,
                                             "strings_to_urls": False})
    try:
        cases = book.add_worksheet("cases")
        cases.write_row(0, 0, columns)
        for i, r in enumerate(records, start=1):
            for j, c in enumerate(columns):
                _write_cell(cases, i, j, _xlsx_value(r.get(c)))
        ents = book.add_worksheet("entities")
        ents.write_row(0, 0, ["case_id", *ENTITY_KEYS])
        row = 1
        for r in records:
            for e in r.get("entities") or []:
                for j, value in enumerate([r["case_id"], *(e.get(k) for k in ENTITY_KEYS)]):
                    _write_cell(ents, row, j, value)
                row += 1
    finally:
        book.close()
    return len(records)


def _write_cell(sheet: Any, row: int, col: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))
