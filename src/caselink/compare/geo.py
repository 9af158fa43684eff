"""Geographic kernels: where each case is, in metres, and distances between pairs.

A case has lat/lon (WGS84), or planar x/y in metres, or no location. Pairs are compared only
within the same kind of coordinates; otherwise the distance is unknown (NaN), never zero.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

EARTH_RADIUS_M = 6_371_008.8
NO_LOCATION, LATLON, PLANAR = -1, 0, 1


def location_kind(lat: FloatArray, lon: FloatArray, x: FloatArray, y: FloatArray) -> npt.NDArray[np.int8]:
    """Per case: LATLON when lat/lon are known, else PLANAR when x/y are, else NO_LOCATION."""
    kind = np.full(len(lat), NO_LOCATION, dtype=np.int8)
    kind[np.isfinite(x) & np.isfinite(y)] = PLANAR
    kind[np.isfinite(lat) & np.isfinite(lon)] = LATLON
    return kind


def project(kind: npt.NDArray[np.int8], lat: FloatArray, lon: FloatArray, x: FloatArray,
            y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Planar metres for every located case (equirectangular around the data's mean latitude).

    Used for neighbour counts; pair distances use haversine for lat/lon.
    """
    px = np.where(kind == PLANAR, x, np.nan)
    py = np.where(kind == PLANAR, y, np.nan)
    ll = kind == LATLON
    if ll.any():
        lat0 = np.deg2rad(np.nanmean(lat[ll]))
        px[ll] = EARTH_RADIUS_M * np.deg2rad(lon[ll]) * np.cos(lat0)
        py[ll] = EARTH_RADIUS_M * np.deg2rad(lat[ll])
    return px, py


def haversine_m(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray) -> FloatArray:
    """Great-circle distance in metres between points given in radians."""
    s1 = np.sin((lat2 - lat1) / 2.0)
    s2 = np.sin((lon2 - lon1) / 2.0)
    h = s1 * s1 + np.cos(lat1) * np.cos(lat2) * s2 * s2
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def pair_distance_m(kind: npt.NDArray[np.int8], lat_r: FloatArray, lon_r: FloatArray, x: FloatArray,
                    y: FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """Distance in metres for each pair; NaN when either side has no comparable location."""
    ka, kb = kind[a], kind[b]
    out = np.full(len(a), np.nan)
    ll = (ka == LATLON) & (kb == LATLON)
    if ll.any():
        out[ll] = haversine_m(lat_r[a[ll]], lon_r[a[ll]], lat_r[b[ll]], lon_r[b[ll]])
    pl = (ka == PLANAR) & (kb == PLANAR)
    if pl.any():
        out[pl] = np.hypot(x[a[pl]] - x[b[pl]], y[a[pl]] - y[b[pl]])
    return out
