"""The transparent model: naive Bayes / Fellegi-Sunter Bayes factors over binned features.

For each feature, the weight of a bin is log P(bin | linked) / P(bin | unlinked), smoothed so an
empty bin never gives an infinite weight; "unknown" is a bin of its own. Because features are not
independent, the summed weights are then calibrated with one slope and offset (Platt scaling),
which keeps every contribution a readable, proportional share of the log-odds. A bin weight that
would score a shared fact below "unknown" (or a differing one above it) is clamped to the unknown
weight first (``caselink.model.baseline``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from caselink.compare import SPECS
from caselink.model.additive import LinkModel, Term, training_arrays, transform
from caselink.model.baseline import constrain_term

FloatArray = npt.NDArray[np.float64]
BINS = 8
SMOOTHING = 0.5
MIN_KNOWN = 10


def weighted_quantiles(x: FloatArray, w: FloatArray, probs: FloatArray) -> FloatArray:
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    cw /= cw[-1]
    return np.asarray(x[order][np.minimum(np.searchsorted(cw, probs), len(x) - 1)], dtype=np.float64)


def bin_edges(x: FloatArray, w: FloatArray, bins: int) -> FloatArray:
    """Edges for up to ``bins`` bins: midpoints between values if few, else weighted quantiles."""
    uniq = np.unique(x)
    if len(uniq) <= bins:
        return np.asarray((uniq[:-1] + uniq[1:]) / 2.0, dtype=np.float64)
    edges = np.unique(weighted_quantiles(x, w, np.linspace(0, 1, bins + 1)[1:-1]))
    return edges


def _log_ratio(count_l: FloatArray, count_u: FloatArray) -> FloatArray:
    k = len(count_l)
    pl = (count_l + SMOOTHING) / (count_l.sum() + SMOOTHING * k)
    pu = (count_u + SMOOTHING) / (count_u.sum() + SMOOTHING * k)
    return np.asarray(np.log(pl / pu), dtype=np.float64)


def fit_term(name: str, raw: FloatArray, y: npt.NDArray[np.bool_], w: FloatArray, bins: int) -> Term | None:
    """One feature's step function; None when too few training pairs know the feature."""
    scale = SPECS[name].scale if name in SPECS else "linear"
    x = transform(raw, scale)
    known = np.isfinite(x)
    if known.sum() < MIN_KNOWN or not (known & y).any():
        return None
    edges = bin_edges(x[known], w[known], bins)
    idx = np.where(known, np.searchsorted(edges, np.where(known, x, 0.0), side="right"), len(edges) + 1)
    nb = len(edges) + 2  # bins, plus one for unknown
    count_l = np.bincount(idx[y], weights=w[y], minlength=nb).astype(np.float64)
    count_u = np.bincount(idx[~y], weights=w[~y], minlength=nb).astype(np.float64)
    weights = _log_ratio(count_l, count_u)
    if int((~known).sum()) < MIN_KNOWN:
        weights[-1] = 0.0  # (almost) never unknown in training: not knowing it is no evidence
    return Term(name, scale, "step", [float(e) for e in edges], [float(v) for v in weights[:-1]],
                float(weights[-1]))


def fit_bayes(values: npt.ArrayLike, names: Sequence[str], y: npt.ArrayLike, weight: npt.ArrayLike | None = None,
              *, bins: int = BINS, name: str = "bayes", version: str = "1") -> LinkModel:
    """Fit Bayes-factor weights for every feature column and calibrate their sum."""
    from sklearn.linear_model import LogisticRegression

    values, yy, w = training_arrays(values, y, weight)
    # clamped to the "no evidence" baseline before calibrating, so the calibration fits what is scored
    terms = [constrain_term(t) for j, n in enumerate(names)
             if (t := fit_term(n, np.asarray(values[:, j], dtype=np.float64), yy, w, bins)) is not None]
    total = np.zeros(len(yy))
    for t in terms:
        total += t(values[:, list(names).index(t.feature)])
    prior = float(np.log(w[yy].sum() / w[~yy].sum()))
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit((prior + total)[:, None], yy, sample_weight=w)
    slope = float(lr.coef_[0, 0])
    intercept = float(lr.intercept_[0]) + slope * prior
    return LinkModel(name=name, version=version, kind="bayes", intercept=intercept, terms=terms, slope=slope,
                     trained_on={"pairs": int(len(yy)), "linked": int(yy.sum())})
