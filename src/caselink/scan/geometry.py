"""Space and time axes of the scan: neighbour lists of candidate centres and integer time units.

Centres are the distinct case locations (as in SaTScan). Each centre's circle grows through its
neighbours in order of distance; cases at the same distance enter together (``tie_end`` marks the
last of each tie group), so a circle is always "everything within radius r".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from scipy.spatial import cKDTree

from caselink.errors import CaselinkError

EARTH_RADIUS_KM = 6371.0088
TIME_UNITS = ("day", "week", "month")
UNIT_DAYS = {"day": 1.0, "week": 7.0, "month": 30.4375}
# Neighbour lists bigger than this (centres x neighbours) would need gigabytes: refuse clearly.
MAX_CELLS = 20_000_000


class ScanError(CaselinkError):
    """The scan cannot run on these cases or settings; the message says what to change."""

    code = "scan_error"


@dataclass(frozen=True)
class Neighbours:
    """Candidate circles: for centre ``c``, ``index[c, :]`` are case rows by distance (-1 pads)."""

    centers: np.ndarray  # (C, 2) coordinates of each centre, in the input system
    index: np.ndarray  # (C, K) int64 case rows, nearest first, -1 after the last usable one
    tie_end: np.ndarray  # (C, K) bool: a circle may stop after this neighbour
    dist_km: np.ndarray  # (C, K) distance of each neighbour from the centre, km


def _embed(coords: np.ndarray, system: str) -> np.ndarray:
    """Points in a Euclidean space (km) where the KD-tree works (chord distances for lat/lon)."""
    if system == "latlon":
        lat, lon = np.radians(coords[:, 0]), np.radians(coords[:, 1])
        xyz = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        return xyz * EARTH_RADIUS_KM
    if system == "xy":
        return coords / 1000.0
    raise ScanError(f"unknown coordinate system {system!r} (expected latlon or xy)")


def _chord_to_km(chord: np.ndarray, system: str) -> np.ndarray:
    if system != "latlon":
        return chord
    ratio = np.clip(chord / (2 * EARTH_RADIUS_KM), 0.0, 1.0)
    return 2 * EARTH_RADIUS_KM * np.arcsin(ratio)


def _km_to_chord(km: float, system: str) -> float:
    if system != "latlon":
        return km
    return float(2 * EARTH_RADIUS_KM * np.sin(min(km / (2 * EARTH_RADIUS_KM), np.pi / 2)))


def neighbours(
    coords: np.ndarray, system: str, *, max_radius_km: float | None, max_cases: int | None,
) -> Neighbours:
    """Neighbour lists of every distinct location, limited by radius (km) and/or number of cases."""
    n = coords.shape[0]
    centers = np.unique(coords, axis=0)
    points = _embed(coords, system)
    tree = cKDTree(points)
    cap = n if max_cases is None else max(1, min(n, max_cases))
    bound = np.inf if max_radius_km is None else _km_to_chord(max_radius_km, system) * (1 + 1e-12)
    cpoints = _embed(centers, system)
    if np.isfinite(bound):
        counts = tree.query_ball_point(cpoints, bound, return_length=True)
        width = int(min(cap, int(np.max(counts))))
    else:
        width = cap
    if centers.shape[0] * (width + 1) > MAX_CELLS:
        raise ScanError(
            f"{centers.shape[0]} centres x {width} neighbours is too large to scan: lower "
            "--max-radius-km or --max-share, or scan fewer cases with --where")
    k = min(width + 1, n)
    dist, idx = tree.query(cpoints, k=k, distance_upper_bound=bound)
    dist, idx = dist.reshape(len(centers), k), idx.reshape(len(centers), k)
    valid = np.isfinite(dist)
    if k > width:  # the extra column only tells whether the last group is cut by the cap
        nxt_valid, nxt = valid[:, width], dist[:, width]
        dist, idx, valid = dist[:, :width], idx[:, :width], valid[:, :width]
    else:
        nxt_valid, nxt = np.zeros(len(centers), dtype=bool), np.full(len(centers), np.inf)
    after_valid = np.column_stack([valid[:, 1:], nxt_valid])
    after = np.column_stack([dist[:, 1:], nxt])
    with np.errstate(invalid="ignore"):  # inf - inf past the last neighbour: not a gap, masked below
        gap = after - dist > 1e-9 * np.maximum(1.0, np.where(valid, dist, 1.0))
    tie_end = valid & (~after_valid | gap)
    # Neighbours after the last usable circle (a tie group cut by the cap) are dropped.
    last = np.where(tie_end.any(axis=1), width - 1 - np.argmax(tie_end[:, ::-1], axis=1), -1)
    usable = np.arange(width)[None, :] <= last[:, None]
    index = np.where(usable, idx, -1).astype(np.int64)
    km = _chord_to_km(np.where(usable, dist, np.inf), system)
    return Neighbours(centers=centers, index=index, tie_end=tie_end & usable, dist_km=km)


@dataclass(frozen=True)
class TimeAxis:
    """Integer time units from ``origin``: day or week counts, or calendar months."""

    unit: str
    origin: date
    units: np.ndarray  # (N,) int64 time unit of each case
    n_units: int

    def bounds(self, a: int, b: int) -> tuple[date, date]:
        """First and last day of the window of units ``a .. b``."""
        if self.unit == "month":
            return _month_start(self.origin, a), _month_start(self.origin, b + 1) - timedelta(days=1)
        step = 1 if self.unit == "day" else 7
        return self.origin + timedelta(days=a * step), self.origin + timedelta(days=(b + 1) * step - 1)

    def window_units(self, max_days: int) -> int:
        """The longest window, in units, that fits in ``max_days`` (at least one unit)."""
        return max(1, int(round(max_days / UNIT_DAYS[self.unit])) if self.unit == "month"
                   else int(max_days // UNIT_DAYS[self.unit]))


def _month_start(origin: date, k: int) -> date:
    months = origin.year * 12 + origin.month - 1 + k
    return date(months // 12, months % 12 + 1, 1)


def time_axis(days: np.ndarray, unit: str) -> TimeAxis:
    """Time units of dates given as ``datetime64[D]``; the origin is the first case's unit."""
    if unit not in TIME_UNITS:
        raise ScanError(f"unknown time unit {unit!r} (expected one of {', '.join(TIME_UNITS)})")
    day = days.astype("datetime64[D]")
    first = day.min().astype(date)
    if unit == "month":
        month = day.astype("datetime64[M]").astype(np.int64)
        units = month - month.min()
        origin = date(first.year, first.month, 1)
    else:
        step = 1 if unit == "day" else 7
        units = (day - day.min()).astype(np.int64) // step
        origin = first
    return TimeAxis(unit=unit, origin=origin, units=units.astype(np.int64), n_units=int(units.max()) + 1)
