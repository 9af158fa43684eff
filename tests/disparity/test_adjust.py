"""Adjusted odds ratios: recover a known effect under confounding; handle separation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from caselink.disparity.adjust import adjusted_odds_ratios


def confounded(seed: int = 3, n: int = 20_000) -> pd.DataFrame:
    """Group B has true OR 1.5; weapon is commoner in B and raises the odds 6-fold."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["A", "B"], size=n)
    weapon = np.where(rng.random(n) < np.where(group == "B", 0.7, 0.2), "gun", "knife")
    year = rng.integers(2000, 2010, size=n)
    logit = -2.0 + math.log(1.5) * (group == "B") + math.log(6.0) * (weapon == "gun") + 0.05 * (year - 2005)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame({"group": group, "weapon": weapon, "year": year, "y": y})


def test_adjustment_recovers_the_true_odds_ratio_that_the_crude_one_misses() -> None:
    df = confounded()
    b = (df["group"] == "B").astype(int)
    crude = adjusted_odds_ratios(df["y"], {"B": b}, df[[]]).results[0]
    adjusted = adjusted_odds_ratios(df["y"], {"B": b}, df[["weapon", "year"]]).results[0]
    assert crude.odds_ratio is not None and crude.low is not None and crude.low > 2.0  # confounded
    assert adjusted.low is not None and adjusted.high is not None
    assert adjusted.low < 1.5 < adjusted.high
    assert adjusted.odds_ratio == pytest.approx(1.5, rel=0.12)


def test_terms_describe_each_confounder_and_missing_numeric_rows_are_dropped() -> None:
    df = confounded(n=2_000)
    df["victim_age"] = np.where(np.arange(len(df)) < 100, np.nan, 30.0 + np.arange(len(df)) % 40)
    model = adjusted_odds_ratios(df["y"], {"B": (df["group"] == "B").astype(int)},
                                 df[["weapon", "year", "victim_age"]], numeric={"victim_age"})
    assert model.terms["weapon"].startswith("categorical: 2 levels")
    assert model.terms["year"].startswith("categorical: 10 levels")
    assert model.terms["victim_age"].startswith("numeric")
    assert (model.n_used, model.n_dropped) == (1_900, 100)


def test_a_group_with_no_outcome_is_not_estimable_not_infinite() -> None:
    df = confounded(n=3_000)
    c = pd.Series(0, index=df.index)
    c.iloc[:40] = 1
    y = df["y"].copy()
    y.iloc[:40] = False
    model = adjusted_odds_ratios(y, {"B": (df["group"] == "B").astype(int) * (1 - c), "C": c}, df[["weapon"]])
    by = {r.group: r for r in model.results}
    assert by["C"].odds_ratio is None and "not estimable: 0 of 40" in by["C"].note
    assert by["B"].odds_ratio is not None and model.n_dropped == 40


def test_rare_levels_are_pooled() -> None:
    df = confounded(n=1_000)
    weapon = df["weapon"].copy()
    weapon.iloc[:3] = "poison"
    weapon.iloc[3:6] = "fire"
    model = adjusted_odds_ratios(df["y"], {"B": (df["group"] == "B").astype(int)}, weapon.to_frame("weapon"))
    assert "2 rare levels pooled" in model.terms["weapon"]
