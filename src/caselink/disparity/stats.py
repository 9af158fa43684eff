"""Pure statistics for outcome disparities: intervals for rates, differences and ratios, tests.

No database access and no pandas here: counts in, numbers out, so every function can be
checked against textbook values.

Methods:
    * rate: Wilson score interval; Clopper-Pearson exact interval for small cells.
    * difference of rates: Newcombe's hybrid score interval (method 10, Newcombe 1998).
    * ratio of rates: Katz log interval (0.5 added to each cell when any cell is 0). A ratio with
      0 events in either group is not estimable; the corrected estimate is shown only on request
      and then labelled (``ratio_text``).
    * group against reference: Pearson chi-square on the 2x2 table, Fisher's exact test when
      any expected count is below 5.
    * all groups at once: Pearson chi-square on the r x 2 table; a Monte Carlo p-value (tables
      drawn with the observed margins) when any expected count is below 5.
    * multiple comparisons: Holm's step-down adjustment of the group-against-reference p-values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

Z95 = 1.959963984540054
SMALL_N = 30
SMALL_EXPECTED = 5.0


@dataclass(frozen=True)
class Interval:
    """An estimate with a confidence interval and the method that produced it."""

    estimate: float
    low: float
    high: float
    method: str

    def to_dict(self) -> dict[str, object]:
        return {"estimate": _clean(self.estimate), "low": _clean(self.low), "high": _clean(self.high),
                "method": self.method}


@dataclass(frozen=True)
class TestResult:
    """A test of association: its name, statistic (None for Fisher) and p-value."""

    test: str
    statistic: float | None
    p_value: float
    df: int | None = None
    simulations: int | None = None   # Monte Carlo tables drawn, when the p-value is simulated

    @property
    def at_floor(self) -> bool:
        """A simulated p-value at its smallest possible value, 1/(R+1): no table was as extreme."""
        return self.simulations is not None and self.p_value <= 1 / (self.simulations + 1) + 1e-15

    @property
    def p_text(self) -> str:
        """``p = 0.0312``, or ``p ≤ 1/10001`` for a Monte Carlo p at its floor (it can only be bounded)."""
        if self.at_floor:
            return f"p ≤ 1/{self.simulations + 1 if self.simulations else 1} (none of {self.simulations} simulated tables was as extreme)"
        return f"p = {self.p_value:.3g}"

    def to_dict(self) -> dict[str, object]:
        return {"test": self.test, "statistic": _clean(self.statistic), "df": self.df,
                "p_value": _clean(self.p_value), "p_at_floor": self.at_floor, "p_text": self.p_text,
                "simulations": self.simulations}


def _clean(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return float(value)


def _z(confidence: float) -> float:
    return Z95 if confidence == 0.95 else float(sps.norm.ppf(0.5 + confidence / 2))


def _check(k: int, n: int) -> None:
    if n <= 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n and n > 0, got k={k}, n={n}")


def wilson(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for a proportion k/n (good coverage except in tiny cells)."""
    _check(k, n)
    z = _z(confidence)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), "wilson")


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Clopper-Pearson exact interval: never under-covers; used for small cells."""
    _check(k, n)
    alpha = 1 - confidence
    low = 0.0 if k == 0 else float(sps.beta.ppf(alpha / 2, k, n - k + 1))
    high = 1.0 if k == n else float(sps.beta.ppf(1 - alpha / 2, k + 1, n - k))
    return Interval(k / n, low, high, "clopper-pearson")


def is_small(k: int, n: int) -> bool:
    """A cell too small for normal approximations: n < 30 or fewer than 5 with or without."""
    return n < SMALL_N or k < SMALL_EXPECTED or n - k < SMALL_EXPECTED


def rate_interval(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson for ordinary groups, exact (Clopper-Pearson) for small ones (see ``is_small``)."""
    return clopper_pearson(k, n, confidence) if is_small(k, n) else wilson(k, n, confidence)


def newcombe_difference(k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95) -> Interval:
    """Difference p1 - p2 with Newcombe's hybrid score interval built from Wilson limits."""
    a, b = wilson(k1, n1, confidence), wilson(k2, n2, confidence)
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, low, high, "newcombe")


def katz_ratio(k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95) -> Interval:
    """Ratio p1 / p2 with the Katz log interval; 0.5 is added to each cell if any cell is 0."""
    _check(k1, n1)
    _check(k2, n2)
    method = "katz-log"
    a, c, m1, m2 = float(k1), float(k2), float(n1), float(n2)
    if 0 in (k1, k2, n1 - k1, n2 - k2):  # the log interval degenerates on any empty cell
        a, c, m1, m2 = a + 0.5, c + 0.5, m1 + 1.0, m2 + 1.0
        method = "katz-log (0.5 added to each cell)"
    if k1 == 0 and k2 == 0:
        return Interval(math.nan, math.nan, math.nan, "not estimable: no outcomes in either group")
    ratio = (a / m1) / (c / m2)
    se = math.sqrt(1 / a - 1 / m1 + 1 / c - 1 / m2)
    z = _z(confidence)
    return Interval(ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se), method)


def expected_counts(table: np.ndarray) -> np.ndarray:
    """Expected cell counts under independence for a contingency table of counts."""
    total = table.sum()
    return np.outer(table.sum(axis=1), table.sum(axis=0)) / total


def compare_two(k1: int, n1: int, k2: int, n2: int) -> TestResult:
    """Test a group against the reference: chi-square, or Fisher's exact when a cell is small."""
    table = np.array([[k1, n1 - k1], [k2, n2 - k2]], dtype=float)
    if table.sum(axis=0).min() == 0:
        return TestResult("none: the outcome is constant in both groups", None, 1.0)
    if expected_counts(table).min() < SMALL_EXPECTED:
        _, p = sps.fisher_exact(table.astype(int))
        return TestResult("fisher-exact", None, float(p))
    stat, p, dof, _ = sps.chi2_contingency(table, correction=False)
    return TestResult("chi-square", float(stat), float(p), int(dof))


def _chi2_stat(table: np.ndarray) -> float:
    exp = expected_counts(table)
    keep = exp > 0
    return float((((table - exp) ** 2)[keep] / exp[keep]).sum())


def association(counts: Sequence[tuple[int, int]], *, simulations: int = 10_000, seed: int = 0) -> TestResult:
    """Test of association between group and outcome over all groups: ``counts`` is (k, n) per group.

    Pearson chi-square with r - 1 degrees of freedom; when any expected count is below 5 the
    p-value comes from ``simulations`` tables drawn at random with the observed margins.
    """
    table = np.array([[k, n - k] for k, n in counts], dtype=float)
    table = table[table.sum(axis=1) > 0]
    if len(table) < 2 or table.sum(axis=0).min() == 0:
        return TestResult("none: fewer than two groups or a constant outcome", None, 1.0)
    if len(table) == 2:
        return compare_two(int(table[0, 0]), int(table[0].sum()), int(table[1, 0]), int(table[1].sum()))
    observed = _chi2_stat(table)
    dof = len(table) - 1
    if expected_counts(table).min() >= SMALL_EXPECTED:
        return TestResult("chi-square", observed, float(sps.chi2.sf(observed, dof)), dof)
    rng = np.random.default_rng(seed)
    sizes = table.sum(axis=1).astype(np.int64)
    outcomes = int(table[:, 0].sum())
    draws = rng.multivariate_hypergeometric(sizes, outcomes, size=simulations).astype(float)
    sims = np.stack([draws, sizes - draws], axis=2)  # (simulations, groups, 2), same margins
    exp = expected_counts(table)
    keep = exp > 0
    stat = (((sims - exp) ** 2)[:, keep] / exp[keep]).sum(axis=1)
    exceed = int((stat >= observed - 1e-9).sum())
    return TestResult(f"chi-square, Monte Carlo p ({simulations} tables)", observed,
                      (exceed + 1) / (simulations + 1), dof, simulations)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values (controls the family-wise error rate)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


CORRECTED = "corrected: 0.5 added to each cell"


def ratio_text(ratio: dict[str, object] | None, note: str | None, *, sep: str = " to ") -> str:
    """A ratio as shown to a reader: ``0.84 (0.61 to 1.16)``, the reason it is not estimable, or the
    corrected estimate with its label."""
    if not ratio or ratio.get("estimate") is None:
        return note or "—"
    text = f"{ratio['estimate']:.2f} ({ratio['low']:.2f}{sep}{ratio['high']:.2f})"
    return f"{text} [{CORRECTED}]" if "0.5 added" in str(ratio.get("method", "")) else text
