"""Set-valued evidence (circumstances, substances, victim tags): rarity-weighted overlaps.

Each value's weight is its self-information, -log2 of the share of cases (with that field known)
that have it: a fact 2% of cases share counts ~5.6 bits, one half of them share counts 1 bit.
Values written ``key:value`` (e.g. ``mo1:12``) also let us see a *conflict*: both cases have
``mo1`` but with different values. A case with no values is unknown, never a match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

#: at most this many values per case are compared (the rarest are kept)
MAX_VALUES = 16


@dataclass(frozen=True)
class SetColumn:
    """One list field, encoded: ``ids`` (n, L) value ids padded with -1, per-value info and keys.

    ``info`` and ``key`` have one extra trailing entry (0 bits, key -1) so that id -1 indexes it.
    """

    vocab: list[str]
    ids: npt.NDArray[np.int32]
    info: npt.NDArray[np.float32]
    key: npt.NDArray[np.int32]
    share: npt.NDArray[np.float64]

    @property
    def known(self) -> npt.NDArray[np.bool_]:
        return self.ids[:, 0] >= 0 if self.ids.shape[1] else np.zeros(len(self.ids), dtype=bool)


def as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None and str(v)]
    return []


def encode(values: Sequence[object]) -> SetColumn:
    """Encode a column of lists (None/NaN = no values) into a SetColumn."""
    rows = [sorted(set(as_list(v))) for v in values]
    vocab = sorted({v for r in rows for v in r})
    index = {v: i for i, v in enumerate(vocab)}
    counts = np.zeros(len(vocab))
    for r in rows:
        for v in r:
            counts[index[v]] += 1
    n_known = max(sum(1 for r in rows if r), 1)
    share = (counts + 0.5) / (n_known + 1.0)
    info = np.append(-np.log2(share), 0.0).astype(np.float32)
    keys = sorted({v.split(":", 1)[0] for v in vocab if ":" in v})
    key_index = {k: i for i, k in enumerate(keys)}
    key = np.array([key_index[v.split(":", 1)[0]] if ":" in v else -1 for v in vocab] + [-1], dtype=np.int32)
    width = min(max((len(r) for r in rows), default=0), MAX_VALUES)
    ids = np.full((len(rows), width), -1, dtype=np.int32)
    for i, r in enumerate(rows):
        codes = sorted((index[v] for v in r), key=lambda c: -info[c])[:width]
        ids[i, :len(codes)] = codes
    return SetColumn(vocab, ids, info, key, share)


@dataclass(frozen=True)
class Overlap:
    """Per pair: bits shared, Jaccard, key conflicts and count shared (NaN where either is empty)."""

    info: FloatArray
    jaccard: FloatArray
    conflicts: FloatArray
    shared: FloatArray


def overlap(col: SetColumn, a: IntArray, b: IntArray) -> Overlap:
    """Rarity-weighted overlap of two cases' values, for each pair (a[i], b[i])."""
    ia, ib = col.ids[a], col.ids[b]
    match = (ia[:, :, None] == ib[:, None, :]) & (ia[:, :, None] >= 0)
    in_b = match.any(axis=2)
    shared_info = (col.info[ia] * in_b).sum(axis=1, dtype=np.float32)
    n_shared = in_b.sum(axis=1)
    n_union = (ia >= 0).sum(axis=1) + (ib >= 0).sum(axis=1) - n_shared
    conflicts = np.maximum(_conflicts(col, ia, ib, in_b), _conflicts(col, ib, ia, match.any(axis=1)))
    unknown = (ia[:, 0] < 0) | (ib[:, 0] < 0) if ia.shape[1] else np.ones(len(a), dtype=bool)
    jaccard = n_shared / np.maximum(n_union, 1)
    out = [shared_info.astype(np.float64), jaccard.astype(np.float64), conflicts.astype(np.float64),
           n_shared.astype(np.float64)]
    for arr in out:
        arr[unknown] = np.nan
    return Overlap(*out)


def _conflicts(col: SetColumn, ia: npt.NDArray[np.int32], ib: npt.NDArray[np.int32],
               matched: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """Keys both sides have where this side's value (for that key) is not on the other side."""
    ka, kb = col.key[ia], col.key[ib]
    key_in_b = ((ka[:, :, None] == kb[:, None, :]) & (ka[:, :, None] >= 0)).any(axis=2)
    return (key_in_b & ~matched).sum(axis=1)
