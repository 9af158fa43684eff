"""Synthetic cases as columns of numpy arrays: generated, concatenated and sorted as a whole.

Each stage (background, offenders, the planted Barking-like series) fills a ``Columns``; the
generator concatenates them, sorts by time and only then turns rows into contract records.
Missing values are -1 for indices and ages; list fields are bit masks over a vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class Columns:
    """One row per case. Times are int64 seconds since 1970 (UTC)."""

    itype: np.ndarray          # int8 index into vocab.TYPES
    t: np.ndarray              # true time of the offence
    before: np.ndarray         # occurred_from = t - before
    after: np.ndarray          # occurred_to = t + after
    found: np.ndarray          # found_at = t + found (-1: not recorded)
    date_only: np.ndarray      # bool: only the date was recorded
    x: np.ndarray              # km east of Charing Cross
    y: np.ndarray              # km north
    has_loc: np.ndarray        # bool
    place: np.ndarray          # int16 index into vocab.PLACES, -1 missing
    circ: np.ndarray           # uint64 mask over vocab.CIRCUMSTANCES
    subs: np.ndarray           # uint64 mask over vocab.SUBSTANCES
    weapon: np.ndarray         # int16 index into vocab.WEAPONS, -1 missing
    vage: np.ndarray           # int16, -1 missing
    vsex: np.ndarray           # int8 index into vocab.SEXES, -1 missing
    veth: np.ndarray           # int8 index into vocab.ETHNICITIES, -1 missing
    vtags: np.ndarray          # uint64 mask over vocab.VICTIM_TAGS
    klass: np.ndarray          # int8 index into vocab.CLASSES, -1 missing
    status: np.ndarray         # int8 index into vocab.STATUS_NAMES, -1 missing
    actions: np.ndarray        # uint64 mask over vocab.ACTIONS
    offender: np.ndarray       # int32 offender id, -1 background
    offender2: np.ndarray      # int32 co-offender id, -1 none
    label1: np.ndarray         # bool: offender's series id is recorded
    label2: np.ndarray         # bool: co-offender's series id is recorded
    narr_missing: np.ndarray   # bool
    style: np.ndarray          # int64 narrative style key (offender id, or -1 for background)

    def __len__(self) -> int:
        return len(self.itype)

    def take(self, index: np.ndarray) -> Columns:
        return Columns(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Columns]) -> Columns:
        return Columns(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                          for f in fields(Columns)})

    @staticmethod
    def empty(n: int) -> Columns:
        """Columns for ``n`` rows, every optional value missing."""
        i64, neg = np.zeros(n, dtype=np.int64), -np.ones(n, dtype=np.int16)
        return Columns(
            itype=np.zeros(n, dtype=np.int8), t=i64.copy(), before=i64.copy(), after=i64.copy(),
            found=-np.ones(n, dtype=np.int64), date_only=np.zeros(n, dtype=bool), x=np.zeros(n),
            y=np.zeros(n), has_loc=np.ones(n, dtype=bool), place=neg.copy(),
            circ=np.zeros(n, dtype=np.uint64), subs=np.zeros(n, dtype=np.uint64), weapon=neg.copy(),
            vage=neg.copy(), vsex=-np.ones(n, dtype=np.int8), veth=-np.ones(n, dtype=np.int8),
            vtags=np.zeros(n, dtype=np.uint64), klass=-np.ones(n, dtype=np.int8),
            status=-np.ones(n, dtype=np.int8), actions=np.zeros(n, dtype=np.uint64),
            offender=-np.ones(n, dtype=np.int32), offender2=-np.ones(n, dtype=np.int32),
            label1=np.zeros(n, dtype=bool), label2=np.zeros(n, dtype=bool),
            narr_missing=np.zeros(n, dtype=bool), style=-np.ones(n, dtype=np.int64),
        )


def to_mask(flags: np.ndarray) -> np.ndarray:
    """Boolean matrix (rows x vocabulary) to a uint64 bit mask per row."""
    weights = np.left_shift(np.uint64(1), np.arange(flags.shape[1], dtype=np.uint64))
    return (flags.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)


def categorical(rng: np.random.Generator, p: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One draw per row from the categorical distribution ``p[rows]`` (vectorised)."""
    cdf = np.cumsum(p, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(len(rows))
    return (u[:, None] > cdf[rows]).sum(axis=1)


def bernoulli_mask(rng: np.random.Generator, rates: np.ndarray) -> np.ndarray:
    """Independent inclusion of each vocabulary item with per-row ``rates``; returns bit masks."""
    out = np.zeros(len(rates), dtype=np.uint64)
    step = 100_000
    for s in range(0, len(rates), step):
        r = rates[s:s + step]
        out[s:s + step] = to_mask(rng.random(r.shape, dtype=np.float32) < r)
    return out
