"""Series clustering quality in evaluation: B-cubed, the link-rate calibration it clusters with,
and the figures ``evaluate`` reports."""

from __future__ import annotations

import numpy as np
import pytest
from tests.model.planted import planted_frame

from caselink.compare import CaseTable, compare_pairs
from caselink.evaluate import bcubed, evaluate, link_rate_shift
from caselink.training import train


@pytest.mark.parametrize(("clusters", "truth", "expected"), [
    ([[0, 1], [2, 3]], [5, 5, 6, 6], (1.0, 1.0, 1.0)),
    ([[0, 1, 2, 3]], [5, 5, 6, 6], (0.5, 1.0, 2 / 3)),
    ([], [5, 5, 6], (1.0, 2 / 3, 0.8)),
    ([[0, 2]], [5, 5, 6], ((0.5 + 1 + 0.5) / 3, (0.5 + 0.5 + 1) / 3, 2 / 3)),
])
def test_bcubed_by_hand(clusters: list[list[int]], truth: list[int], expected: tuple[float, float, float]) -> None:
    assert bcubed(clusters, truth) == pytest.approx(expected)


@pytest.fixture(scope="module")
def world() -> CaseTable:
    return CaseTable.from_frame(planted_frame(n_series=40, n_background=300, seed=3))


def test_link_rate_shift_matches_the_rate_over_all_pairs(world: CaseTable) -> None:
    model = train(world, "learned", seed=0)
    rows = np.arange(len(world))
    shift = link_rate_shift(model, world, rows, np.random.default_rng(0), sample=200_000)
    ia, ib = np.triu_indices(len(world), 1)
    linked = np.array([bool(set(world.series[p]) & set(world.series[q])) for p, q in zip(ia, ib, strict=True)])
    prob = 1.0 / (1.0 + np.exp(-(model.score(compare_pairs(world, ia, ib)).log_odds + shift)))
    assert abs(shift) > 0.1, "training pairs over-sample links, so a shift is needed"
    assert prob.mean() == pytest.approx(linked.mean(), rel=0.1)


def test_evaluate_reports_clustering_better_than_leaving_cases_alone(world: CaseTable) -> None:
    result = evaluate(world, "learned", folds=3, repeats=1, seed=0)
    b = result["series"]["bcubed"]
    assert b["min_probability"] == 0.5
    assert 0.0 <= b["precision"]["mean"] <= 1.0 and 0.0 <= b["recall"]["mean"] <= 1.0
    assert b["f1"]["mean"] > b["singletons_f1"]["mean"] + 0.05, "planted series should be found as clusters"
    strict = evaluate(world, "learned", folds=3, repeats=1, seed=0, min_probability=0.99)["series"]["bcubed"]
    assert strict["precision"]["mean"] >= b["precision"]["mean"] - 1e-9
    assert strict["recall"]["mean"] <= b["recall"]["mean"] + 1e-9
