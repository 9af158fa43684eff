"""Local density context: how many cases lie nearer than this pair, in space and in time.

300 m means little in a city centre and a lot in the countryside. For each case we precompute
the distance to its K-th nearest neighbour (r_K); the number of cases expected nearer than a
pair's distance d is then about K (d / r_K)^2 in the plane and K (d / r_K) on the time line.
A pair's value is log10(1 + mean of both sides' counts): 0 means nothing lies nearer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from caselink.errors import CaselinkError

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

NEIGHBOURS = 10
#: neighbour distances kept per case for exact counts in space (beyond them: extrapolated)
KEEP = 32
MIN_RADIUS_M = 1.0
MIN_RADIUS_DAYS = 1.0 / 24.0


def space_radius(px: FloatArray, py: FloatArray, group: npt.NDArray[np.int8], k: int = NEIGHBOURS) -> FloatArray:
    """Per case: distance (m) to its k-th nearest neighbour among cases of the same ``group``.

    NaN for cases without location or when the group has fewer than two cases.
    """
    out = np.full(len(px), np.nan)
    for g in np.unique(group[group >= 0]):
        idx = np.flatnonzero(group == g)
        if len(idx) < 2:
            continue
        kk = min(k, len(idx) - 1)
        pts = np.column_stack([px[idx], py[idx]])
        dist, _ = cKDTree(pts).query(pts, k=kk + 1)
        out[idx] = np.maximum(np.asarray(dist)[:, kk] * (k / kk) ** 0.5, MIN_RADIUS_M)
    return out


def time_radius(mid: FloatArray, k: int = NEIGHBOURS) -> FloatArray:
    """Per case: gap (days) to its k-th nearest neighbour on the time line (by midpoint)."""
    n = len(mid)
    if n < 2:
        return np.full(n, np.nan)
    kk = min(k, n - 1)
    order = np.argsort(mid, kind="stable")
    s = mid[order]
    padded = np.concatenate([np.full(kk, -np.inf), s, np.full(kk, np.inf)])
    offsets = np.concatenate([np.arange(-kk, 0), np.arange(1, kk + 1)])
    out_sorted = np.empty(n)
    chunk = 131072
    for start in range(0, n, chunk):
        pos = np.arange(start, min(start + chunk, n)) + kk
        gaps = np.abs(padded[pos[:, None] + offsets[None, :]] - padded[pos][:, None])
        out_sorted[start:start + len(pos)] = np.partition(gaps, kk - 1, axis=1)[:, kk - 1]
    out = np.empty(n)
    out[order] = np.maximum(out_sorted * (k / kk), MIN_RADIUS_DAYS)
    return out


def space_count(d: FloatArray, knn: npt.NDArray[np.float32], rows: IntArray, cap: float) -> FloatArray:
    """Cases nearer than ``d`` to each case in ``rows``: exact within its kept neighbours, else
    extrapolated from the farthest kept one with the planar law count ~ d^2 (compiled loop)."""
    from caselink.compare import kernels

    return kernels.space_count(np.asarray(d, dtype=np.float64), knn, np.asarray(rows, dtype=np.intp),
                               float(cap), float(MIN_RADIUS_M))


def time_count(mid_sorted: FloatArray, mid: FloatArray, gap: FloatArray, rows: IntArray) -> FloatArray:
    """Cases (other than the case itself) whose midpoint lies within ``gap`` of each case's midpoint."""
    m = mid[rows]
    hi = np.searchsorted(mid_sorted, m + gap, side="left")
    lo = np.searchsorted(mid_sorted, m - gap, side="right")
    return np.maximum(hi - lo - 1, 0).astype(np.float64)


def neighbour_distances(trees: dict[int, cKDTree], px: FloatArray, py: FloatArray, group: npt.NDArray[np.int8],
                        k: int = KEEP) -> npt.NDArray[np.float32]:
    """Sorted distances to the k nearest neighbours (same group) for cases that are points of ``trees`` (one KD-tree per group, built
    over the whole store): the same sorted distances a full build gives, for a few rows only."""
    out = np.full((len(px), k), np.inf, dtype=np.float32)
    for g, tree in trees.items():
        idx = np.flatnonzero(group == g)
        if len(idx) == 0 or tree.n < 2:
            continue
        kk = min(k, tree.n - 1)
        dist, _ = tree.query(np.column_stack([px[idx], py[idx]]), k=kk + 1)
        out[idx, :kk] = np.asarray(dist).reshape(len(idx), -1)[:, 1:kk + 1]
    return out


def radius_from_neighbours(knn: npt.NDArray[np.float32], group_sizes: npt.NDArray[np.intp],
                           k: int = NEIGHBOURS) -> FloatArray:
    """``space_radius`` from kept neighbour distances (``group_sizes``: cases in each row's group)."""
    kk = np.minimum(k, group_sizes - 1)
    out = np.full(len(knn), np.nan)
    ok = kk >= 1
    rows = np.flatnonzero(ok)
    out[rows] = np.maximum(knn[rows, kk[rows] - 1].astype(np.float64) * (k / kk[rows]) ** 0.5, MIN_RADIUS_M)
    return out


def time_radius_at(mid_sorted: FloatArray, mid: FloatArray, k: int = NEIGHBOURS) -> FloatArray:
    """``time_radius`` of cases whose midpoints are in ``mid_sorted`` (the whole store's, sorted)."""
    n = len(mid_sorted)
    if n < 2:
        return np.full(len(mid), np.nan)
    kk = min(k, n - 1)
    pos = np.searchsorted(mid_sorted, mid)
    offsets = np.arange(-kk - 1, kk + 2)
    cand = pos[:, None] + offsets[None, :]
    gaps = np.abs(mid_sorted[np.clip(cand, 0, n - 1)] - mid[:, None])
    gaps[(cand < 0) | (cand >= n)] = np.inf
    # the case itself is one of the zero gaps: the kk-th nearest other is at sorted index kk
    out = np.partition(gaps, kk, axis=1)[:, kk]
    return np.maximum(out * (k / kk), MIN_RADIUS_DAYS)


TEXT_MODEL_VERSION = 2  # 2: stop words kept with the model (vectors without scikit-learn)
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
TEXT_DIMENSIONS = 32
TEXT_MIN_DOCUMENTS = 3


@dataclass(frozen=True)
class TextModel:
    """A fitted TF-IDF vocabulary and SVD projection: narratives to short unit vectors.

    Fitted once on a store's narratives and kept (see ``to_arrays``), so a few new cases are
    vectorised exactly as a full rebuild with the same model would vectorise them.
    """

    terms: list[str]
    idf: npt.NDArray[np.float32]
    components: npt.NDArray[np.float32]  # (dims, terms); the identity when no SVD was possible
    stop_words: tuple[str, ...] = ()
    version: int = TEXT_MODEL_VERSION

    @classmethod
    def fit(cls, texts: Sequence[object], dims: int = TEXT_DIMENSIONS, seed: int = 0) -> TextModel | None:
        """Fit on the texts that are non-empty strings; None with too little text."""
        docs = [t for t in texts if isinstance(t, str) and t.strip()]
        if len(docs) < TEXT_MIN_DOCUMENTS:
            return None
        from sklearn.decomposition import TruncatedSVD

        tfidf = _vectoriser()
        try:
            matrix = tfidf.fit_transform(docs)
        except ValueError:  # only stop words
            return None
        terms = tfidf.get_feature_names_out().tolist()
        k = min(dims, matrix.shape[1] - 1, matrix.shape[0] - 1)
        with np.errstate(invalid="ignore", divide="ignore"):  # explained variance of a few identical texts
            comps = (TruncatedSVD(n_components=k, random_state=seed).fit(matrix).components_ if k >= 1
                     else np.eye(matrix.shape[1]))
        return cls(terms, np.asarray(tfidf.idf_, dtype=np.float32), np.asarray(comps, dtype=np.float32),
                   tuple(sorted(tfidf.get_stop_words() or ())))

    def vectors(self, texts: Sequence[object]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
        """(n, d) unit vectors and the mask of cases with usable text (as ``text.narrative_vectors``).

        TF-IDF as scikit-learn's ``TfidfVectorizer`` (lower case, words of 2+ characters, stop words
        removed, unigrams and bigrams, 1 + log tf) in plain numpy: no scikit-learn import on the
        incremental path. The l2 norm of the TF-IDF row is left out: the projection is normalised.
        """
        has = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
        vecs = np.zeros((len(texts), self.components.shape[0]), dtype=np.float32)
        if not has.any():
            return vecs, has
        docs = [str(t) for t, h in zip(texts, has, strict=True) if h]
        dense = self._project(docs)
        norms = np.linalg.norm(dense, axis=1, keepdims=True)
        vecs[has] = dense / np.where(norms > 0, norms, 1.0)
        has[np.flatnonzero(has)[norms[:, 0] == 0]] = False
        return vecs, has

    @cached_property
    def _index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.terms)}

    def _project(self, docs: list[str]) -> npt.NDArray[np.float32]:
        index, stop = self._index, frozenset(self.stop_words)
        out = np.zeros((len(docs), self.components.shape[0]), dtype=np.float32)
        comps_t = self.components.T
        for d, doc in enumerate(docs):
            words = [w for w in _TOKEN.findall(doc.lower()) if w not in stop]
            grams = Counter(g for g in words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
                            if g in index)
            if not grams:
                continue
            cols = np.fromiter((index[g] for g in grams), dtype=np.intp, count=len(grams))
            tf = 1.0 + np.log(np.fromiter(grams.values(), dtype=np.float64, count=len(grams)))
            out[d] = (tf * self.idf[cols]).astype(np.float32) @ comps_t[cols]
        return out

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Plain arrays (no pickled objects) for ``numpy.savez``; ``from_arrays`` reads them back."""
        return {"version": np.array([self.version]), "terms": np.array(self.terms, dtype=str),
                "idf": self.idf, "components": self.components, "stop_words": np.array(self.stop_words, dtype=str)}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> TextModel:
        version = int(arrays["version"][0])
        if version != TEXT_MODEL_VERSION:
            raise ContextError(f"text model version {version} is not supported (expected {TEXT_MODEL_VERSION})")
        return cls([str(t) for t in arrays["terms"].tolist()], np.asarray(arrays["idf"], dtype=np.float32),
                   np.asarray(arrays["components"], dtype=np.float32),
                   tuple(str(w) for w in arrays["stop_words"].tolist()), version)


def _vectoriser() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1, ngram_range=(1, 2),
                           max_features=50_000, dtype=np.float32)


@dataclass(frozen=True)
class ValueCounts:
    """How many cases have each value of one field, and how many have the field known at all."""

    counts: dict[str, int]
    known: int


@dataclass(frozen=True)
class StoreContext:
    """Store-level statistics a CaseTable needs beyond its own rows.

    With it, a table of a few rows (new cases and their candidate partners) compares pairs exactly
    as a table of the whole store would: value rarities, neighbour counts in space and time, the
    narrative model and the numbers of cases are all the store's.
    """

    cases: int
    located: int
    mid_sorted: FloatArray
    trees: dict[int, cKDTree]
    values: dict[str, ValueCounts]
    text: TextModel | None = None
    lat0: float = float("nan")  # radians: the store's mean latitude, the centre of the planar projection

    def group_sizes(self, group: npt.NDArray[np.int8]) -> npt.NDArray[np.intp]:
        sizes = np.zeros(len(group), dtype=np.intp)
        for g, tree in self.trees.items():
            sizes[group == g] = tree.n
        return sizes


class ContextError(CaselinkError):
    """Store context for comparison is unusable (e.g. a saved text model of an unknown version)."""

    code = "context_error"
