"""The learned model: logistic regression on piecewise-linear shapes of each feature, plus a few
pairwise interactions (e.g. near in space x near in time).

Each feature enters through hinge functions at quantile knots, so the fitted effect of a feature
is a piecewise-linear curve that can be saved as (x, y) points and read off directly; unknown
values get their own weight. The per-feature curves plus the interaction terms plus the intercept
are exactly the log-odds, which is what makes per-feature explanations exact. The curves are
clamped to the "no evidence" baseline (``caselink.model.baseline``: a shared fact never below
"unknown") and the intercept re-balanced after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from caselink.compare import SPECS
from caselink.model.additive import Interaction, LinkModel, Term, training_arrays, transform
from caselink.model.bayes import weighted_quantiles

FloatArray = npt.NDArray[np.float64]

KNOT_PROBS = (0.2, 0.4, 0.6, 0.8)
#: interactions a user can ask for; none by default, because on the crimelinkage data every one
#: of these lowered cross-validated AUC (0.926 -> 0.917 for space x time): the additive curves
#: already capture what they add there, and the extra terms overfit.
SUGGESTED_INTERACTIONS: tuple[tuple[str, str], ...] = (
    ("space_nearer", "time_nearer"),
    ("space_nearer", "circumstances_shared_info"),
    ("time_nearer", "circumstances_shared_info"),
)
DEFAULT_INTERACTIONS: tuple[tuple[str, str], ...] = ()
MIN_KNOWN = 10
#: left out of the learned model by default: they are nearly collinear with the shared-information
#: features, so the fit splits the evidence between the two and one part turns negative ("67% in
#: common: -0.9"), which reads wrong; leaving them out changed crimelinkage CV AUC by < 0.001.
DEFAULT_EXCLUDE: tuple[str, ...] = ("circumstances_jaccard", "substances_jaccard")


@dataclass
class _Basis:
    """Design columns for one feature, and how to turn fitted coefficients into a Term."""

    name: str
    scale: str
    knots: FloatArray  # lo, interior..., hi (clamping range)
    fill: float
    has_missing: bool

    def columns(self, raw: FloatArray) -> FloatArray:
        x = transform(raw, self.scale)
        known = np.isfinite(x)
        xc = np.clip(np.where(known, x, self.fill), self.knots[0], self.knots[-1])
        cols = [xc] + [np.maximum(0.0, xc - k) for k in self.knots[1:-1]]
        if self.has_missing:
            cols.append((~known).astype(np.float64))
        return np.column_stack(cols)

    def term(self, coef: FloatArray) -> Term:
        xs = self.knots
        ys = self.columns(_inverse(xs, self.scale))[:, : len(xs) - 1 + 0] @ coef[: len(xs) - 1]
        fill_row = self.columns(_inverse(np.array([self.fill]), self.scale))[0, : len(xs) - 1]
        missing = float(fill_row @ coef[: len(xs) - 1]) + (float(coef[-1]) if self.has_missing else 0.0)
        return Term(self.name, self.scale, "curve", [float(v) for v in xs], [float(v) for v in ys], missing)


def _inverse(x: FloatArray, scale: str) -> FloatArray:
    return np.expm1(x) if scale == "log" else x


def _basis(name: str, raw: FloatArray, w: FloatArray) -> _Basis | None:
    scale = SPECS[name].scale if name in SPECS else "linear"
    x = transform(raw, scale)
    known = np.isfinite(x)
    if known.sum() < MIN_KNOWN:
        return None
    xk, wk = x[known], w[known]
    lo, hi = float(xk.min()), float(xk.max())
    if hi <= lo and known.all():
        return None  # constant and always known: carries no evidence
    inner = np.unique(weighted_quantiles(xk, wk, np.array(KNOT_PROBS)))
    inner = inner[(inner > lo) & (inner < hi)]
    knots = np.concatenate([[lo], inner, [hi if hi > lo else lo + 1.0]])
    fill = float(weighted_quantiles(xk, wk, np.array([0.5]))[0])
    return _Basis(name, scale, knots, fill, bool((~known).any()))


def fit_learned(values: npt.ArrayLike, names: Sequence[str], y: npt.ArrayLike, weight: npt.ArrayLike | None = None,
                *, interactions: Sequence[tuple[str, str]] = DEFAULT_INTERACTIONS, c: float = 0.01,
                exclude: Sequence[str] = DEFAULT_EXCLUDE,
                name: str = "learned", version: str = "1") -> LinkModel:
    """Fit an L2-regularised logistic model with per-feature curves and pairwise interactions."""
    from sklearn.linear_model import LogisticRegression

    values, yy, w = training_arrays(values, y, weight)
    w = w * (len(w) / w.sum())
    col = {n: np.asarray(values[:, j], dtype=np.float64) for j, n in enumerate(names)}
    # knots where both classes have mass: linked and unlinked pairs count half each
    kw = np.where(yy, 0.5 / w[yy].sum(), 0.5 / w[~yy].sum()) * w
    bases = [b for n in names if n not in exclude and (b := _basis(n, col[n], kw)) is not None]
    blocks = [b.columns(col[b.name]) for b in bases]
    inters = _interactions(interactions, {b.name for b in bases}, col, w)
    blocks += [(inter.z(col[i.features[0]], 0) * inter.z(col[i.features[1]], 1))[:, None]
               for i in inters for inter in [i]]
    design = np.column_stack(blocks)
    mu = np.average(design, axis=0, weights=w)
    sd = _scales(design, mu, w, bases, blocks)
    lr = LogisticRegression(C=c, max_iter=5000)
    lr.fit((design - mu) / sd, yy, sample_weight=w)
    beta = lr.coef_[0] / sd
    intercept = float(lr.intercept_[0] - beta @ mu)
    terms, pos = [], 0
    for b, block in zip(bases, blocks, strict=False):
        width = block.shape[1]
        term = b.term(beta[pos:pos + width])
        pos += width
        shift = float(np.average(term(col[b.name]), weights=w))
        if not b.has_missing:  # never unknown in training: "unknown" is the average pair, no evidence
            term.missing = shift
        term.weights = [v - shift for v in term.weights]
        term.missing -= shift
        intercept += shift
        terms.append(term)
    for inter in inters:
        inter.coef = float(beta[pos])
        pos += 1
        inter.offset = float(np.average(inter(col[inter.features[0]], col[inter.features[1]]), weights=w))
        intercept += inter.offset
    model = LinkModel(name=name, version=version, kind="learned", intercept=intercept, terms=terms,
                      interactions=inters, trained_on={"pairs": int(len(yy)), "linked": int(yy.sum())})
    model.intercept += _mean_shift(model, col, yy, w)
    return model


def _mean_shift(model: LinkModel, col: dict[str, FloatArray], y: npt.NDArray[np.bool_], w: FloatArray) -> float:
    """The intercept shift that gives back the fit's own balance (weighted mean probability equal
    to the weighted link rate, as the unpenalised intercept of the logistic fit ensures) after the
    constructor clamped the terms to the "no evidence" baseline (``caselink.model.baseline``)."""
    nan = np.full(len(y), np.nan)
    lo = model.intercept + model.slope * sum(t(col.get(t.feature, nan)) for t in model.terms)
    for inter in model.interactions:
        lo = lo + inter(col[inter.features[0]], col[inter.features[1]])
    target, shift = float(np.average(y, weights=w)), 0.0
    for _ in range(50):  # Newton on a monotone 1-D function
        p = 1.0 / (1.0 + np.exp(-(lo + shift)))
        gap, slope = float(np.average(p, weights=w)) - target, float(np.average(p * (1 - p), weights=w))
        if abs(gap) < 1e-10 or slope <= 0:
            break
        shift -= gap / slope
    return shift


def _scales(design: FloatArray, mu: FloatArray, w: FloatArray, bases: Sequence[_Basis],
            blocks: Sequence[FloatArray]) -> FloatArray:
    """Column scales for the penalty. A feature's hinge columns share the spread of the feature
    itself, so the penalty is on changes of slope in the feature's own units: scaling each hinge
    by its own (small) spread would let the last, sparsely populated segment of a curve grow
    steep where a few training pairs happen to be all linked (e.g. +17 for a shared rare
    substance), which over-states the evidence on new data."""
    sd = np.sqrt(np.average((design - mu) ** 2, axis=0, weights=w))
    pos = 0
    for b, block in zip(bases, blocks, strict=False):
        hinges = len(b.knots) - 1
        sd[pos:pos + hinges] = sd[pos]
        pos += block.shape[1]
    sd[sd == 0] = 1.0
    return sd


def _interactions(pairs: Sequence[tuple[str, str]], available: set[str], col: dict[str, FloatArray],
                  w: FloatArray) -> list[Interaction]:
    out = []
    for f1, f2 in pairs:
        if f1 not in available or f2 not in available:
            continue
        scales = (SPECS[f1].scale, SPECS[f2].scale)
        centres, spreads = [], []
        for f, s in zip((f1, f2), scales, strict=True):
            x = transform(col[f], s)
            known = np.isfinite(x)
            m = float(np.average(x[known], weights=w[known]))
            centres.append(m)
            spreads.append(float(np.sqrt(np.average((x[known] - m) ** 2, weights=w[known]))) or 1.0)
        out.append(Interaction((f1, f2), scales, (centres[0], centres[1]), (spreads[0], spreads[1]), 0.0))
    return out
