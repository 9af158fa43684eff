"""Explanations on a "no evidence" baseline: a shared fact never counts against a link, a differing
one never for it, an unknown one not at all, and the parts still sum to the log-odds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.compare.test_laws import case, frame
from tests.model.planted import planted_frame

from caselink.compare import FEATURES, SPECS, CaseTable, Features, compare_pairs
from caselink.model import LinkModel, Term, default_model, fit_bayes, fit_learned, model_from_dict
from caselink.model.baseline import EPS, obeys_baseline
from caselink.training import make_pairs

SIDED = [f.name for f in FEATURES if f.evidence != "graded"]


def check_explanations(model: LinkModel, feats: Features) -> int:
    """Asserts the baseline rule on every pair of ``feats``; returns how many agreements it saw."""
    names, parts = model.contributions(feats)
    log_odds = model.score(feats).log_odds
    assert parts.sum(axis=1) + model.baseline == pytest.approx(log_odds, abs=1e-9)
    agreements = 0
    for j, name in enumerate(names):
        if name not in SPECS:
            continue  # an interaction
        x = feats.column(name).astype(np.float64)
        part = parts[:, j]
        unknown = np.isnan(x)
        assert np.all(part[unknown] == 0.0), f"{name}: an unknown fact moved the odds"
        evidence = SPECS[name].evidence
        if evidence == "graded":
            continue
        agree = (x > 0) if evidence == "match" else (x <= 0)
        agree &= ~unknown
        disagree = ~agree & ~unknown
        assert np.all(part[agree] >= 0.0), (name, x[agree][part[agree] < 0][:5], part[agree][part[agree] < 0][:5])
        assert np.all(part[disagree] <= 0.0), (name, x[disagree][part[disagree] > 0][:5])
        agreements += int(agree.sum())
    # explain_many's entries are the same parts, and sum to the log-odds too
    for i, row in enumerate(model.explain_many(feats, np.arange(min(len(feats), 20)))):
        assert sum(e["contribution"] for e in row) == pytest.approx(log_odds[i], abs=1e-9)
    return agreements


@pytest.fixture(scope="module")
def world() -> CaseTable:
    return CaseTable.from_frame(planted_frame())


def test_default_model_never_counts_a_shared_fact_against_a_link(world: CaseTable) -> None:
    rng = np.random.default_rng(3)
    pairs = make_pairs(world, seed=4)  # linked and unlinked pairs: plenty of shared facts
    a = np.concatenate([pairs.a, rng.integers(0, len(world), 5000)])
    b = np.concatenate([pairs.b, rng.integers(0, len(world), 5000)])
    keep = a != b
    assert check_explanations(default_model(), compare_pairs(world, a[keep], b[keep])) > 1000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(case, min_size=2, max_size=14), st.data())
def test_explanations_obey_the_baseline_on_random_cases(cases: list[dict[str, Any]], data: st.DataObject) -> None:
    table = CaseTable.from_frame(frame(cases))
    n = len(cases)
    a = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=30))
    b = [data.draw(st.integers(0, n - 1)) for _ in a]
    check_explanations(default_model(), compare_pairs(table, np.array(a), np.array(b)))


def test_a_fact_nearly_every_case_shares_reads_as_evidence_for_not_against() -> None:
    """The issue's case: "both gay (99%): -0.84" from a curve rising from "differ" at 0 bits."""
    n = 300
    df = planted_frame(n_series=10, n_background=n - 30)
    df["victim_tags"] = [["gay"] if i % 100 else ["straight"] for i in range(len(df))]
    table = CaseTable.from_frame(df)
    feats = compare_pairs(table, np.arange(1, 60), np.arange(2, 61))
    x = feats.column("victim_tags_shared_info")
    assert np.nanmin(x[x > 0]) < 0.05  # a 99% value: a few hundredths of a bit
    check_explanations(default_model(), feats)
    row = next(e for e in default_model().explain(feats, int(np.flatnonzero(x > 0)[0]))
               if e["feature"] == "victim_tags_shared_info")
    assert row["value"].startswith("both gay") and row["contribution"] >= 0.0


def _old_file(term: dict[str, Any]) -> dict[str, Any]:
    return {"format": "caselink.linkmodel", "format_version": 1, "name": "old", "version": "0", "kind": "learned",
            "intercept": -5.0, "slope": 1.2, "terms": [term], "interactions": []}


def test_an_old_model_file_is_clamped_when_loaded() -> None:
    dip = {"feature": "victim_tags_shared_info", "scale": "linear", "kind": "curve", "knots": [0.0, 2.786],
           "weights": [-0.81, 1.16], "missing": 0.01}
    model = model_from_dict(_old_file(dip))
    term = model.terms[0]
    assert term(np.array([0.0145]))[0] >= 0.01 and term(np.array([0.0]))[0] == pytest.approx(-0.81)
    assert term(np.array([2.786]))[0] == pytest.approx(1.16)
    conflict = {"feature": "circumstances_conflicts", "scale": "linear", "kind": "step", "knots": [0.5],
                "weights": [-0.3, 0.4], "missing": 0.0}
    term = model_from_dict(_old_file(conflict)).terms[0]
    assert term(np.array([0.0]))[0] == 0.0 and term(np.array([1.0, 3.0])).max() == 0.0


weights = st.floats(-5, 5, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SIDED), st.sampled_from(["step", "curve"]),
       st.lists(st.floats(0, 8, allow_nan=False), min_size=1, max_size=6, unique=True), st.data())
def test_any_term_is_constrained_by_the_model(feature: str, kind: str, knots: list[float], data: st.DataObject) -> None:
    knots = sorted(knots)
    w = data.draw(st.lists(weights, min_size=len(knots) + (kind == "step"), max_size=len(knots) + (kind == "step")))
    term = Term(feature, SPECS[feature].scale, kind, knots, w, data.draw(weights))
    LinkModel("t", "1", "learned", 0.0, [term])
    probe = np.concatenate([[0.0, 1e-7, 1e-3, 0.5, 1.0, 2.0], np.asarray(knots), np.asarray(knots) + 1e-6,
                            np.geomspace(1e-6, 50, 60)])
    probe = probe[(probe == 0) | (probe >= EPS)]  # (0, EPS) reads as "differ": see baseline.EPS
    raw = np.expm1(probe) if term.scale == "log" else probe
    assert obeys_baseline(term, raw)
    again = Term(feature, term.scale, kind, list(term.knots), list(term.weights), term.missing)
    LinkModel("t", "1", "learned", 0.0, [again])
    assert again.knots == term.knots and again.weights == term.weights  # idempotent
    assert EPS in term.knots


@pytest.mark.parametrize("fitter", [fit_bayes, fit_learned])
def test_fitted_models_obey_the_baseline(world: CaseTable, fitter: Any) -> None:
    pairs = make_pairs(world, seed=1)
    feats = compare_pairs(world, pairs.a, pairs.b)
    model = fitter(feats.values, feats.names, pairs.linked, pairs.weight)
    check_explanations(model, feats)
    p = model.score(feats).probability
    w = pairs.weight
    # still balanced on its training pairs after the clamp
    assert np.average(p, weights=w) == pytest.approx(np.average(pairs.linked, weights=w), abs=0.02)
