"""LinkModel: an additive log-odds model, so every score splits exactly into per-feature parts.

log_odds = intercept + slope * sum_f term_f(x_f) + sum interactions. Each term is a step function
(bins, for the Bayes-factor model) or a piecewise-linear curve (for the learned model) on the
feature's scale, with its own weight for "unknown". Both kinds are plain numbers in JSON.

Explanations measure each part against not knowing the fact (``caselink.model.baseline``): a
term contributes ``slope * (term(x) - term.missing)``, an interaction ``coef * z1 * z2`` (its
value when either side is unknown is ``-offset``), and the ``prior`` entry is the log-odds of a
pair about which nothing is known. The constructor clamps every term so that a shared fact never
scores below "unknown" and a differing one never above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from caselink.compare import FEATURE_SET_VERSION, Features
from caselink.errors import ModelError

FloatArray = npt.NDArray[np.float64]


def transform(values: npt.ArrayLike, scale: str) -> FloatArray:
    """A feature on the scale a model reads it: ``log`` is log1p of the (non-negative) value."""
    x = np.asarray(values, dtype=np.float64)
    if scale == "log":
        return np.log1p(np.maximum(x, 0.0))
    if scale == "linear":
        return x
    raise ModelError(f"unknown feature scale {scale!r} (expected 'linear' or 'log')")


@dataclass
class Term:
    """One feature's contribution: ``step`` (edges + one weight per bin) or ``curve`` (x, y points)."""

    feature: str
    scale: str
    kind: str
    knots: list[float]
    weights: list[float]
    missing: float

    def __call__(self, raw: npt.ArrayLike) -> FloatArray:
        x = transform(raw, self.scale)
        unknown = np.isnan(x)
        if self.kind == "step":
            w = np.append(np.asarray(self.weights, dtype=np.float64), self.missing)
            idx = np.searchsorted(np.asarray(self.knots), x, side="right")
            idx[unknown] = len(w) - 1
            return np.asarray(w[idx], dtype=np.float64)
        if self.kind == "curve":
            out = np.interp(x, self.knots, self.weights)  # NaN in, NaN out
            out[unknown] = self.missing
            return np.asarray(out, dtype=np.float64)
        raise ModelError(f"unknown term kind {self.kind!r} for feature {self.feature}")


@dataclass
class Interaction:
    """coef * z1 * z2 - offset, z = clamped standardised feature (0 when unknown)."""

    features: tuple[str, str]
    scales: tuple[str, str]
    centres: tuple[float, float]
    spreads: tuple[float, float]
    coef: float
    offset: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.features[0]} x {self.features[1]}"

    def z(self, raw: npt.ArrayLike, k: int) -> FloatArray:
        x = (transform(raw, self.scales[k]) - self.centres[k]) / self.spreads[k]
        return np.nan_to_num(np.clip(x, -3.0, 3.0), nan=0.0)

    def __call__(self, raw1: npt.ArrayLike, raw2: npt.ArrayLike) -> FloatArray:
        return self.coef * self.z(raw1, 0) * self.z(raw2, 1) - self.offset


@dataclass(frozen=True)
class Scores:
    """Per pair: calibrated probability of a common offender and its log-odds."""

    probability: FloatArray
    log_odds: FloatArray


@dataclass
class LinkModel:
    """A fitted linkage model. Build with ``fit_bayes``/``fit_learned`` or ``load_model``."""

    name: str
    version: str
    kind: str
    intercept: float
    terms: list[Term]
    interactions: list[Interaction] = field(default_factory=list)
    slope: float = 1.0
    trained_on: dict[str, Any] = field(default_factory=dict)
    feature_set: int = FEATURE_SET_VERSION
    #: set for a model fitted to a store without labels: base model, estimated link rate, EM record
    adaptation: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        from caselink.model.baseline import constrain_term

        # every fitter and every loaded file passes here: no agreement below "unknown"
        self.terms = [constrain_term(t) for t in self.terms]

    @property
    def features(self) -> list[str]:
        return [t.feature for t in self.terms]

    @property
    def baseline(self) -> float:
        """The log-odds of a pair about which nothing is known: the ``prior`` of an explanation."""
        return (float(self.intercept) + float(self.slope) * sum(float(t.missing) for t in self.terms)
                - sum(float(i.offset) for i in self.interactions))

    def contributions(self, features: Features) -> tuple[list[str], FloatArray]:
        """(names, matrix pairs x parts), each part measured against not knowing that feature (0
        when unknown); the parts plus ``baseline`` sum to the log-odds."""
        names = [t.feature for t in self.terms] + [i.name for i in self.interactions]
        out = np.empty((len(features), len(names)), dtype=np.float64)
        for j, term in enumerate(self.terms):
            out[:, j] = self.slope * (term(features.column(term.feature)) - float(term.missing))
        for k, inter in enumerate(self.interactions):
            out[:, len(self.terms) + k] = inter(features.column(inter.features[0]),
                                                features.column(inter.features[1])) + inter.offset
        return names, out

    def score(self, features: Features) -> Scores:
        """Calibrated probabilities and log-odds for every pair in ``features`` (the terms in one
        compiled pass over the pairs, ``compare.kernels.additive_log_odds``)."""
        from caselink.compare.kernels import additive_log_odds

        col = {n: j for j, n in enumerate(features.names)}
        scales, kinds, knots, weights, sizes, missing = _pack_terms(self.terms)
        columns = np.array([col.get(t.feature, -1) for t in self.terms], dtype=np.int64)
        values = features.values if len(features.values) else np.empty((0, 1), dtype=np.float32)
        log_odds = additive_log_odds(values, columns, scales, kinds, knots, weights, sizes, missing,
                                     float(self.intercept), float(self.slope))
        for inter in self.interactions:
            log_odds += inter(features.column(inter.features[0]), features.column(inter.features[1]))
        return Scores(1.0 / (1.0 + np.exp(-log_odds)), log_odds)

    def explain(self, features: Features, i: int) -> list[dict[str, Any]]:
        """How each piece of evidence moved the log-odds of pair ``i``, largest first.

        Entries are ``{"feature", "value", "contribution"}``; the ``prior`` entry is the log-odds
        with nothing known (``baseline``), every other entry how far knowing that feature moved it
        (a shared fact >= 0, a differing one <= 0, an unknown one 0), and all sum to the log-odds.
        """
        return self.explain_many(features, np.array([i]), top=0)[0]

    def explain_many(self, features: Features, rows: npt.ArrayLike, top: int = 0) -> list[list[dict[str, Any]]]:
        """``explain`` for many pairs at once (contributions computed in one vectorised pass).

        With ``top`` > 0 only the ``top`` largest entries are described; the others are summed
        into one ``"N other features"`` entry, so each explanation still adds up to the log-odds.
        """
        idx = np.asarray(rows, dtype=np.intp).ravel()
        sub = Features(features.names, features.values[idx], features.table, features.a[idx], features.b[idx])
        names, parts = self.contributions(sub)
        names = ["prior", *names]
        parts = np.column_stack([np.full(len(idx), self.baseline), parts])
        order = np.argsort(-np.abs(parts), axis=1, kind="stable")
        col = {n: j for j, n in enumerate(sub.names)}
        # plain Python lists: the loop below runs once per stored link (millions at 1M cases)
        values, left, right = sub.values.tolist(), sub.a.tolist(), sub.b.tolist()
        part_rows, order_rows = parts.tolist(), order.tolist()
        out = []
        for r in range(len(idx)):
            shown = order_rows[r] if top <= 0 else order_rows[r][:top]
            pr = part_rows[r]
            rows_r = [{"feature": names[j], "value": self._value(sub.table, values[r], left[r], right[r], names[j], col),
                       "contribution": pr[j]} for j in shown]
            if 0 < top < len(names):
                rest = order_rows[r][top:]
                rows_r.append({"feature": f"{len(rest)} other features", "value": None,
                               "contribution": float(sum(pr[j] for j in rest))})
            out.append(rows_r)
        return out

    @staticmethod
    def _value(table: Any, values: list[float], a: int, b: int, name: str, col: dict[str, int]) -> str:
        """The readable value of feature (or interaction) ``name`` for a pair (a, b) whose feature
        row is ``values``."""
        from caselink.compare.display import UNKNOWN, describe

        if name == "prior":
            return "log-odds of a pair with nothing known"
        if name in col:
            return describe(name, values[col[name]], table, a, b)
        return "; ".join(LinkModel._value(table, values, a, b, p, col) if p in col else UNKNOWN
                         for p in name.split(" x "))

    def rescale(self, factor: float, shift: float) -> None:
        """Make the log-odds ``shift + factor * log_odds`` (Platt scaling), keeping every part additive."""
        self.intercept = shift + factor * self.intercept
        self.slope *= factor
        for inter in self.interactions:
            inter.coef *= factor
            inter.offset *= factor

    def save(self, path: Any) -> None:
        from caselink.model.io import save_model

        save_model(self, path)


def _pack_terms(terms: list[Term]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray, FloatArray,
                                            npt.NDArray[np.int64], FloatArray]:
    """The terms as padded arrays for the compiled scorer (scales, kinds, knots, weights, sizes,
    missing), after checking their shapes: the compiled loop does not check bounds."""
    from caselink.compare import kernels

    width = max([len(t.knots) for t in terms] + [1]) + 1
    knots = np.zeros((len(terms), width))
    weights = np.zeros((len(terms), width))
    scales, kinds, sizes = (np.zeros(len(terms), dtype=np.int64) for _ in range(3))
    for i, t in enumerate(terms):
        if t.scale not in ("linear", "log"):
            raise ModelError(f"unknown feature scale {t.scale!r} for feature {t.feature}")
        want = {"step": len(t.knots) + 1, "curve": len(t.knots)}.get(t.kind)
        if want is None:
            raise ModelError(f"unknown term kind {t.kind!r} for feature {t.feature}")
        if len(t.weights) != want or (t.kind == "curve" and not t.knots):
            raise ModelError(f"term {t.feature}: a {t.kind} with {len(t.knots)} knots needs {want} weights, "
                             f"has {len(t.weights)}")
        knots[i, :len(t.knots)] = t.knots
        weights[i, :len(t.weights)] = t.weights
        scales[i] = kernels.SCALE_LOG if t.scale == "log" else kernels.SCALE_LINEAR
        kinds[i] = kernels.KIND_STEP if t.kind == "step" else kernels.KIND_CURVE
        sizes[i] = len(t.knots)
    missing = np.array([float(t.missing) for t in terms], dtype=np.float64)
    return scales, kinds, knots, weights, sizes, missing


def training_arrays(
    values: npt.ArrayLike, y: npt.ArrayLike, weight: npt.ArrayLike | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Feature matrix, boolean labels and weights for fitting; both classes must be present."""
    x = np.asarray(values, dtype=np.float64)
    yy = np.asarray(y).astype(bool)
    if yy.all() or not yy.any():
        raise ModelError("training needs both linked and unlinked pairs; check that the store has "
                         "solved series (series_ids) with at least two cases each")
    w = np.ones(len(yy)) if weight is None else np.asarray(weight, dtype=np.float64)
    return x, yy, w
