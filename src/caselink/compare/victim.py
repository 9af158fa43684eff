"""Victim and single-valued attributes: age gap, sex/ethnicity agreement, categorical matches.

Codes are small ints with -1 for unknown; a comparison with an unknown side is NaN, never a match.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

#: values that mean "not known" in single-valued fields
UNKNOWN_VALUES = frozenset({"", "u", "unknown", "na", "n/a", "none", "null"})


@dataclass(frozen=True)
class Categorical:
    """A single-valued field encoded as codes (-1 unknown) with each value's share and info."""

    vocab: list[str]
    codes: npt.NDArray[np.int32]
    info: npt.NDArray[np.float64]  # -log2 share, one extra trailing 0 for code -1


def encode_categorical(values: Sequence[object]) -> Categorical:
    """Encode strings (case-insensitive; None/NaN/'unknown' = unknown)."""
    clean: list[str | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            clean.append(None)
            continue
        s = str(v).strip().lower()
        clean.append(None if s in UNKNOWN_VALUES else s)
    vocab = sorted({v for v in clean if v is not None})
    index = {v: i for i, v in enumerate(vocab)}
    codes = np.array([index[v] if v is not None else -1 for v in clean], dtype=np.int32)
    known = codes >= 0
    counts = np.bincount(codes[known], minlength=len(vocab)).astype(np.float64)
    share = (counts + 0.5) / (max(int(known.sum()), 1) + 1.0)
    return Categorical(vocab, codes, np.append(-np.log2(share), 0.0))


def agreement(col: Categorical, a: IntArray, b: IntArray) -> FloatArray:
    """1.0 same value, 0.0 different, NaN when either is unknown."""
    ca, cb = col.codes[a], col.codes[b]
    out = (ca == cb).astype(np.float64)
    out[(ca < 0) | (cb < 0)] = np.nan
    return out


def match_info(col: Categorical, a: IntArray, b: IntArray) -> FloatArray:
    """Bits of a shared value (rarer = more), 0.0 when different, NaN when either is unknown."""
    ca, cb = col.codes[a], col.codes[b]
    out = np.where(ca == cb, col.info[ca], 0.0)
    out[(ca < 0) | (cb < 0)] = np.nan
    return out


def age_gap(age: FloatArray, a: IntArray, b: IntArray) -> FloatArray:
    """Absolute difference in victim age (years); NaN when either is unknown."""
    return np.abs(age[a] - age[b])
