"""Time kernels: expected gaps between uncertain times.

A case's time is an interval [t_from, t_to] (a death is found, not seen). Each kernel treats the
time as uniform over its interval and returns the *expected* gap, so an exact time and a vague
one are compared on the same footing. Times are float days since 1970-01-01 (UTC).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]

#: below this width (days) relative to the other interval, an interval is treated as a point
_POINT_RATIO = 1e-6
#: samples per case used to spread an interval over time-of-day / day-of-week bins
_SAMPLES = 96
TOD_BINS = 24
DOW_BINS = 7


def _cube(u: FloatArray) -> FloatArray:
    return np.abs(u) ** 3 / 6.0


def _half_square(u: FloatArray) -> FloatArray:
    return u * np.abs(u) / 2.0


def expected_abs_gap(a1: FloatArray, b1: FloatArray, a2: FloatArray, b2: FloatArray) -> FloatArray:
    """E|X - Y| for X ~ U[a1, b1], Y ~ U[a2, b2], in closed form (vectorised).

    With g(u) = |u|^3 / 6 (so g'' = |u|), the double integral of |x - y| over the rectangle is
    g(b1 - a2) + g(a1 - b2) - g(a1 - a2) - g(b1 - b2). Disjoint intervals reduce exactly to the
    gap between midpoints; near-point intervals use the one-sided formula to avoid cancellation.

    Example:
        >>> float(expected_abs_gap(np.array([0.0]), np.array([1.0]), np.array([0.0]), np.array([1.0]))[0])
        0.3333333333333333
    """
    a1, b1, a2, b2 = (np.asarray(v, dtype=np.float64) for v in (a1, b1, a2, b2))
    w1, w2 = b1 - a1, b2 - a2
    m1, m2 = (a1 + b1) / 2.0, (a2 + b2) / 2.0
    out = np.abs(m1 - m2)
    overlap = (b1 > a2) & (b2 > a1)
    point1 = w1 <= _POINT_RATIO * np.maximum(w2, 1e-12)
    point2 = w2 <= _POINT_RATIO * np.maximum(w1, 1e-12)
    both = overlap & ~point1 & ~point2
    if both.any():
        p, q, r, s = a1[both], b1[both], a2[both], b2[both]
        num = _cube(q - r) + _cube(p - s) - _cube(p - r) - _cube(q - s)
        out[both] = num / ((q - p) * (s - r))
    one = overlap & point1 & ~point2  # X is a point inside Y's interval
    if one.any():
        x, r, s = m1[one], a2[one], b2[one]
        out[one] = (_half_square(x - r) - _half_square(x - s)) / (s - r)
    two = overlap & point2 & ~point1
    if two.any():
        y, p, q = m2[two], a1[two], b1[two]
        out[two] = (_half_square(y - p) - _half_square(y - q)) / (q - p)
    return out


def circular_distance_matrix(bins: int, period: float) -> FloatArray:
    """Expected circular distance between two points uniform in bins i and j (exact, by grid)."""
    width = period / bins
    grid = (np.arange(64) + 0.5) / 64 * width  # positions within a bin
    out = np.empty((bins, bins))
    for k in range(bins):
        diff = np.abs(k * width + grid[:, None] - grid[None, :])
        diff = np.minimum(diff % period, period - diff % period)
        out[0, k] = diff.mean()
    for i in range(1, bins):
        out[i] = np.roll(out[0], i)
    return out


def cyclic_histograms(t_from: FloatArray, t_to: FloatArray, period_days: float, bins: int) -> FloatArray:
    """Share of each case's interval that falls in each bin of a cycle (day or week).

    An interval as long as the cycle (or longer) is uniform over it, i.e. unknown.
    """
    n = len(t_from)
    frac = (np.arange(_SAMPLES) + 0.5) / _SAMPLES
    hist = np.zeros((n, bins), dtype=np.float32)
    chunk = 65536
    for start in range(0, n, chunk):
        lo, hi = t_from[start:start + chunk], t_to[start:start + chunk]
        samples = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
        phase = np.floor((samples % period_days) / period_days * bins).astype(np.int64) % bins
        flat = (np.arange(len(lo))[:, None] * bins + phase).ravel()
        counts = np.bincount(flat, minlength=len(lo) * bins).reshape(len(lo), bins)
        hist[start:start + chunk] = counts / _SAMPLES
    return hist


def tod_histograms(t_from: FloatArray, t_to: FloatArray) -> FloatArray:
    return cyclic_histograms(t_from, t_to, 1.0, TOD_BINS)


def dow_histograms(t_from: FloatArray, t_to: FloatArray) -> FloatArray:
    # 1970-01-01 was a Thursday; the bins' labels do not matter for a gap
    return cyclic_histograms(t_from, t_to, 7.0, DOW_BINS)


def expected_circular_gap(weighted: FloatArray, hist: FloatArray, a: npt.NDArray[np.intp],
                          b: npt.NDArray[np.intp]) -> FloatArray:
    """E[circular gap] for pairs, given per-case ``weighted = hist @ D`` and ``hist``."""
    from caselink.compare.kernels import row_dot

    return row_dot(weighted, hist, a, b)
