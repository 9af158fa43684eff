"""Keyed MO codes (``entry:rear_window``, ``method:jemmied``): at most one value per key per case.

A profile whose ``Vocab`` has ``mo`` records circumstances the way many forces' crime systems do:
a fixed set of MO fields, each with a coded value or left blank. Whether a case records a key
depends only on its incident type (series or not, so the presence of a field is no evidence); a
serial offender has a usual value per key, used in a share of their cases (the rest are drawn
from the base rates), and may change one of them part-way through the series.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from caselink.synth.columns import categorical

if TYPE_CHECKING:
    from caselink.synth.profile import Vocab

DRIFT_SHARE = 0.35  # offenders who change one MO value part-way through their series


def _bits(first: int, index: np.ndarray) -> np.ndarray:
    return np.left_shift(np.uint64(1), (first + index).astype(np.uint64))


def draw(rng: np.random.Generator, voc: Vocab, itype: np.ndarray) -> np.ndarray:
    """Base-rate MO codes for cases of types ``itype``, as bit masks over ``voc.circumstances``."""
    out = np.zeros(len(itype), dtype=np.uint64)
    for first, p in voc.mo_tables:
        k = categorical(rng, p, itype)
        has = k < p.shape[1] - 1
        out[has] |= _bits(first, k[has])
    return out


def signatures(rng: np.random.Generator, voc: Vocab, itype: np.ndarray,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each offender's usual value per key (-1: the key does not apply to their type), how often
    they use it, and the value they switch to after drifting (-1: no switch). Usual values lean
    towards the rarer codes of the type (weights rate ** 0.3), as in ``offenders._signatures``."""
    k, n_keys = len(itype), len(voc.mo_tables)
    sig = -np.ones((k, n_keys), dtype=np.int64)
    alt = -np.ones((k, n_keys), dtype=np.int64)
    for j, (_, p) in enumerate(voc.mo_tables):
        w = p[:, :-1] ** 0.3
        total = w.sum(axis=1, keepdims=True)
        applies = total[itype, 0] > 0
        w = np.where(total > 0, w / np.maximum(total, 1e-12), 1.0 / w.shape[1])
        first, second = categorical(rng, w, itype), categorical(rng, w, itype)
        sig[applies, j] = first[applies]
        alt[applies & (second != first), j] = second[applies & (second != first)]
    changing = rng.integers(0, n_keys, k)
    drifts = rng.random(k) < DRIFT_SHARE
    keep = np.zeros((k, n_keys), dtype=bool)
    keep[np.arange(k), changing] = drifts
    alt[~keep] = -1
    return sig, rng.uniform(0.45, 0.9, (k, n_keys)), alt


def series_draw(rng: np.random.Generator, voc: Vocab, sig: np.ndarray, sig_p: np.ndarray, alt: np.ndarray,
                off: np.ndarray, after_drift: np.ndarray, itype: np.ndarray) -> np.ndarray:
    """MO codes of serial cases (offender row ``off``; ``after_drift``: past the offender's switch)."""
    out = np.zeros(len(off), dtype=np.uint64)
    for j, (first, p) in enumerate(voc.mo_tables):
        k = categorical(rng, p, itype)
        recorded = k < p.shape[1] - 1
        usual = np.where(after_drift & (alt[off, j] >= 0), alt[off, j], sig[off, j])
        own = recorded & (usual >= 0) & (rng.random(len(off)) < sig_p[off, j])
        value = np.where(own, usual, k)
        out[recorded] |= _bits(first, value[recorded])
    return out
