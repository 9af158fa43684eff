"""Models: explanations sum to the log-odds, calibration on held-out data, parameter recovery,
JSON round-trip and the previous file format, the shipped default model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.model.planted import planted_frame

from caselink.compare import CaseTable, compare_pairs
from caselink.errors import ModelError
from caselink.model import LinkModel, default_model, load_model, model_from_dict, model_to_dict
from caselink.training import crime_groups, make_pairs, train

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def world() -> CaseTable:
    return CaseTable.from_frame(planted_frame())


@pytest.fixture(scope="module", params=["bayes", "learned"])
def model(request: pytest.FixtureRequest, world: CaseTable) -> LinkModel:
    return train(world, request.param, seed=1)


def _curve(model: LinkModel, feature: str, values: list[float]) -> np.ndarray:
    term = next(t for t in model.terms if t.feature == feature)
    return term(np.array(values))


def test_explanation_sums_to_log_odds(model: LinkModel, world: CaseTable) -> None:
    pairs = make_pairs(world, seed=5)
    feats = compare_pairs(world, pairs.a[:300], pairs.b[:300])
    scores = model.score(feats)
    for i in (0, 7, 150, 299):
        rows = model.explain(feats, i)
        assert sum(r["contribution"] for r in rows) == pytest.approx(scores.log_odds[i], abs=1e-9)
        assert rows == sorted(rows, key=lambda r: -abs(r["contribution"]))
        assert {"feature", "value", "contribution"} <= set(rows[0])
        assert any(r["feature"] == "prior" for r in rows)
    assert np.allclose(scores.probability, 1 / (1 + np.exp(-scores.log_odds)))


def test_parameter_recovery_nearer_and_rarer_weigh_more(model: LinkModel) -> None:
    near, far = _curve(model, "distance_km", [0.3, 8.0])
    assert near > far + 1.0, "a pair 300 m apart must weigh more than one 8 km apart"
    rare, common = _curve(model, "circumstances_shared_info", [9.0, 1.0])
    assert rare > common + 0.5, "sharing a rare fact must weigh more than sharing a common one"
    soon, late = _curve(model, "time_gap_days", [5.0, 200.0])
    assert soon > late + 1.0


def test_calibration_on_held_out_groups(world: CaseTable) -> None:
    """Predicted probability vs observed (weighted) link rate in bins, on unseen co-offending groups."""
    groups = crime_groups(world.series)
    test_groups = groups % 3 == 0
    train_rows, test_rows = np.flatnonzero(~test_groups), np.flatnonzero(test_groups)
    from caselink.evaluate import fit

    for kind in ("bayes", "learned"):
        mdl = fit(kind, world, train_rows, seed=2)
        pairs = make_pairs(world, test_rows, seed=3)  # sampled as in training: same class balance
        p = mdl.score(compare_pairs(world, pairs.a, pairs.b)).probability
        w = pairs.weight
        edges = np.array([0.0, 0.01, 0.1, 0.5, 1.0])
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            inside = (p >= lo) & (p < hi)
            if w[inside].sum() < 20:
                continue
            predicted = np.average(p[inside], weights=w[inside])
            observed = np.average(pairs.linked[inside], weights=w[inside])
            assert abs(predicted - observed) < max(0.1, 0.35 * predicted), (kind, lo, hi, predicted, observed)


def test_json_round_trip(model: LinkModel, world: CaseTable, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    model.save(path)
    again = load_model(path)
    assert model_to_dict(again) == model_to_dict(model)
    feats = compare_pairs(world, np.arange(0, 40), np.arange(40, 80))
    assert np.array_equal(again.score(feats).log_odds, model.score(feats).log_odds)
    assert json.loads(path.read_text())["format_version"] == 3


def test_previous_format_still_loads(world: CaseTable) -> None:
    old = load_model(DATA / "model_format1.json")
    assert old.feature_set == 1 and old.kind == "learned"
    scores = old.score(compare_pairs(world, np.arange(10), np.arange(10, 20)))
    assert np.all(np.isfinite(scores.log_odds))


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="format_version 99"):
        model_from_dict({"format": "caselink.linkmodel", "format_version": 99})
    with pytest.raises(ModelError, match="not a caselink link model"):
        model_from_dict({"format": "pickle"})
    with pytest.raises(ModelError, match="no model file"):
        load_model(tmp_path / "missing.json")


def test_default_model_ships_and_scores(world: CaseTable) -> None:
    mdl = default_model()
    assert mdl.name and mdl.version and mdl.trained_on
    feats = compare_pairs(world, np.array([0, 0]), np.array([1, 500]))  # series mate vs background
    lo = mdl.score(feats).log_odds
    assert lo[0] > lo[1]


def test_training_without_series_is_a_clear_error() -> None:
    df = planted_frame(n_series=0, n_background=50)
    df["series_ids"] = [[] for _ in range(len(df))]
    with pytest.raises(ModelError, match="series"):
        train(CaseTable.from_frame(df), "bayes")


def _model_and_random_pairs(world: CaseTable, seed: int) -> tuple[LinkModel, np.ndarray, np.ndarray]:
    """A learned model of the planted world and 20,000 random pairs of distinct cases."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(world), 20_000), rng.integers(0, len(world), 20_000)
    keep = a != b
    return train(world, "learned", seed=4), a[keep], b[keep]


def test_calibration_to_candidate_pairs_matches_their_link_rate(world: CaseTable) -> None:
    from caselink.training import calibrate_to_pairs

    mdl, a, b = _model_and_random_pairs(world, 0)
    before = mdl.intercept
    shift = calibrate_to_pairs(mdl, world, a, b)
    linked = np.array([bool(set(world.series[p]) & set(world.series[q])) for p, q in zip(a, b, strict=True)])
    p = mdl.score(compare_pairs(world, a, b)).probability
    assert shift < 0 and mdl.intercept == pytest.approx(before + shift)  # random pairs link far less often
    assert p.mean() == pytest.approx(linked.mean(), rel=0.02)
    assert mdl.trained_on["calibrated_to"]["pairs"] == len(a)


def test_calibration_with_the_full_truth_rescales_slope_and_offset(world: CaseTable) -> None:
    from caselink.training import calibrate_to_pairs

    mdl, a, b = _model_and_random_pairs(world, 1)
    truth = {str(cid): list(s) for cid, s in zip(world.case_ids, world.series, strict=True) if s}
    feats = compare_pairs(world, a, b)
    before = mdl.score(feats).log_odds
    calibrate_to_pairs(mdl, world, a, b, offenders=truth)
    after = mdl.score(feats)
    info = mdl.trained_on["calibrated_to"]
    assert info["labels"] == "full truth"
    # the model's log-odds are an affine map of the old ones, and explanations still add up
    assert after.log_odds == pytest.approx(info["intercept_shift"] + info["slope_factor"] * before, abs=5e-3)  # rounded in JSON
    names, parts = mdl.contributions(feats)
    assert parts.sum(axis=1) + mdl.baseline == pytest.approx(after.log_odds, abs=1e-6)
    linked = np.array([bool(set(world.series[p]) & set(world.series[q])) for p, q in zip(a, b, strict=True)])
    assert after.probability.mean() == pytest.approx(linked.mean(), rel=0.02)  # logistic fit: means agree


def test_the_shipped_model_is_calibrated_on_held_out_synthetic_candidate_pairs(tmp_path: Path) -> None:
    """On data it never saw (another seed, another density), the shipped model's probabilities
    over the pairs `caselink link` scores match how often those pairs share an offender.
    The model shipped before v1.2 (calibrated on solved pairs only) gave a mean probability 9x
    the true rate and "0.9" to pairs of which a quarter were linked."""
    from caselink.candidates import candidate_pairs
    from caselink.linkage.link import build_table, load_cases
    from caselink.store import Store
    from caselink.synth import generate

    res = generate(6000, seed=3, start="2014-01-01", end="2015-07-01")
    path = tmp_path / "held_out.jsonl"
    res.write_jsonl(path)
    with Store.open(tmp_path / "h.duckdb", user="test") as store:
        store.ingest([path], run_hooks=False, show_progress=False)
        frame, entities = load_cases(store, purpose="test", command="test")
    table = build_table(frame, entities)
    pairs = candidate_pairs(frame, entities=entities)
    p = default_model().score(compare_pairs(table, pairs.a, pairs.b)).probability
    offenders = {k: set(v) for k, v in res.truth["case_offenders"].items()}
    ids = frame["case_id"].tolist()
    linked = np.array([bool(offenders.get(ids[i], set()) & offenders.get(ids[j], set()))
                       for i, j in zip(pairs.a, pairs.b, strict=True)])
    assert 0.6 < p.mean() / linked.mean() < 1.6
    high = p >= 0.5
    assert high.sum() >= 30 and linked[high].mean() > 0.4
    low = (p >= 0.05) & (p < 0.2)
    assert 0.5 < linked[low].mean() / p[low].mean() < 1.6


def test_linking_with_a_model_from_another_feature_set_is_refused(tmp_path: Path) -> None:
    """A model trained when a feature meant something else (here feature set 1) would misread
    it silently; link and similar refuse it and say to retrain."""
    from caselink.linkage.link import resolve_model

    with pytest.raises(ModelError, match="feature set 1.*retrain"):
        resolve_model(DATA / "model_format1.json")
    assert resolve_model(None).feature_set == default_model().feature_set
