"""Narrative similarity: TF-IDF reduced by SVD to short unit vectors, so a pair is a dot product.

The vectoriser is fitted on the table's own narratives (no model is downloaded). Cases without
narrative text have no vector and compare as unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]
IntArray = npt.NDArray[np.intp]

DIMENSIONS = 32
MIN_DOCUMENTS = 3


def narrative_vectors(texts: Sequence[object], dims: int = DIMENSIONS,
                      seed: int = 0) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """(n, d) unit vectors and a mask of cases that have text; d may be 0 with too little text."""
    has = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
    if has.sum() < MIN_DOCUMENTS:
        return np.zeros((len(texts), 0), dtype=np.float32), np.zeros(len(texts), dtype=bool)
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [str(t) for t, h in zip(texts, has, strict=True) if h]
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1,
                            ngram_range=(1, 2), max_features=50_000, dtype=np.float32)
    try:
        matrix = tfidf.fit_transform(docs)
    except ValueError:  # only stop words
        return np.zeros((len(texts), 0), dtype=np.float32), np.zeros(len(texts), dtype=bool)
    k = min(dims, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if k < 1:
        dense = matrix.toarray()
    else:
        dense = TruncatedSVD(n_components=k, random_state=seed).fit_transform(matrix)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    vecs = np.zeros((len(texts), dense.shape[1]), dtype=np.float32)
    vecs[has] = dense / np.where(norms > 0, norms, 1.0)
    has = has.copy()
    has[np.flatnonzero(has)[norms[:, 0] == 0]] = False
    return vecs, has


def similarity(vecs: npt.NDArray[np.float32], has: npt.NDArray[np.bool_], a: IntArray, b: IntArray) -> FloatArray:
    """Cosine similarity clipped to [0, 1]; NaN when either case has no narrative."""
    if vecs.shape[1] == 0:
        return np.full(len(a), np.nan)
    from caselink.compare.kernels import row_dot

    out = np.clip(row_dot(vecs, vecs, a, b), 0.0, 1.0)
    out[~(has[a] & has[b])] = np.nan
    return out
