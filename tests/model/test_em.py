"""The Fellegi-Sunter EM recovers planted parameters, and the adapted model round-trips as JSON."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from caselink.model import default_model, load_model, model_from_dict, model_to_dict
from caselink.model.em import LINKED, UNKNOWN, UNLINKED, fit_tilted

LAM = 0.04
B_TRUE = np.array([1.0, 0.5, 1.6, 0.8, 1.2])
BINS = 6


def _planted(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray], np.ndarray]:
    """(scores pairs x groups, true class, per-group u, per-group m, random-pair scores of group 0/1).
    Groups are independent given the class; m_g = u_g tilted by b_g * shape."""
    rng = np.random.default_rng(seed)
    shape = np.linspace(-1.5, 2.5, BINS)
    us = [rng.dirichlet(np.full(BINS, 3.0)) for _ in B_TRUE]
    ms = []
    for u, b in zip(us, B_TRUE, strict=True):
        m = u * np.exp(b * shape)
        ms.append(m / m.sum())
    linked = rng.random(n) < LAM
    bins = np.column_stack([np.where(linked, rng.choice(BINS, n, p=m), rng.choice(BINS, n, p=u))
                            for u, m in zip(us, ms, strict=True)])
    ref = np.column_stack([shape[rng.choice(BINS, 50_000, p=us[g])] for g in (0, 1)])
    return shape[bins], linked, us, ms, ref


def _init(scores: np.ndarray) -> np.ndarray:
    """A wrong starting model: every tilt 1 and a link rate of 0.15 instead of 0.04."""
    return 1.0 / (1.0 + np.exp(-(np.log(0.15 / 0.85) + scores.sum(axis=1) - 2.0)))


def test_em_recovers_planted_lambda_tilts_and_m() -> None:
    scores, linked, us, ms, ref = _planted(200_000)
    fit = fit_tilted(scores, _init(scores), reference={0: ref[:, 0], 1: ref[:, 1]}, prior_sd=5.0)
    assert fit.converged
    assert abs(fit.lam - LAM) / LAM < 0.1, fit.lam
    assert np.abs(fit.b - B_TRUE).max() < 0.15, fit.b
    shape = np.linspace(-1.5, 2.5, BINS)
    for g, (u, m) in enumerate(zip(us, ms, strict=True)):  # m recovered: u tilted by the fitted b
        m_hat = u * np.exp(fit.b[g] * shape)
        assert np.abs(m_hat / m_hat.sum() - m).max() < 0.03, (g, m_hat / m_hat.sum(), m)
        # the fitted weight of each bin, b s - log Z, is log(m / u) of the planted world
        assert np.abs(fit.b[g] * shape - fit.log_z[g] - np.log(m / u)).max() < 0.25


def test_labels_are_held_in_the_e_step() -> None:
    scores, linked, *_ = _planted(100_000, seed=3)
    rng = np.random.default_rng(1)
    labelled = rng.random(len(linked)) < 0.3
    labels = np.where(labelled, np.where(linked, LINKED, UNLINKED), UNKNOWN)
    flat = np.full(len(linked), 0.5)  # a useless start: the labels must carry the fit
    right = fit_tilted(scores, flat, labels=labels, prior_sd=5.0)
    assert abs(right.lam - LAM) / LAM < 0.15, right.lam
    wrong = np.where(labelled, UNLINKED, UNKNOWN)  # the same pairs all said unlinked
    assert fit_tilted(scores, flat, labels=wrong, prior_sd=5.0).lam < 0.8 * right.lam


def test_adapted_model_round_trips_and_previous_format_loads(tmp_path: Path) -> None:
    from caselink.compare import FEATURE_NAMES, Features
    from caselink.model.unsupervised import adapt

    rng = np.random.default_rng(0)
    n = 20_000
    values = rng.random((n, len(FEATURE_NAMES))).astype(np.float32) * 3
    feats = Features(list(FEATURE_NAMES), values, None, np.zeros(n, np.intp), np.zeros(n, np.intp))  # type: ignore[arg-type]
    model = adapt(default_model(), feats, feats, trained_on={"store": "s.duckdb", "cases": 10})
    path = tmp_path / "adapted.json"
    model.save(path)
    again = load_model(path)
    assert model_to_dict(again) == model_to_dict(model)
    assert again.adaptation is not None and 0.0 < again.adaptation["lambda"] < 1.0
    assert np.array_equal(again.score(feats).log_odds, model.score(feats).log_odds)
    old = model_to_dict(default_model())
    old["format_version"] = 2
    old.pop("adaptation")
    assert model_from_dict(old).adaptation is None


def test_malformed_adaptation_is_a_clear_error() -> None:
    from caselink.errors import ModelError

    data = model_to_dict(default_model())
    data["adaptation"] = {"lambda": "high"}
    with pytest.raises(ModelError, match="adaptation"):
        model_from_dict(data)
