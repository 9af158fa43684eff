"""Kulldorff's space-time permutation scan statistic (Kulldorff et al., PLoS Medicine 2005).

Cylinders are circles around case locations (up to a maximum radius in km and/or a maximum share
of the cases) times windows of consecutive time units (up to a maximum length). The expected
count of a cylinder comes from the space and time margins only, ``mu = n_circle * n_window / N``,
so no population at risk is needed. The statistic is the Poisson generalised likelihood ratio of
the cylinder with the most excess cases; its p-value comes from Monte Carlo replicates in which
the case times are permuted among the case locations (which keeps both margins fixed).

Example:
    >>> result = permutation_scan(ids, coords, "latlon", days, ScanSettings(max_radius_km=2,
    ...                           max_days=30, replicates=999, seed=1))   # doctest: +SKIP
    >>> result.clusters[0].p_value                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from caselink.scan import kernel
from caselink.scan.geometry import (
    TIME_UNITS,
    Neighbours,
    ScanError,
    TimeAxis,
    neighbours,
    time_axis,
)

DEFAULT_MAX_SHARE = 0.1
DEFAULT_MAX_CASES = 100  # cost per centre grows with the square of the circle's case count
CHUNK = 32  # replicates per compiled call: enough work per call, frequent progress updates


@dataclass(frozen=True)
class ScanSettings:
    """What cylinders are scanned and how many Monte Carlo replicates are run.

    With neither ``max_radius_km`` nor ``max_share`` a circle holds at most 10% of the cases and
    at most 100 cases (the work per centre grows with the square of that number).
    ``max_days`` is converted to whole time units (weeks: ``max_days // 7``; months: nearest).
    """

    max_radius_km: float | None = None
    max_share: float | None = None
    max_days: int = 30
    time_unit: str = "day"
    replicates: int = 999
    seed: int | None = None
    prospective: bool = False
    max_clusters: int = 10

    def __post_init__(self) -> None:
        if self.max_radius_km is not None and not self.max_radius_km > 0:
            raise ScanError(f"max radius must be a positive number of km, got {self.max_radius_km}")
        if self.max_share is not None and not 0 < self.max_share <= 0.5:
            raise ScanError(f"max share must be in (0, 0.5] of the cases, got {self.max_share}")
        if self.max_days < 1:
            raise ScanError(f"max days must be at least 1, got {self.max_days}")
        if self.time_unit not in TIME_UNITS:
            raise ScanError(f"time unit must be one of {', '.join(TIME_UNITS)}, got {self.time_unit!r}")
        if self.replicates < 9:
            raise ScanError(f"at least 9 replicates are needed for a p-value, got {self.replicates}")
        if self.max_clusters < 1:
            raise ScanError(f"max clusters must be at least 1, got {self.max_clusters}")

    def case_cap(self, n: int) -> int | None:
        """Most cases a circle may hold among ``n`` scanned (None: only the radius limits it)."""
        if self.max_radius_km is None and self.max_share is None:
            return max(1, min(int(DEFAULT_MAX_SHARE * n), DEFAULT_MAX_CASES))
        return None if self.max_share is None else max(1, int(np.floor(self.max_share * n)))


@dataclass(frozen=True)
class ScanCluster:
    """One cylinder: the cases in it, its LLR and Monte Carlo p-value, where and when it is."""

    case_ids: tuple[str, ...]
    llr: float
    p_value: float
    observed: int
    expected: float
    center: dict[str, float]
    radius_km: float
    start: date
    end: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_ids": list(self.case_ids), "llr": round(self.llr, 6), "p_value": self.p_value,
            "observed": self.observed, "expected": round(self.expected, 6), "center": self.center,
            "radius_km": round(self.radius_km, 6), "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True)
class ScanResult:
    """The most likely cluster first, then secondary clusters that share no case with it."""

    clusters: list[ScanCluster]
    n_cases: int
    settings: ScanSettings
    system: str
    study_start: date
    study_end: date
    replicate_llr: np.ndarray = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clusters": [c.to_dict() for c in self.clusters], "cases": self.n_cases,
            "coordinates": self.system, "study_start": self.study_start.isoformat(),
            "study_end": self.study_end.isoformat(), "settings": asdict(self.settings),
        }


@dataclass(frozen=True)
class _Prepared:
    nb: Neighbours
    axis: TimeAxis
    prefix: np.ndarray  # cases up to each time unit: prefix[b + 1] - prefix[a] = cases in a..b
    max_len: int
    t_end: int
    prospective: bool


def _prepare(coords: np.ndarray, system: str, days: np.ndarray, settings: ScanSettings) -> _Prepared:
    axis = time_axis(days, settings.time_unit)
    nb = neighbours(coords, system, max_radius_km=settings.max_radius_km,
                    max_cases=settings.case_cap(coords.shape[0]))
    counts = np.bincount(axis.units, minlength=axis.n_units)
    prefix = np.concatenate([[0], np.cumsum(counts)]).astype(np.float64)
    return _Prepared(nb, axis, prefix, axis.window_units(settings.max_days), axis.n_units - 1,
                     settings.prospective)


def _check_inputs(case_ids: Sequence[str], coords: np.ndarray, days: np.ndarray) -> None:
    n = len(case_ids)
    if coords.shape != (n, 2) or days.shape != (n,):
        raise ScanError(f"scan needs one location and one time per case: {n} ids, "
                        f"coordinates {coords.shape}, times {days.shape}")
    if n < 2:
        raise ScanError(f"scan needs at least 2 cases with a location and a time, got {n}")
    if not np.isfinite(coords).all():
        raise ScanError("scan got a case with a missing or infinite coordinate; drop it first")


def replicate_maxima(
    prep: _Prepared, replicates: int, seed: int | None, progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Maximum LLR of each Monte Carlo replicate (times permuted among locations)."""
    rng = np.random.default_rng(seed)
    times = prep.axis.units
    out = np.empty(replicates)
    for start in range(0, replicates, CHUNK):
        n = min(CHUNK, replicates - start)
        sets = rng.permuted(np.broadcast_to(times, (n, times.shape[0])), axis=1)
        out[start:start + n] = kernel.replicate_maxima(
            prep.nb.index, prep.nb.tie_end, np.ascontiguousarray(sets), prep.prefix, prep.max_len,
            prep.prospective, prep.t_end)
        if progress is not None:
            progress(n)
    return out


def permutation_scan(
    case_ids: Sequence[str], coords: np.ndarray, system: str, days: np.ndarray, settings: ScanSettings,
    progress: Callable[[int], None] | None = None,
) -> ScanResult:
    """Scan cases (ids, ``(N, 2)`` lat/lon or x/y metres, ``datetime64`` times) for clusters.

    ``progress(n)`` is called after every ``n`` replicates. Clusters are returned most likely
    first; each secondary cluster shares no case with a higher one (SaTScan keeps the best
    cylinder of each centre, then drops overlaps). All p-values compare with the distribution of
    the replicates' maximum LLR, as SaTScan does (conservative for secondary clusters).
    """
    coords = np.asarray(coords, dtype=np.float64)
    days = np.asarray(days).astype("datetime64[D]")
    _check_inputs(case_ids, coords, days)
    prep = _prepare(coords, system, days, settings)
    best = kernel.best_per_center(prep.nb.index, prep.nb.tie_end, prep.axis.units, prep.prefix,
                                  prep.max_len, prep.prospective, prep.t_end)
    maxima = replicate_maxima(prep, settings.replicates, settings.seed, progress)
    clusters = _clusters(prep, best, maxima, case_ids, system, settings.max_clusters)
    start, _ = prep.axis.bounds(0, 0)
    _, end = prep.axis.bounds(prep.t_end, prep.t_end)
    return ScanResult(clusters, len(case_ids), settings, system, start, end, maxima)


def p_value(llr: float, maxima: np.ndarray) -> float:
    """Monte Carlo p-value: rank of the observed LLR among the replicate maxima."""
    beaten = int(np.count_nonzero(maxima >= llr * (1 - 1e-12)))
    return (1 + beaten) / (maxima.shape[0] + 1)


def _clusters(
    prep: _Prepared, best: np.ndarray, maxima: np.ndarray, case_ids: Sequence[str], system: str,
    limit: int,
) -> list[ScanCluster]:
    order = np.lexsort((np.arange(best.shape[0]), -best[:, 0]))
    taken: set[int] = set()
    out: list[ScanCluster] = []
    for c in order:
        llr, size, a, b = best[c]
        if llr <= 0 or len(out) >= limit:
            break
        rows = prep.nb.index[c, : int(size)]
        inside = rows[(prep.axis.units[rows] >= a) & (prep.axis.units[rows] <= b)]
        members = {int(r) for r in inside}
        if members & taken:
            continue
        taken |= members
        n_window = prep.prefix[int(b) + 1] - prep.prefix[int(a)]
        x, y = prep.nb.centers[c]
        start, end = prep.axis.bounds(int(a), int(b))
        out.append(ScanCluster(
            case_ids=tuple(sorted(case_ids[r] for r in members)), llr=float(llr),
            p_value=p_value(float(llr), maxima), observed=len(members),
            expected=float(size * n_window / len(case_ids)),
            center={"lat": float(x), "lon": float(y)} if system == "latlon" else {"x": float(x), "y": float(y)},
            radius_km=float(prep.nb.dist_km[c, int(size) - 1]), start=start, end=end))
    return out
