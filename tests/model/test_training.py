"""Training pairs built as crimelinkage builds them, and group-disjoint evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.model.clframe import crimelinkage_frame

from caselink.compare import CaseTable
from caselink.evaluate import evaluate, group_folds
from caselink.training import crime_groups, make_pairs


def table(series: list[list[str]], days: list[float] | None = None) -> CaseTable:
    n = len(series)
    t = pd.Timestamp("2015-01-01") + pd.to_timedelta(days or [float(i) for i in range(n)], unit="D")
    return CaseTable.from_frame(pd.DataFrame({"case_id": [f"c{i}" for i in range(n)], "t_from": t,
                                              "series_ids": series}))


def test_co_offending_groups_are_connected_components() -> None:
    groups = crime_groups([["a"], ["a", "b"], ["b"], ["c"], [], ["c"], ["d"]])
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] == groups[5] != groups[0]
    assert groups[4] == -1 and len({groups[0], groups[3], groups[6]}) == 3


def test_linked_pairs_weighted_by_series_size_and_unlinked_cross_groups() -> None:
    series = [["a"]] * 4 + [["b"]] * 2 + [[f"x{i}"] for i in range(20)] + [[]] * 3
    pairs = make_pairs(table(series), seed=0)
    linked = {(int(a), int(b)): w for a, b, w, y in zip(pairs.a, pairs.b, pairs.weight, pairs.linked, strict=True) if y}
    assert len(linked) == 6 + 1
    assert linked[(0, 1)] == pytest.approx(1 / 6) and linked[(4, 5)] == pytest.approx(1.0)
    groups = crime_groups(series)
    unl = ~pairs.linked
    assert np.all(groups[pairs.a[unl]] != groups[pairs.b[unl]]), "unlinked pairs must cross groups"
    assert np.all(groups[pairs.a] >= 0) and np.all(groups[pairs.b] >= 0), "unsolved cases are never paired"
    assert np.all(pairs.a < pairs.b)
    assert len(set(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True))) == len(pairs)


def test_pairs_further_apart_than_the_window_are_left_out() -> None:
    pairs = make_pairs(table([["a"], ["a"], ["a"], ["z"]], days=[0, 10, 500, 5]), max_gap_days=365)
    linked = set(zip(pairs.a[pairs.linked].tolist(), pairs.b[pairs.linked].tolist(), strict=True))
    assert linked == {(0, 1)}


def test_folds_never_split_a_group() -> None:
    groups = crime_groups([[f"o{i % 37}", f"o{(i * 7) % 37}"] for i in range(200)] + [[]] * 5)
    fold = group_folds(groups, 5, np.random.default_rng(0))
    for g in np.unique(groups[groups >= 0]):
        assert len(set(fold[groups == g])) == 1
    assert np.all(fold[groups < 0] == -1)


@pytest.mark.slow
def test_crimelinkage_cross_validation_beats_the_published_baseline(shared_data: Path) -> None:
    """Four splits only (the full 20-split figures are in the report); the baseline AUC is 0.896."""
    t = CaseTable.from_frame(crimelinkage_frame(shared_data / "crimelinkage"))
    result = evaluate(t, "learned", folds=4, repeats=1, seed=0)
    assert result["splits"] == 4
    assert result["pairwise"]["auc"]["mean"] > 0.896
    assert result["series"]["hit_at_10"] > 0.7
    assert set(result["pairwise"]["recall_at_k"]) == {"1", "5", "10", "20"}
