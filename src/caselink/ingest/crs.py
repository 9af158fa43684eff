"""Planar coordinates with a declared CRS (``caselink ingest --crs EPSG:27700``).

Records whose ``x``/``y`` are in a projected system (British National Grid, a State Plane zone)
keep them as given and gain WGS84 ``lat``/``lon`` (computed with pyproj, rounded to 1e-7 degrees,
about 1 cm) for linkage, maps and GeoJSON, plus ``x_crs`` naming the system (``EPSG:27700``), which
exports carry. A record that already has lat/lon keeps its own; one without x/y is untouched.
pyproj is the optional ``crs`` extra.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from caselink.errors import ConfigError, InputError
from caselink.ingest.readers import SourceRecord

Transform = Callable[[float, float], tuple[float, float]]


def planar_transform(crs: str) -> tuple[str, Transform]:
    """(the CRS's name as ``AUTHORITY:CODE``, a function (x, y) -> (lon, lat) in WGS84)."""
    try:
        from pyproj import CRS, Transformer
        from pyproj.exceptions import CRSError
    except ImportError:
        raise ConfigError("--crs needs the optional pyproj package, which this install does not have: "
                          "pip install 'caselink[crs]'") from None
    try:
        source = CRS.from_user_input(crs)
    except CRSError:
        raise InputError(f"--crs {crs!r} is not a coordinate reference system pyproj knows "
                         "(give an EPSG code such as EPSG:27700 for British National Grid)") from None
    if not source.is_projected:
        raise InputError(f"--crs {crs!r} is not a projected (planar, metres) system: give geographic "
                         "coordinates as lat/lon instead of x/y")
    authority = source.to_authority()
    name = f"{authority[0]}:{authority[1]}" if authority else source.to_string()
    transformer = Transformer.from_crs(source, "EPSG:4326", always_xy=True)

    def transform(x: float, y: float) -> tuple[float, float]:
        lon, lat = transformer.transform(x, y)
        return float(lon), float(lat)

    return name, transform


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def with_wgs84(stream: Iterable[SourceRecord], name: str, transform: Transform) -> Iterator[SourceRecord]:
    """The records of ``stream``, those with planar x/y given WGS84 lat/lon and ``x_crs``."""
    for rec in stream:
        data = rec.data
        if data is not None:
            x, y = _number(data.get("x")), _number(data.get("y"))
            if x is not None and y is not None:
                data["x_crs"] = name
                if data.get("lat") in (None, "") and data.get("lon") in (None, ""):
                    lon, lat = transform(x, y)
                    if math.isfinite(lat) and math.isfinite(lon):
                        data["lat"], data["lon"] = round(lat, 7), round(lon, 7)
        yield rec
