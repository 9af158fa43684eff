"""Local density context: how many cases lie nearer than this pair, in space and in time.

300 m means little in a city centre and a lot in the countryside. For each case we precompute
the distance to its K-th nearest neighbour (r_K); the number of cases expected nearer than a
pair's distance d is then about K (d / r_K)^2 in the plane and K (d / r_K) on the time line.
A pair's value is log10(1 + mean of both sides' counts): 0 means nothing lies nearer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

NEIGHBOURS = 10
#: neighbour distances kept per case for exact counts in space (beyond them: extrapolated)
KEEP = 32
MIN_RADIUS_M = 1.0
MIN_RADIUS_DAYS = 1.0 / 24.0


def space_radius(px: FloatArray, py: FloatArray, group: npt.NDArray[np.int8], k: int = NEIGHBOURS) -> FloatArray:
    """Per case: distance (m) to its k-th nearest neighbour among cases of the same ``group``.

    NaN for cases without location or when the group has fewer than two cases.
    """
    out = np.full(len(px), np.nan)
    for g in np.unique(group[group >= 0]):
        idx = np.flatnonzero(group == g)
        if len(idx) < 2:
            continue
        kk = min(k, len(idx) - 1)
        pts = np.column_stack([px[idx], py[idx]])
        dist, _ = cKDTree(pts).query(pts, k=kk + 1)
        out[idx] = np.maximum(np.asarray(dist)[:, kk] * (k / kk) ** 0.5, MIN_RADIUS_M)
    return out


def time_radius(mid: FloatArray, k: int = NEIGHBOURS) -> FloatArray:
    """Per case: gap (days) to its k-th nearest neighbour on the time line (by midpoint)."""
    n = len(mid)
    if n < 2:
        return np.full(n, np.nan)
    kk = min(k, n - 1)
    order = np.argsort(mid, kind="stable")
    s = mid[order]
    padded = np.concatenate([np.full(kk, -np.inf), s, np.full(kk, np.inf)])
    offsets = np.concatenate([np.arange(-kk, 0), np.arange(1, kk + 1)])
    out_sorted = np.empty(n)
    chunk = 131072
    for start in range(0, n, chunk):
        pos = np.arange(start, min(start + chunk, n)) + kk
        gaps = np.abs(padded[pos[:, None] + offsets[None, :]] - padded[pos][:, None])
        out_sorted[start:start + len(pos)] = np.partition(gaps, kk - 1, axis=1)[:, kk - 1]
    out = np.empty(n)
    out[order] = np.maximum(out_sorted * (k / kk), MIN_RADIUS_DAYS)
    return out


def nearer_count(d: FloatArray, ra: FloatArray, rb: FloatArray, dim: int, cap: float,
                 k: int = NEIGHBOURS) -> FloatArray:
    """log10(1 + expected number of cases nearer than ``d``), averaged over both cases.

    Each side's count is capped at ``cap`` (the number of other cases there are).
    """
    ca = np.minimum(k * (d / ra) ** dim, cap)
    cb = np.minimum(k * (d / rb) ** dim, cap)
    return np.log10(1.0 + (ca + cb) / 2.0)


def space_neighbours(px: FloatArray, py: FloatArray, group: npt.NDArray[np.int8],
                     k: int = KEEP) -> npt.NDArray[np.float32]:
    """Per case: sorted distances (m) to its k nearest neighbours of the same group (inf-padded)."""
    out = np.full((len(px), k), np.inf, dtype=np.float32)
    for g in np.unique(group[group >= 0]):
        idx = np.flatnonzero(group == g)
        if len(idx) < 2:
            continue
        kk = min(k, len(idx) - 1)
        pts = np.column_stack([px[idx], py[idx]])
        dist, _ = cKDTree(pts).query(pts, k=kk + 1)
        out[idx, :kk] = np.asarray(dist)[:, 1:kk + 1]
    return out


def space_count(d: FloatArray, knn: npt.NDArray[np.float32], rows: IntArray, cap: float) -> FloatArray:
    """Cases nearer than ``d`` to each case in ``rows``: exact within its kept neighbours, else
    extrapolated from the farthest kept one with the planar law count ~ d^2."""
    near = knn[rows]
    exact = (near < d[:, None]).sum(axis=1).astype(np.float64)
    last = near[:, -1].astype(np.float64)
    k = near.shape[1]
    beyond = np.isfinite(last) & (d > last)
    out = exact
    out[beyond] = k * (d[beyond] / np.maximum(last[beyond], MIN_RADIUS_M)) ** 2
    out = np.minimum(out, max(cap, 0.0))
    out[~np.isfinite(d)] = np.nan
    return out


def time_count(mid_sorted: FloatArray, mid: FloatArray, gap: FloatArray, rows: IntArray) -> FloatArray:
    """Cases (other than the case itself) whose midpoint lies within ``gap`` of each case's midpoint."""
    m = mid[rows]
    hi = np.searchsorted(mid_sorted, m + gap, side="left")
    lo = np.searchsorted(mid_sorted, m - gap, side="right")
    return np.maximum(hi - lo - 1, 0).astype(np.float64)
