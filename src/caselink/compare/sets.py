"""Set-valued evidence (circumstances, substances, victim tags): rarity-weighted overlaps.

Each value's weight is its self-information, -log2 of the share of cases (with that field known)
that have it: a fact 2% of cases share counts ~5.6 bits, one half of them share counts 1 bit.
Values written ``key:value`` (e.g. ``mo1:12``) also let us see a *conflict*: both cases have
``mo1`` but with different values. A case with no values is unknown, never a match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

#: at most this many values per case are compared (the rarest are kept)
MAX_VALUES = 16
#: vocabularies up to this size are compared as bitsets (a pair is a few word operations)
MAX_BITSET_VOCAB = 256


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
    count: npt.NDArray[np.int32]
    sig: npt.NDArray[np.uint64]
    keybits: npt.NDArray[np.uint64] | None
    bits: npt.NDArray[np.uint64] | None = None
    info_lut: npt.NDArray[np.float32] | None = None
    key_lut: npt.NDArray[np.uint64] | None = None

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
    return _with_bits(SetColumn(vocab, ids, info, key, share, (ids >= 0).sum(axis=1).astype(np.int32),
                                _signature(ids), _keybits(ids, key, len(keys))))


def _signature(ids: npt.NDArray[np.int32]) -> npt.NDArray[np.uint64]:
    """64-bit summary: bit (id mod 64) per value. Disjoint signatures mean nothing is shared."""
    bit = np.where(ids >= 0, np.left_shift(np.uint64(1), (ids % 64).astype(np.uint64)), np.uint64(0))
    return np.bitwise_or.reduce(bit, axis=1) if ids.shape[1] else np.zeros(len(ids), dtype=np.uint64)


def _keybits(ids: npt.NDArray[np.int32], key: npt.NDArray[np.int32], n_keys: int) -> npt.NDArray[np.uint64] | None:
    if n_keys > 64:
        return None
    k = key[ids]
    bit = np.where(k >= 0, np.left_shift(np.uint64(1), np.maximum(k, 0).astype(np.uint64)), np.uint64(0))
    return np.bitwise_or.reduce(bit, axis=1) if ids.shape[1] else np.zeros(len(ids), dtype=np.uint64)


def _with_bits(col: SetColumn) -> SetColumn:
    """Add bitset encodings (and per-byte lookup tables) when the vocabulary is small."""
    vocab = len(col.vocab)
    if vocab == 0 or vocab > MAX_BITSET_VOCAB or col.keybits is None:
        return col
    words = (vocab + 63) // 64
    bits = np.zeros((len(col.ids), words), dtype=np.uint64)
    for j in range(col.ids.shape[1]):
        v = col.ids[:, j]
        has = v >= 0
        rows = np.flatnonzero(has)
        np.bitwise_or.at(bits, (rows, v[has] // 64), np.left_shift(np.uint64(1), (v[has] % 64).astype(np.uint64)))
    info_lut = np.zeros((words * 8, 256), dtype=np.float32)
    key_lut = np.zeros((words * 8, 256), dtype=np.uint64)
    byte_values = np.arange(256)
    for slot in range(words * 8):
        for bit in range(8):
            code = slot * 8 + bit
            if code >= vocab:
                break
            on = (byte_values >> bit) & 1 == 1
            info_lut[slot, on] += col.info[code]
            if col.key[code] >= 0:
                key_lut[slot, on] |= np.uint64(1) << np.uint64(col.key[code])
    return replace(col, bits=bits, info_lut=info_lut, key_lut=key_lut)


@dataclass(frozen=True)
class Overlap:
    """Per pair: bits shared, Jaccard, key conflicts and count shared (NaN where either is empty)."""

    info: FloatArray
    jaccard: FloatArray
    conflicts: FloatArray
    shared: FloatArray


def overlap(col: SetColumn, a: IntArray, b: IntArray) -> Overlap:
    """Rarity-weighted overlap of two cases' values, for each pair (a[i], b[i])."""
    if col.bits is not None:
        return _overlap_bits(col, a, b)
    if col.keybits is None or not col.ids.shape[1]:
        return _overlap_lists(col, a, b)
    # large vocabulary: only pairs whose signatures meet can share a value
    unknown = (col.count[a] == 0) | (col.count[b] == 0)
    maybe = np.flatnonzero((col.sig[a] & col.sig[b]) != 0)
    zeros = np.zeros(len(a))
    conflicts = np.bitwise_count(col.keybits[a] & col.keybits[b]).astype(np.float64)
    out = Overlap(zeros.copy(), zeros.copy(), conflicts, zeros.copy())
    if len(maybe):
        sub = _overlap_lists(col, a[maybe], b[maybe])
        for name in ("info", "jaccard", "conflicts", "shared"):
            getattr(out, name)[maybe] = getattr(sub, name)
    for arr in (out.info, out.jaccard, out.conflicts, out.shared):
        arr[unknown] = np.nan
    return out


def _overlap_bits(col: SetColumn, a: IntArray, b: IntArray) -> Overlap:
    """The bitset path (vocabularies up to ``MAX_BITSET_VOCAB``): a compiled loop over pairs."""
    from caselink.compare.kernels import overlap_bits

    assert col.bits is not None and col.info_lut is not None and col.key_lut is not None
    assert col.keybits is not None
    info, jaccard, conflicts, shared = overlap_bits(col.bits, col.keybits, col.count, col.info_lut, col.key_lut,
                                                    np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp))
    return Overlap(info, jaccard, conflicts, shared)


def _overlap_lists(col: SetColumn, a: IntArray, b: IntArray) -> Overlap:
    """The general path: compare every value of one case with every value of the other (compiled)."""
    from caselink.compare.kernels import overlap_lists

    info, jaccard, conflicts, shared = overlap_lists(col.ids, col.info, col.key, np.asarray(a, dtype=np.intp),
                                                     np.asarray(b, dtype=np.intp))
    return Overlap(info, jaccard, conflicts, shared)
