"""A slow, obviously-correct space-time permutation scan, used only by the tests.

It enumerates every circle (each distinct location as centre, each distinct case distance as
radius) and every window of consecutive time units, counts cases directly, and computes the
same Poisson GLR. It shares nothing with the fast path except the time-unit conversion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from caselink.scan.geometry import EARTH_RADIUS_KM, time_axis
from caselink.scan.permutation import ScanSettings


@dataclass(frozen=True)
class ReferenceBest:
    """The highest LLR and every cylinder (case rows, start unit, end unit) that reaches it."""

    llr: float
    cylinders: frozenset[tuple[frozenset[int], int, int]]


def _distances(coords: np.ndarray, system: str) -> np.ndarray:
    if system == "xy":
        diff = coords[:, None, :] - coords[None, :, :]
        return np.sqrt((diff**2).sum(axis=2)) / 1000.0
    lat, lon = np.radians(coords[:, 0]), np.radians(coords[:, 1])
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _llr(c: float, mu: float, n: float) -> float:
    if c <= mu:
        return 0.0
    rest = (n - c) * math.log((n - c) / (n - mu)) if n > c else 0.0
    return c * math.log(c / mu) + rest


def brute_force(
    coords: np.ndarray, system: str, days: np.ndarray, settings: ScanSettings, tol: float = 1e-9,
) -> ReferenceBest:
    """Best LLR over all cylinders allowed by ``settings`` and the cylinders that reach it."""
    coords = np.asarray(coords, dtype=np.float64)
    axis = time_axis(np.asarray(days).astype("datetime64[D]"), settings.time_unit)
    units, n_units, n = axis.units, axis.n_units, coords.shape[0]
    max_len = axis.window_units(settings.max_days)
    share = settings.share_cap
    cap = n if share is None else max(1, int(math.floor(share * n)))
    dist = _distances(coords, system)
    _, first = np.unique(coords, axis=0, return_index=True)
    found: list[tuple[float, frozenset[int], int, int]] = []
    for centre in first:
        d = dist[centre]
        for radius in np.unique(d):
            if settings.max_radius_km is not None and radius > settings.max_radius_km:
                break
            inside = d <= radius * (1 + 1e-12) + 1e-12
            n_circle = int(inside.sum())
            if n_circle > cap:
                break
            for a in range(n_units):
                for b in range(a, min(n_units, a + max_len)):
                    if settings.prospective and b != n_units - 1:
                        continue
                    in_window = (units >= a) & (units <= b)
                    members = inside & in_window
                    c = int(members.sum())
                    mu = n_circle * int(in_window.sum()) / n
                    value = _llr(c, mu, n)
                    if value > 0:
                        found.append((value, frozenset(np.flatnonzero(members).tolist()), a, b))
    if not found:
        return ReferenceBest(0.0, frozenset())
    top = max(v for v, *_ in found)
    return ReferenceBest(top, frozenset((m, a, b) for v, m, a, b in found if v >= top - tol * max(1, top)))
