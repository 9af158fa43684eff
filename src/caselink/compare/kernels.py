"""Compiled per-pair loops (numba) for the comparisons that numpy can only do by first gathering
both cases' rows into temporary arrays: neighbour counts, row dot products, and the model's
per-feature curves. Each allocates only its output. The comparison kernels release the GIL
(``compare_pairs`` runs chunks on threads); the scorer runs over pairs in parallel (``prange``).

The numpy formulas they replace are kept in the docstrings; ``tests/compare/test_kernels.py``
checks every kernel against them on random inputs, unknowns and edge cases included.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit, prange

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SCALE_LINEAR, SCALE_LOG = 0, 1
KIND_STEP, KIND_CURVE = 0, 1


@njit(cache=True, nogil=True)
def space_count(d: FloatArray, knn: npt.NDArray[np.float32], rows: IntArray, cap: float,
                min_radius: float) -> FloatArray:  # pragma: no cover - compiled
    """Cases nearer than ``d[i]`` to case ``rows[i]``, from its sorted kept-neighbour distances
    ``knn[rows[i]]``: exact within them, beyond the farthest extrapolated as ``k (d / last)^2``;
    at most ``cap``; NaN where ``d`` is unknown. (numpy: ``(knn[rows] < d[:, None]).sum(1)`` ...)"""
    n, k = len(rows), knn.shape[1]
    out = np.empty(n)
    top = max(cap, 0.0)
    for i in range(n):
        di = d[i]
        if not np.isfinite(di):
            out[i] = np.nan
            continue
        r = rows[i]
        value = 0.0
        if k > 0:
            last = np.float64(knn[r, k - 1])
            if np.isfinite(last) and di > last:
                value = k * (di / max(last, min_radius)) ** 2
            else:
                lo, hi = 0, k
                while lo < hi:  # first kept neighbour at or beyond d
                    mid = (lo + hi) // 2
                    if np.float64(knn[r, mid]) < di:
                        lo = mid + 1
                    else:
                        hi = mid
                value = float(lo)
        out[i] = min(value, top)
    return out


@njit(cache=True, nogil=True)
def row_dot(x: npt.NDArray[np.floating], y: npt.NDArray[np.floating], a: IntArray,
            b: IntArray) -> FloatArray:  # pragma: no cover - compiled
    """``sum_j x[a[i], j] * y[b[i], j]`` for every pair, in float64 (numpy: ``einsum("ij,ij->i", x[a], y[b])``)."""
    n, width = len(a), x.shape[1]
    out = np.empty(n)
    for i in range(n):
        ra, rb = a[i], b[i]
        total = 0.0
        for j in range(width):
            total += np.float64(x[ra, j]) * np.float64(y[rb, j])
        out[i] = total
    return out


@njit(cache=True, inline="always")
def _term(x: float, scale: int, kind: int, knots: FloatArray, weights: FloatArray, size: int,
          missing: float) -> float:  # pragma: no cover - compiled
    if scale == SCALE_LOG:
        x = np.log1p(max(x, 0.0))
    if np.isnan(x):
        return missing
    if kind == KIND_STEP:  # weight of the bin: how many knots are <= x
        lo, hi = 0, size
        while lo < hi:
            mid = (lo + hi) // 2
            if knots[mid] <= x:
                lo = mid + 1
            else:
                hi = mid
        return weights[lo]
    if x <= knots[0]:  # curve: linear between knots, flat beyond the ends (np.interp)
        return weights[0]
    if x >= knots[size - 1]:
        return weights[size - 1]
    lo, hi = 0, size - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if knots[mid] <= x:
            lo = mid
        else:
            hi = mid
    span = knots[hi] - knots[lo]
    t = (x - knots[lo]) / span if span > 0 else 0.0
    return weights[lo] + t * (weights[hi] - weights[lo])


@njit(cache=True, parallel=True)
def additive_log_odds(values: npt.NDArray[np.float32], columns: npt.NDArray[np.int64], scales: npt.NDArray[np.int64],
                      kinds: npt.NDArray[np.int64], knots: FloatArray, weights: FloatArray,
                      sizes: npt.NDArray[np.int64], missing: FloatArray, intercept: float,
                      slope: float) -> FloatArray:  # pragma: no cover - compiled
    """``intercept + slope * sum_t term_t(values[:, columns[t]])`` for every pair (a column of -1:
    the feature was not computed, so the term's "unknown" weight). Knots and weights of term ``t``
    are row ``t`` of the padded ``knots``/``weights``, ``sizes[t]`` knots long."""
    n, terms = values.shape[0], len(columns)
    out = np.empty(n)
    for i in prange(n):
        total = 0.0
        for t in range(terms):
            c = columns[t]
            x = np.float64(values[i, c]) if c >= 0 else np.nan
            total += _term(x, scales[t], kinds[t], knots[t], weights[t], sizes[t], missing[t])
        out[i] = intercept + slope * total
    return out


@njit(cache=True, inline="always")
def _popcount(x: np.uint64) -> int:  # pragma: no cover - compiled
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@njit(cache=True, nogil=True)
def overlap_bits(bits: npt.NDArray[np.uint64], keybits: npt.NDArray[np.uint64], count: npt.NDArray[np.int32],
                 info_lut: npt.NDArray[np.float32], key_lut: npt.NDArray[np.uint64], a: IntArray,
                 b: IntArray) -> FloatArray:  # pragma: no cover - compiled
    """Rows (info, jaccard, conflicts, shared) of the overlap of two cases' value bitsets, NaN when
    either case has no value. ``info_lut[8 w + k, byte]`` is the bits of the values set in byte
    ``k`` of word ``w``; ``key_lut`` the keys they carry (see ``sets._with_bits``)."""
    n, words = len(a), bits.shape[1]
    out = np.empty((4, n))
    for i in range(n):
        ra, rb = a[i], b[i]
        if count[ra] == 0 or count[rb] == 0:
            out[:, i] = np.nan
            continue
        shared, info, keys = 0, 0.0, np.uint64(0)
        for w in range(words):
            word = bits[ra, w] & bits[rb, w]
            if word == 0:
                continue
            shared += _popcount(word)
            for byte in range(8):
                idx = (word >> np.uint64(8 * byte)) & np.uint64(255)
                info += np.float64(info_lut[w * 8 + byte, idx])
                keys |= key_lut[w * 8 + byte, idx]
        union = count[ra] + count[rb] - shared
        out[0, i] = info
        out[1, i] = shared / max(union, 1)
        out[2, i] = _popcount(keybits[ra] & keybits[rb] & ~keys)
        out[3, i] = shared
    return out


@njit(cache=True, nogil=True)
def overlap_lists(ids: npt.NDArray[np.int32], info: npt.NDArray[np.float32], key: npt.NDArray[np.int32],
                  a: IntArray, b: IntArray) -> FloatArray:  # pragma: no cover - compiled
    """Rows (info, jaccard, conflicts, shared) of the overlap of two cases' value lists (``ids``
    padded with -1 at the end; ``info``/``key`` indexed by id, -1 reading their trailing entry).
    A conflict is a key both cases have under which they share no value, counted once per key.
    NaN rows where either case has no value."""
    n, width = len(a), ids.shape[1]
    out = np.empty((4, n))
    for i in range(n):
        ra, rb = a[i], b[i]
        if width == 0 or ids[ra, 0] < 0 or ids[rb, 0] < 0:
            out[:, i] = np.nan
            continue
        shared, n_a, n_b, bits, conflicts = 0, 0, 0, np.float32(0.0), 0
        for k in range(width):
            n_b += ids[rb, k] >= 0
        for j in range(width):
            v = ids[ra, j]
            if v < 0:
                continue
            n_a += 1
            for k in range(width):
                if ids[rb, k] == v:
                    shared += 1
                    bits += info[v]
                    break
        for j in range(width):  # conflicts: first occurrence of each key of a
            v = ids[ra, j]
            kj = key[v] if v >= 0 else -1
            if kj < 0:
                continue
            seen = False
            for m in range(j):
                if ids[ra, m] >= 0 and key[ids[ra, m]] == kj:
                    seen = True
                    break
            if seen:
                continue
            in_b, matched = False, False
            for k in range(width):
                w = ids[rb, k]
                if w >= 0 and key[w] == kj:
                    in_b = True
            for m in range(width):  # does a value of a under this key also appear in b?
                u = ids[ra, m]
                if u < 0 or key[u] != kj:
                    continue
                for k in range(width):
                    if ids[rb, k] == u:
                        matched = True
            if in_b and not matched:
                conflicts += 1
        out[0, i] = bits
        out[1, i] = shared / max(n_a + n_b - shared, 1)
        out[2, i] = conflicts
        out[3, i] = shared
    return out
