"""Disparity statistics against textbook values and independent implementations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from caselink.disparity import stats


def test_wilson_8_of_10_textbook() -> None:
    iv = stats.wilson(8, 10)
    assert (round(iv.low, 4), round(iv.high, 4)) == (0.4902, 0.9433)
    assert iv.estimate == 0.8


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 7), (8, 10), (36, 393), (148, 983), (10, 10)])
def test_wilson_and_exact_match_statsmodels(k: int, n: int) -> None:
    w = stats.wilson(k, n)
    assert (w.low, w.high) == pytest.approx(proportion_confint(k, n, method="wilson"), abs=1e-9)
    e = stats.clopper_pearson(k, n)
    assert (e.low, e.high) == pytest.approx(proportion_confint(k, n, method="beta"), abs=1e-9)


def test_exact_interval_at_zero_and_n_reaches_the_bound() -> None:
    assert stats.clopper_pearson(0, 10).low == 0.0
    assert stats.clopper_pearson(0, 10).high == pytest.approx(1 - 0.025 ** (1 / 10))
    assert stats.clopper_pearson(10, 10).high == 1.0


def test_small_cells_use_the_exact_interval() -> None:
    assert stats.rate_interval(8, 23).method == "clopper-pearson"  # n < 30
    assert stats.rate_interval(3, 500).method == "clopper-pearson"  # fewer than 5 with the outcome
    assert stats.rate_interval(497, 500).method == "clopper-pearson"  # fewer than 5 without
    assert stats.rate_interval(108, 1227).method == "wilson"


def test_newcombe_difference_textbook_example() -> None:
    # Newcombe (1998), Stat Med 17:873, table II example (a): 56/70 - 48/80
    iv = stats.newcombe_difference(56, 70, 48, 80)
    assert iv.estimate == pytest.approx(0.2)
    assert (round(iv.low, 4), round(iv.high, 4)) == (0.0524, 0.3339)


def test_katz_ratio_matches_statsmodels_log_interval() -> None:
    iv = stats.katz_ratio(15, 100, 8, 100)
    table = Table2x2(np.array([[15, 85], [8, 92]]))
    assert iv.estimate == pytest.approx(table.riskratio)
    assert (iv.low, iv.high) == pytest.approx(table.riskratio_confint(), rel=1e-9)


def test_katz_ratio_with_a_zero_cell_is_corrected_and_says_so() -> None:
    iv = stats.katz_ratio(0, 12, 9, 100)
    assert "0.5 added" in iv.method
    assert iv.estimate == pytest.approx((0.5 / 13) / (9.5 / 101))
    assert 0 < iv.low < iv.estimate < iv.high
    assert math.isnan(stats.katz_ratio(0, 5, 0, 7).estimate)
    everyone = stats.katz_ratio(3, 3, 700, 1000)  # all of a tiny group: wide, not a point
    assert "0.5 added" in everyone.method and everyone.high / everyone.low > 1.5


def test_fisher_exact_for_the_tea_tasting_table() -> None:
    result = stats.compare_two(3, 4, 1, 4)
    assert result.test == "fisher-exact"
    assert result.p_value == pytest.approx(0.4857142857)


def test_chi_square_for_large_tables_matches_scipy() -> None:
    result = stats.compare_two(148, 983, 108, 1227)
    chi2, p, dof, _ = sps.chi2_contingency([[148, 835], [108, 1119]], correction=False)
    assert result.test == "chi-square"
    assert (result.statistic, result.p_value, result.df) == (pytest.approx(chi2), pytest.approx(p), 1)


def test_association_all_groups_large_cells_is_pearson_chi_square() -> None:
    counts = [(108, 1227), (148, 983), (36, 393)]
    result = stats.association(counts)
    chi2, p, dof, _ = sps.chi2_contingency([[k, n - k] for k, n in counts], correction=False)
    assert result.test == "chi-square"
    assert result.p_value == pytest.approx(p)
    assert result.df == dof == 2


def _exact_permutation_p(counts: list[tuple[int, int]]) -> float:
    """Exact p of the chi-square statistic over every table with the observed margins."""
    sizes = [n for _, n in counts]
    total_k = sum(k for k, _ in counts)
    observed = stats._chi2_stat(np.array([[k, n - k] for k, n in counts], dtype=float))
    p = 0.0
    for ks in itertools.product(*(range(n + 1) for n in sizes)):
        if sum(ks) != total_k:
            continue
        prob = math.prod(math.comb(n, k) for k, n in zip(ks, sizes, strict=True)) / math.comb(sum(sizes), total_k)
        table = np.array([[k, n - k] for k, n in zip(ks, sizes, strict=True)], dtype=float)
        if stats._chi2_stat(table) >= observed - 1e-9:
            p += prob
    return p


def test_association_small_cells_uses_monte_carlo_close_to_the_exact_p() -> None:
    counts = [(0, 6), (3, 7), (5, 6)]
    result = stats.association(counts, simulations=20_000, seed=1)
    assert "Monte Carlo" in result.test
    exact = _exact_permutation_p(counts)
    assert result.p_value == pytest.approx(exact, abs=0.01)
    assert result.p_value < sps.chi2.sf(result.statistic or 0, 2) + 0.05  # same order as asymptotic


def test_holm_matches_statsmodels() -> None:
    ps = [0.01, 0.04, 0.03, 0.005, 0.2]
    assert stats.holm(ps) == pytest.approx(list(multipletests(ps, method="holm")[1]))


def test_constant_outcome_has_no_test() -> None:
    assert stats.association([(0, 10), (0, 20)]).p_value == 1.0
    assert stats.compare_two(5, 5, 7, 7).test.startswith("none")
