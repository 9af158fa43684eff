"""LinkModel: an additive log-odds model, so every score splits exactly into per-feature parts.

log_odds = intercept + slope * sum_f term_f(x_f) + sum interactions. Each term is a step function
(bins, for the Bayes-factor model) or a piecewise-linear curve (for the learned model) on the
feature's scale, with its own weight for "unknown". Both kinds are plain numbers in JSON.
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

    @property
    def features(self) -> list[str]:
        return [t.feature for t in self.terms]

    def contributions(self, features: Features) -> tuple[list[str], FloatArray]:
        """(names, matrix pairs x parts); the parts plus ``intercept`` sum to the log-odds."""
        names = [t.feature for t in self.terms] + [i.name for i in self.interactions]
        out = np.empty((len(features), len(names)), dtype=np.float64)
        for j, term in enumerate(self.terms):
            out[:, j] = self.slope * term(features.column(term.feature))
        for k, inter in enumerate(self.interactions):
            out[:, len(self.terms) + k] = inter(features.column(inter.features[0]),
                                                features.column(inter.features[1]))
        return names, out

    def score(self, features: Features) -> Scores:
        """Calibrated probabilities and log-odds for every pair in ``features``."""
        log_odds = np.full(len(features), self.intercept, dtype=np.float64)
        for term in self.terms:
            log_odds += self.slope * term(features.column(term.feature))
        for inter in self.interactions:
            log_odds += inter(features.column(inter.features[0]), features.column(inter.features[1]))
        return Scores(1.0 / (1.0 + np.exp(-log_odds)), log_odds)

    def explain(self, features: Features, i: int) -> list[dict[str, Any]]:
        """How each piece of evidence moved the log-odds of pair ``i``, largest first.

        Entries are ``{"feature", "value", "contribution"}``; the ``prior`` entry is the intercept,
        and all contributions sum to the pair's log-odds.
        """
        sub = Features(features.names, features.values[i:i + 1], features.table,
                       features.a[i:i + 1], features.b[i:i + 1])
        names, parts = self.contributions(sub)
        shown = dict(sub.display(0))
        rows: list[dict[str, Any]] = [{"feature": "prior", "value": "base rate of linked pairs",
                                       "contribution": float(self.intercept)}]
        for name, c in zip(names, parts[0], strict=True):
            rows.append({"feature": name, "value": shown.get(name, _pair_value(name, shown)),
                         "contribution": float(c)})
        rows.sort(key=lambda r: -abs(r["contribution"]))
        return rows

    def save(self, path: Any) -> None:
        from caselink.model.io import save_model

        save_model(self, path)


def _pair_value(name: str, shown: dict[str, str]) -> str:
    parts = name.split(" x ")
    return "; ".join(shown.get(p, "unknown") for p in parts)


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
