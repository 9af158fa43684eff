"""Adjusted odds ratios: logistic regression of the outcome on group plus confounders.

Categorical confounders (and ``year``) enter as indicator variables against their most common
level; levels with fewer than ``RARE_LEVEL`` cases are pooled into one "(rare levels)" level so
that sparse cells do not make the fit fail. A missing categorical value is its own level;
numeric confounders (e.g. ``victim_age``) enter linearly and rows missing them are dropped (and
counted). Groups are indicator columns, so a case may be in several (list fields).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from caselink.errors import ConfigError

RARE_LEVEL = 10
MISSING = "(missing)"


@dataclass(frozen=True)
class AdjustedOR:
    """The adjusted odds ratio of one group against the reference, with its Wald interval."""

    group: str
    odds_ratio: float | None
    low: float | None
    high: float | None
    p_value: float | None
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"group": self.group, "odds_ratio": self.odds_ratio, "low": self.low,
                "high": self.high, "p_value": self.p_value, "note": self.note}


@dataclass(frozen=True)
class AdjustedModel:
    """One fitted model: what it adjusted for, how many cases it used, one OR per group."""

    adjusted_for: list[str]
    terms: dict[str, str]
    n_used: int
    n_dropped: int
    results: list[AdjustedOR] = field(default_factory=list)
    method: str = "logistic regression (statsmodels GLM, binomial, logit link); Wald 95% intervals"
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"adjusted_for": self.adjusted_for, "terms": self.terms, "n_used": self.n_used,
                "n_dropped": self.n_dropped, "method": self.method, "warnings": self.warnings,
                "groups": [r.to_dict() for r in self.results]}


def _categorical(values: pd.Series, name: str) -> tuple[pd.DataFrame, str]:
    text = values.astype("object").where(values.notna(), MISSING).astype(str)
    counts = text.value_counts()
    rare = counts[counts < RARE_LEVEL].index
    if len(rare) > 1:
        text = text.where(~text.isin(rare), "(rare levels)")
        counts = text.value_counts()
    reference = str(counts.index[0])
    dummies = pd.get_dummies(text, prefix=name, prefix_sep="=", dtype=float)
    dummies = dummies.drop(columns=[f"{name}={reference}"])
    pooled = f", {len(rare)} rare levels pooled" if len(rare) > 1 else ""
    return dummies, f"categorical: {len(counts)} levels, reference {reference!r}{pooled}"


def design(confounders: pd.DataFrame, numeric: set[str]) -> tuple[pd.DataFrame, dict[str, str], pd.Series]:
    """Confounder columns as a numeric design matrix, a description per term, and rows usable."""
    parts: list[pd.DataFrame] = []
    terms: dict[str, str] = {}
    usable = pd.Series(True, index=confounders.index)
    for name in confounders.columns:
        col = confounders[name]
        if name in numeric:
            values = pd.to_numeric(col, errors="coerce")
            usable &= values.notna()
            parts.append(values.astype(float).to_frame(name))
            terms[name] = "numeric, linear (rows missing it are dropped)"
        else:
            dummies, description = _categorical(col, name)
            parts.append(dummies)
            terms[name] = description
    matrix = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=confounders.index)
    return matrix, terms, usable


def _drop_dependent(x: pd.DataFrame, keep: int) -> tuple[pd.DataFrame, list[str]]:
    """Drop confounder columns that are linear combinations of earlier ones (keep the first ``keep``)."""
    if np.linalg.matrix_rank(x.to_numpy()) == x.shape[1]:
        return x, []
    chosen = list(x.columns[:keep])
    dropped: list[str] = []
    for col in x.columns[keep:]:
        trial = x[[*chosen, col]].to_numpy()
        if np.linalg.matrix_rank(trial) == trial.shape[1]:
            chosen.append(col)
        else:
            dropped.append(str(col))
    return x[chosen], dropped


def _statsmodels() -> Any:
    """statsmodels, an optional extra (``caselink[adjust]``): only adjusted odds ratios need it."""
    try:
        import statsmodels.api as sm
    except ImportError:
        raise ConfigError(
            "--adjust (adjusted odds ratios) needs the optional statsmodels package, which this install "
            "does not have: pip install 'caselink[adjust]' (the crude rates, tests and intervals need "
            "nothing more; run without --adjust for them)") from None
    return sm


def adjusted_odds_ratios(
    outcome: pd.Series, groups: Mapping[str, pd.Series], confounders: pd.DataFrame,
    numeric: set[str] | None = None,
) -> AdjustedModel:
    """Fit outcome ~ group indicators + confounders; return one adjusted OR per group.

    ``groups`` maps each non-reference group to a 0/1 indicator over the same rows (the
    reference is every row with all indicators 0). A group with no outcome, or only outcomes,
    among the usable rows has no finite OR; it is reported as not estimable and its rows are
    left out of the fit.
    """
    sm = _statsmodels()
    matrix, terms, usable = design(confounders, numeric or set())
    y = outcome.astype(float)
    results: dict[str, AdjustedOR] = {}
    indicators: dict[str, pd.Series] = {}
    for name, ind in groups.items():
        rows = usable & (ind > 0)
        k, n = int(y[rows].sum()), int(rows.sum())
        if n == 0 or k in (0, n):
            results[name] = AdjustedOR(name, None, None, None, None,
                                       f"not estimable: {k} of {n} usable cases have the outcome")
            usable &= ~(ind > 0)
        else:
            indicators[name] = ind.astype(float)
    notes: list[str] = []
    x = pd.concat([pd.Series(1.0, index=y.index, name="const"),
                   pd.DataFrame(indicators, index=y.index), matrix], axis=1)[usable]
    x = x.loc[:, (x != 0).any(axis=0) | (x.columns == "const")]
    x, dropped = _drop_dependent(x, 1 + len(indicators))
    if dropped:
        notes.append(f"dropped {len(dropped)} confounder term(s) collinear with others: {', '.join(dropped[:5])}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sm.GLM(y[usable], x, family=sm.families.Binomial()).fit()
    notes.extend(sorted({str(w.message).splitlines()[0] for w in caught}))
    for name in indicators:
        beta, se, p = float(fit.params[name]), float(fit.bse[name]), float(fit.pvalues[name])
        note = "" if se < 5 else "very wide interval: the model is close to separation for this group"
        results[name] = AdjustedOR(name, math.exp(beta), math.exp(beta - 1.959963984540054 * se),
                                   math.exp(beta + 1.959963984540054 * se), p, note)
    return AdjustedModel(adjusted_for=list(confounders.columns), terms=terms, n_used=int(usable.sum()),
                         n_dropped=int((~usable).sum()), results=[results[g] for g in groups],
                         warnings=notes)
