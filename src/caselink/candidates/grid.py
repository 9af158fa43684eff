"""The grid join behind the space-time, same-place and same-MO blocks (vectorised numpy).

Cases are sorted by cell (group, cell x, cell y, time bucket); each probe looks up its
neighbouring cells with ``searchsorted`` and the matches are expanded in bounded chunks, then
checked against the exact distance and interval gap. Faster here than the same join in DuckDB
(measured on 400k uniformly spread cases: 104 s as a DuckDB join, 36 s here; shared machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from caselink.errors import ConfigError

EARTH_RADIUS_M = 6_371_008.8


def cells(kind: np.ndarray, u: np.ndarray, v: np.ndarray, size_m: float, max_lat: float,
           ) -> tuple[np.ndarray, np.ndarray]:
    """Grid cell indices. Lat/lon cells are ``size_m`` wide at the highest latitude present, so
    a pair within ``size_m`` is always in neighbouring cells (wider cells only add pairs that the
    exact distance check then removes)."""
    cu = np.zeros(len(kind), dtype=np.int64)
    cv = np.zeros(len(kind), dtype=np.int64)
    ll, xy = kind == 0, kind == 1
    if ll.any():
        step_v = size_m / EARTH_RADIUS_M
        step_u = step_v / np.cos(max_lat)
        cu[ll] = np.floor(u[ll] / step_u).astype(np.int64)
        cv[ll] = np.floor(v[ll] / step_v).astype(np.int64)
    if xy.any():
        cu[xy] = np.floor(u[xy] / size_m).astype(np.int64)
        cv[xy] = np.floor(v[xy] / size_m).astype(np.int64)
    return cu, cv


_ALL = [(du, dv, dt) for du in (-1, 0, 1) for dv in (-1, 0, 1) for dt in (-1, 0, 1)]
_HALF = [o for o in _ALL if o > (0, 0, 0)]  # with the same-cell pairs after self: each pair once
_EXPAND = 4_000_000  # candidate matches expanded at a time (bounds memory)


class Grid:
    """Located cases sorted by grid cell (group, cell x, cell y, time bucket), joined in numpy.

    ``rows`` may repeat a case under several groups (the same-MO block keys each case by its
    incident type and each circumstance).
    """

    def __init__(self, rows: np.ndarray, group: np.ndarray, kind: np.ndarray, u: np.ndarray, v: np.ndarray,
                 lo: np.ndarray, hi: np.ndarray, size_m: float, time_days: float | None, max_lat: float,
                 near: np.ndarray | None = None) -> None:
        cu, cv = cells(kind[rows], u[rows], v[rows], size_m, max_lat)
        mid = (lo[rows] + hi[rows]) / 2
        tb = np.floor(mid / time_days).astype(np.int64) if time_days is not None else np.zeros(len(rows), np.int64)
        cu, cv, tb = cu - cu.min() + 1, cv - cv.min() + 1, tb - tb.min() + 1
        kv, kt = int(cv.max()) + 2, int(tb.max()) + 2
        ku = int(cu.max()) + 2
        if (int(group.max()) + 1) * ku * kv * kt >= 2**62:
            raise ConfigError(f"blocking windows too small for the extent of the data ({size_m:.0f} m, "
                              f"{time_days} days): raise space_m / time_days")
        key = ((group * ku + cu) * kv + cv) * kt + tb
        self.stride = (kv * kt, kt, 1)
        if near is not None:  # only the cells around these entries: all their probes can reach
            around = np.unique((key[near][:, None] + self._offsets(_ALL)[None, :]).ravel())
            keep = np.flatnonzero(np.isin(key, around))
            key, rows = key[keep], rows[keep]
        order = np.argsort(key, kind="stable")
        self.key, self.rows = key[order], rows[order]
        self.start = np.flatnonzero(np.r_[True, self.key[1:] != self.key[:-1]])  # key is sorted
        self.ukey = self.key[self.start]
        self.end = np.r_[self.start[1:], len(self.key)]
        r = self.rows
        ll = kind[r] == 0
        # float32 copies in sort order: half the memory traffic of the gathers in ``_near``
        self.u, self.v = u[r].astype(np.float32), v[r].astype(np.float32)
        self.lo, self.hi = lo[r].astype(np.float32), hi[r].astype(np.float32)
        self.scale_v = np.where(ll, EARTH_RADIUS_M, 1.0).astype(np.float32)
        self.scale_u = np.where(ll, EARTH_RADIUS_M * np.cos(v[r]), 1.0).astype(np.float32)
        self.size_m, self.time_days = size_m, time_days

    def join(self, probes: np.ndarray, ordered: bool, n: int) -> np.ndarray:
        """Pairs within the windows, from ``probes`` (positions in sort order) to every case, as
        keys ``min(row) * n + max(row)``; ``ordered``: each unordered pair once (half the
        neighbourhood, same cell after self)."""
        out: list[np.ndarray] = []
        offsets = (_HALF + [(0, 0, 0)]) if ordered else _ALL
        for off, shift in zip(offsets, self._offsets(offsets), strict=True):
            nkey = self.key[probes] + shift
            idx = np.minimum(np.searchsorted(self.ukey, nkey), len(self.ukey) - 1)
            ok = self.ukey[idx] == nkey
            start, end = self.start[idx], self.end[idx]
            if ordered and off == (0, 0, 0):
                start = np.maximum(start, probes + 1)
            counts = np.where(ok, np.maximum(end - start, 0), 0)
            for pa, pb in self._expand(probes, start, counts):
                ra, rb = self.rows[pa], self.rows[pb]
                keep = self._near(pa, pb) & (ra != rb)
                ra, rb = ra[keep], rb[keep]
                out.append(np.minimum(ra, rb) * n + np.maximum(ra, rb))
        return np.concatenate(out) if out else np.empty(0, np.int64)

    def _offsets(self, offsets: list[tuple[int, int, int]]) -> np.ndarray:
        """Key differences to the neighbouring cells ``offsets`` (cell x, cell y, time bucket)."""
        return np.array([sum(d * s for d, s in zip(off, self.stride, strict=True)) for off in offsets],
                        dtype=np.int64)

    @staticmethod
    def _expand(probes: np.ndarray, start: np.ndarray, counts: np.ndarray) -> Any:
        csum = np.cumsum(counts)
        lo_i = 0
        while lo_i < len(probes):
            hi_i = int(np.searchsorted(csum, (csum[lo_i - 1] if lo_i else 0) + _EXPAND, side="right"))
            hi_i = max(hi_i, lo_i + 1)
            c = counts[lo_i:hi_i]
            total = int(c.sum())
            if total:
                first = np.repeat(start[lo_i:hi_i] - (np.cumsum(c) - c), c)
                yield np.repeat(probes[lo_i:hi_i], c), first + np.arange(total)
            lo_i = hi_i

    def _near(self, pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
        """Within ``size_m`` (equirectangular at the pair's mean latitude: exact enough at these scales)
        and, with a time window, within ``time_days`` (gap between the two intervals)."""
        d2 = (((self.v[pb] - self.v[pa]) * self.scale_v[pa]) ** 2
              + ((self.u[pb] - self.u[pa]) * (self.scale_u[pa] + self.scale_u[pb]) / 2) ** 2)
        keep = d2 <= self.size_m**2
        if self.time_days is not None:
            gap = np.maximum(0.0, np.maximum(self.lo[pb] - self.hi[pa], self.lo[pa] - self.hi[pb]))
            keep &= gap <= self.time_days
        return keep


@dataclass(frozen=True)
class Located:
    """What a grid block needs: which rows under which groups, and the case coordinates."""

    rows: np.ndarray
    group: np.ndarray
    kind: np.ndarray
    u: np.ndarray
    v: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    max_lat: float

    def grid(self, size_m: float, time_days: float | None, near: np.ndarray | None = None) -> Grid:
        """The grid of these cases; with ``near`` (positions in ``rows``), only the cells those
        entries can reach: joins probing from them give the same pairs as the full grid."""
        return Grid(self.rows, self.group, self.kind, self.u, self.v, self.lo, self.hi, size_m, time_days,
                    self.max_lat, near)


def n_unique(keys: np.ndarray) -> int:
    """Distinct values (sort-based: numpy's hash-based ``unique`` is much slower on int64 keys)."""
    keys = np.sort(keys)
    return int(len(keys) and 1 + np.count_nonzero(keys[1:] != keys[:-1]))


def adapt(cases: Located, size_m: float, time_days: float | None, max_partners: int,
          serve: np.ndarray | None = None) -> tuple[Grid | None, float, float | None]:
    """Shrink the windows until the mean number of partners per case is at most ``max_partners``.

    Estimated on a fixed sample of the cases, so a full and an incremental run on the same store
    use the same windows (each estimate draws the next sample from one seeded generator).
    Partners grow with area times duration, so both shrink together. Each estimate builds the
    grid only around its sample. The grid returned serves joins from ``serve`` (positions in
    ``cases.rows``, built only around them; every case when None); it is None when ``serve`` is
    empty.
    """
    power = 3.0 if time_days is not None else 2.0
    rng = np.random.default_rng(0)
    uniq = np.flatnonzero(np.bincount(cases.rows))
    for _ in range(3):
        chosen = uniq if len(uniq) <= 1_000 else np.sort(rng.choice(uniq, 1_000, replace=False))
        grid = cases.grid(size_m, time_days, near=np.flatnonzero(np.isin(cases.rows, chosen)))
        probes = np.flatnonzero(np.isin(grid.rows, chosen))
        partners = n_unique(grid.join(probes, ordered=False, n=int(cases.rows.max()) + 1)) / max(len(chosen), 1)
        if partners <= max_partners * 1.05:
            break
        f = (max_partners / partners) ** (1.0 / power)
        size_m, time_days = size_m * f, (time_days * f if time_days is not None else None)
    else:  # three shrinks without settling: keep the windows of the last estimate
        size_m, time_days = grid.size_m, grid.time_days
    if serve is not None and len(serve) == 0:
        return None, size_m, time_days
    return cases.grid(size_m, time_days, near=serve), size_m, time_days
