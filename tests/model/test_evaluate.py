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


class _Oracle:
    """Scores a pair by whether it truly shares a series (+10) or not (-10), plus a little noise."""

    def __init__(self, table: CaseTable, seed: int) -> None:
        self.table, self.rng = table, np.random.default_rng(seed)

    def score(self, features):  # type: ignore[no-untyped-def]
        from caselink.model.additive import Scores

        same = np.array([bool(set(self.table.series[p]) & set(self.table.series[q]))
                         for p, q in zip(features.a, features.b, strict=True)])
        lo = np.where(same, 10.0, -10.0) + self.rng.normal(0.0, 0.1, len(same))
        return Scores(1.0 / (1.0 + np.exp(-lo)), lo)


def test_a_fitter_is_judged_on_the_same_splits_and_metrics(world: CaseTable) -> None:
    """``fitter`` (how bench/crimelinkage_baseline.py runs a reference method) replaces the model
    fit: an oracle scorer gets perfect figures, one that scores the opposite way gets the worst."""
    seen: list[int] = []

    def oracle(table: CaseTable, rows: np.ndarray, seed: int) -> _Oracle:
        seen.append(len(rows))
        return _Oracle(table, seed)

    result = evaluate(world, "oracle", folds=3, repeats=1, seed=0, fitter=oracle)
    assert len(seen) == 3 and result["splits"] == 3 and result["model"] == "oracle"
    assert result["pairwise"]["auc"]["mean"] == pytest.approx(1.0)
    assert result["series"]["hit_at_1"] == pytest.approx(1.0)

    class Inverted(_Oracle):
        def score(self, features):  # type: ignore[no-untyped-def]
            s = super().score(features)
            return type(s)(1.0 - s.probability, -s.log_odds)

    worst = evaluate(world, "inverted", folds=3, repeats=1, seed=0, fitter=lambda t, r, s: Inverted(t, s))
    assert worst["pairwise"]["auc"]["mean"] == pytest.approx(0.0)
    assert worst["series"]["hit_at_1"] < 0.1


def test_held_out_series_ranking_leaves_the_training_series_out(world: CaseTable) -> None:
    """A scorer that prefers every training case to the true partners ranks the true series last
    among all known series, but first among the held-out fold's series, which exclude them."""
    class LikesTraining(_Oracle):
        def __init__(self, table: CaseTable, rows: np.ndarray, seed: int) -> None:
            super().__init__(table, seed)
            self.train = set(rows.tolist())

        def score(self, features):  # type: ignore[no-untyped-def]
            s = super().score(features)
            in_train = np.array([int(b) in self.train or int(a) in self.train
                                 for a, b in zip(features.a, features.b, strict=True)])
            lo = np.where(in_train, 20.0, s.log_odds)
            return type(s)(1.0 / (1.0 + np.exp(-lo)), lo)

    result = evaluate(world, "likes-training", folds=3, repeats=1, seed=0, fitter=LikesTraining)
    assert result["series"]["hit_at_1"] == pytest.approx(0.0)
    assert result["series_held_out"]["hit_at_1"] == pytest.approx(1.0)
    assert result["series_held_out"]["mrr"] == pytest.approx(1.0)
    assert "held-out fold" in result["series_held_out"]["candidates"]


def test_cross_validation_advances_a_progress_bar_once_per_split(world: CaseTable,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``caselink evaluate`` can take minutes on a large store: a bar counts the splits done."""
    from contextlib import contextmanager

    from caselink import progress

    calls: list[tuple[str, int | None, bool | None]] = []
    advanced: list[int] = []

    class Recorder:
        def advance(self, n: int = 1) -> None:
            advanced.append(n)

    @contextmanager
    def bar(description: str, total: int | None = None, *, show: bool | None = None):  # type: ignore[no-untyped-def]
        calls.append((description, total, show))
        yield Recorder()

    monkeypatch.setattr(progress, "bar", bar)
    evaluate(world, "oracle", folds=3, repeats=2, seed=0, fitter=lambda t, r, s: _Oracle(t, s), show_progress=None)
    assert [(total, show) for _, total, show in calls] == [(6, None)]
    assert sum(advanced) == 6
