"""A slow, obviously-correct space-time permutation scan, used only by the tests.

It enumerates every circle (each distinct location as centre, each distinct case distance as
radius) and every window of consecutive time units, counts cases directly, and computes the
same Poisson GLR. It shares nothing with the fast path except the time-unit conversion.
"""

from __future__ import annotations

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


def _llr(c: np.ndarray, mu: np.ndarray, n: float) -> np.ndarray:
    """Poisson GLR of high clusters, elementwise; 0 where c <= mu."""
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = c * np.log(c / mu)
        rest = np.where(n > c, (n - c) * np.log((n - c) / (n - mu)), 0.0)
    return np.where(c > mu, inner + rest, 0.0)


def brute_force(
    coords: np.ndarray, system: str, days: np.ndarray, settings: ScanSettings, tol: float = 1e-9,
) -> ReferenceBest:
    """Best LLR over all cylinders allowed by ``settings`` and the cylinders that reach it."""
    coords = np.asarray(coords, dtype=np.float64)
    axis = time_axis(np.asarray(days).astype("datetime64[D]"), settings.time_unit)
    units, n_units, n = axis.units, axis.n_units, coords.shape[0]
    max_len = axis.window_units(settings.max_days)
    cap = settings.case_cap(n) or n
    dist = _distances(coords, system)
    a, b = np.meshgrid(np.arange(n_units), np.arange(n_units), indexing="ij")
    allowed = (b >= a) & (b - a < max_len)
    if settings.prospective:
        allowed &= b == n_units - 1
    cum_all = np.concatenate([[0], np.cumsum(np.bincount(units, minlength=n_units))])
    n_window = (cum_all[b + 1] - cum_all[a]).astype(float)
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
            cum_in = np.concatenate([[0], np.cumsum(np.bincount(units[inside], minlength=n_units))])
            c = (cum_in[b + 1] - cum_in[a]).astype(float)
            value = np.where(allowed, _llr(c, n_circle * n_window / n, float(n)), 0.0)
            top = value.max()
            if top <= 0 or (found and top < found[0][0] - tol * max(1.0, top)):
                continue
            for i, j in zip(*np.nonzero(value >= top - tol * max(1.0, top)), strict=True):
                members = np.flatnonzero(inside & (units >= i) & (units <= j))
                found.append((float(value[i, j]), frozenset(members.tolist()), int(i), int(j)))
            found.sort(key=lambda f: -f[0])
    if not found:
        return ReferenceBest(0.0, frozenset())
    best = found[0][0]
    return ReferenceBest(best, frozenset((m, i, j) for v, m, i, j in found if v >= best - tol * max(1, best)))
