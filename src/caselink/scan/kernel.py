"""Compiled inner loops of the space-time permutation scan (numba).

The cylinder set is fixed by the data's locations and time margins; a Monte Carlo replicate only
permutes which time goes with which location. For one centre the kernel grows the circle one
neighbour (tie group) at a time, keeps the times inside it sorted, and evaluates only the time
windows that can hold a maximum: windows that contain the newest neighbour's time and whose ends
are times of cases inside the circle. Any other cylinder has the same observed count as one of
these with a larger expected count, so its likelihood ratio is lower (see ``reference.py`` for the
brute force this is tested against).

All arrays are plain numpy; times are integer time units ``0 .. T-1``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _llr(c: float, mu: float, n: float) -> float:
    """Poisson generalised log likelihood ratio of a high cluster (0 unless c > mu)."""
    if c <= mu:
        return 0.0
    out = c * math.log(c / mu)
    if n - c > 0:
        out += (n - c) * math.log((n - c) / (n - mu))
    return out


@njit(cache=True)
def _threshold(c: int, top: float, n: float) -> float:
    """An expected count at or above which ``c`` observed cases cannot have LLR > ``top``.

    LLR(c, mu) falls as mu rises towards c, so the set of mu that beat ``top`` is ``(0, mu*)``;
    bisection (in log space) returns the upper end of a bracket around ``mu*``.
    """
    if top <= 0.0:
        return float(c)
    hi = c * math.exp(-top / c)  # c * log(c / mu) > top is needed: the second LLR term is < 0
    if hi < 1e-280:  # (near) underflow: no expected count of a real cylinder is this small
        return hi
    lo = hi * 1e-12
    if _llr(c, lo, n) <= top:
        return lo
    for _ in range(40):
        mid = math.sqrt(lo) * math.sqrt(hi)  # lo * hi itself can underflow to 0
        if _llr(c, mid, n) > top:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-9 * hi:
            break
    return hi


@njit(cache=True, inline="always")
def _beats(c: int, mu: float, best: np.ndarray, bound: np.ndarray, bound_at: np.ndarray, n: float) -> bool:
    """Necessary test for LLR(c, mu) > best[0] without logarithms, from a per-``c`` cache.

    The cache entry for ``c`` is recomputed only when the LLR to beat has changed.
    """
    top = best[0]
    if bound_at[c] != top:
        bound[c] = _threshold(c, top, n)
        bound_at[c] = top
    return mu < bound[c]


@njit(cache=True)
def _lower(buf: np.ndarray, n: int, value: int) -> int:
    """First index in sorted ``buf[:n]`` whose value is >= ``value``."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if buf[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, inline="always")
def _sort_small(buf: np.ndarray, m: int) -> None:
    """Insertion sort of ``buf[:m]`` (m is a handful of cases)."""
    for i in range(1, m):
        t = buf[i]
        j = i
        while j > 0 and buf[j - 1] > t:
            buf[j] = buf[j - 1]
            j -= 1
        buf[j] = t


@njit(cache=True, inline="always")
def _through(
    ct: np.ndarray, n_in: int, tg: int, m_max: int, prefix: np.ndarray, n_total: float, max_len: int,
    prospective: bool, t_end: int, buf: np.ndarray, best: np.ndarray, bound: np.ndarray,
    bound_at: np.ndarray,
) -> None:
    """Evaluate windows containing time ``tg`` for the circle of the first ``n_in`` neighbours.

    ``ct`` holds the neighbours' times in distance order. A window through ``tg`` holds at most
    the ``m`` circle cases within ``max_len`` units of it and expects at least the cases of unit
    ``tg`` (prospective: ``tg .. t_end``) in proportion; when even that cannot beat ``best`` the
    windows are skipped, which is what makes replicates fast. ``m_max`` is a cheap upper bound on
    the count of any window through ``tg``, checked first.
    """
    if prospective:
        lo_t, hi_t = t_end - max_len + 1, t_end
        if tg < lo_t:
            return
        mu_min = n_in * (prefix[t_end + 1] - prefix[tg]) / n_total
    else:
        lo_t, hi_t = tg - max_len + 1, tg + max_len - 1
        mu_min = n_in * (prefix[tg + 1] - prefix[tg]) / n_total
    if not _beats(m_max, mu_min, best, bound, bound_at, n_total):
        return
    m = 0
    for r in range(n_in):  # the hot loop: how many circle cases could share a window with tg
        if lo_t <= ct[r] <= hi_t:
            m += 1
    if not _beats(min(m, m_max), mu_min, best, bound, bound_at, n_total):
        return
    m = 0
    for r in range(n_in):
        t = ct[r]
        if lo_t <= t <= hi_t:
            buf[m] = t
            m += 1
    _sort_small(buf, m)
    first_tg = _lower(buf, m, tg)
    for ia in range(0, first_tg + 1):
        if ia > 0 and buf[ia] == buf[ia - 1]:
            continue
        a = buf[ia]
        if prospective:
            _consider(m - ia, n_in, a, t_end, prefix, n_total, best, bound, bound_at)
            continue
        for ib in range(first_tg, m):
            if ib + 1 < m and buf[ib + 1] == buf[ib]:
                continue
            if buf[ib] - a > max_len - 1:
                break
            _consider(ib + 1 - ia, n_in, a, buf[ib], prefix, n_total, best, bound, bound_at)


@njit(cache=True, inline="always")
def _consider(
    c: int, n_in: int, a: int, b: int, prefix: np.ndarray, n_total: float, best: np.ndarray,
    bound: np.ndarray, bound_at: np.ndarray,
) -> None:
    """Score the cylinder (circle of ``n_in`` cases, units ``a .. b``) holding ``c`` cases."""
    mu = n_in * (prefix[b + 1] - prefix[a]) / n_total
    if not _beats(c, mu, best, bound, bound_at, n_total):
        return
    v = _llr(c, mu, n_total)
    if v > best[0]:
        best[0], best[1], best[2], best[3] = v, n_in, a, b


@njit(cache=True)
def _center_best(
    row: np.ndarray, tie_end: np.ndarray, times: np.ndarray, prefix: np.ndarray, n_total: float,
    max_len: int, prospective: bool, t_end: int, ct: np.ndarray, buf: np.ndarray, blocks: np.ndarray,
    best: np.ndarray, bound: np.ndarray, bound_at: np.ndarray,
) -> None:
    """Best cylinder for one centre: ``row`` are its neighbours by distance (-1 pads).

    ``best`` is updated only by cylinders beating its current LLR: start it at zeros for this
    centre's own best, or carry it over centres when only the overall maximum is wanted.
    ``blocks`` (all zero on entry and on return) counts circle cases per ``max_len`` units: a
    window through a time lies within that time's block and one neighbour, which bounds its
    count in O(1).
    """
    group_start = 0
    n_in = 0
    for r in range(row.shape[0]):
        j = row[r]
        if j < 0:
            break
        ct[r] = times[j]
        blocks[ct[r] // max_len + 1] += 1
        n_in = r + 1
        if not tie_end[r]:
            continue
        for g in range(group_start, r + 1):
            k = ct[g] // max_len + 1
            m_max = blocks[k] + max(blocks[k - 1], blocks[k + 1])
            _through(ct, n_in, ct[g], m_max, prefix, n_total, max_len, prospective, t_end, buf, best,
                     bound, bound_at)
        group_start = r + 1
    for r in range(n_in):
        blocks[ct[r] // max_len + 1] -= 1


@njit(cache=True, parallel=True)
def best_per_center(
    nb: np.ndarray, tie_end: np.ndarray, times: np.ndarray, prefix: np.ndarray, max_len: int,
    prospective: bool, t_end: int,
) -> np.ndarray:
    """For each centre, its best cylinder as ``[llr, cases_in_circle, start, end]``."""
    n_centers, width = nb.shape
    n_blocks = (int(times.max()) if times.shape[0] else 0) // max_len + 3
    out = np.zeros((n_centers, 4))
    n_total = float(times.shape[0])
    for c in prange(n_centers):
        ct, buf = np.empty(width, dtype=np.int64), np.empty(width, dtype=np.int64)
        blocks = np.zeros(n_blocks, dtype=np.int64)
        bound, bound_at = np.zeros(width + 2), np.full(width + 2, -1.0)
        best = np.array([0.0, 0.0, -1.0, -1.0])
        _center_best(nb[c], tie_end[c], times, prefix, n_total, max_len, prospective, t_end, ct, buf,
                     blocks, best, bound, bound_at)
        out[c, :] = best
    return out


@njit(cache=True, parallel=True)
def replicate_maxima(
    nb: np.ndarray, tie_end: np.ndarray, time_sets: np.ndarray, prefix: np.ndarray, max_len: int,
    prospective: bool, t_end: int,
) -> np.ndarray:
    """Maximum LLR over all cylinders for each row of ``time_sets`` (one permutation each)."""
    n_reps = time_sets.shape[0]
    n_centers, width = nb.shape
    n_blocks = (int(time_sets.max()) if time_sets.size else 0) // max_len + 3
    out = np.zeros(n_reps)
    n_total = float(time_sets.shape[1])
    for rep in prange(n_reps):
        ct, buf = np.empty(width, dtype=np.int64), np.empty(width, dtype=np.int64)
        blocks = np.zeros(n_blocks, dtype=np.int64)
        bound, bound_at = np.zeros(width + 2), np.full(width + 2, -1.0)
        best = np.zeros(4)
        times = time_sets[rep]
        for c in range(n_centers):
            _center_best(nb[c], tie_end[c], times, prefix, n_total, max_len, prospective, t_end, ct,
                         buf, blocks, best, bound, bound_at)
        out[rep] = best[0]
    return out
