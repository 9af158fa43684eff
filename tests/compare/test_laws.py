"""Comparison laws: symmetric, bounded, and "unknown" is never a match."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.compare import FEATURE_NAMES, CaseTable, CompareError, compare_pairs

VOCAB = ["drugged", "ghb", "posed", "met_online", "body_moved", "note_left", "mo1:a", "mo1:b", "mo2:x"]
BOUNDS = {
    "distance_km": (0, 25_000), "space_nearer": (-5, 0), "time_gap_days": (0, 5000), "time_nearer": (-5, 0),
    "time_uncertainty_days": (0, 5000), "tod_gap_hours": (0, 12), "dow_gap_days": (0, 3.5),
    "area_match": (0, 1), "victim_sex_match": (0, 1),
    "victim_ethnicity_match": (0, 1), "circumstances_jaccard": (0, 1), "substances_jaccard": (0, 1),
    "narrative_similarity": (0, 1), "victim_age_gap": (0, 120), "circumstances_conflicts": (0, 16),
}

case = st.fixed_dictionaries({
    "incident_type": st.sampled_from(["death", "homicide", "assault"]),
    "day": st.floats(0, 700), "width": st.one_of(st.just(0.0), st.floats(0, 40)),
    "loc": st.one_of(st.none(), st.tuples(st.floats(51.4, 51.6), st.floats(-0.2, 0.2))),
    "place_type": st.one_of(st.none(), st.sampled_from(["park", "residence", "churchyard"])),
    "victim_age": st.one_of(st.none(), st.integers(15, 90)),
    "victim_sex": st.one_of(st.none(), st.sampled_from(["M", "F", "U"])),
    "circumstances": st.lists(st.sampled_from(VOCAB), max_size=4),
    "substances": st.lists(st.sampled_from(["ghb", "alcohol", "cocaine"]), max_size=2),
    "narrative": st.one_of(st.none(), st.sampled_from([
        "found dead in the churchyard after meeting a man online",
        "body found near the station, drugged with ghb",
        "assault outside a pub late at night", "robbery at a shop"])),
})


def frame(cases: list[dict[str, Any]]) -> pd.DataFrame:
    t0 = pd.Timestamp("2014-01-01")
    return pd.DataFrame({
        "case_id": [f"c{i}" for i in range(len(cases))],
        "incident_type": [c["incident_type"] for c in cases],
        "t_from": [t0 + pd.Timedelta(days=c["day"]) for c in cases],
        "t_to": [t0 + pd.Timedelta(days=c["day"] + c["width"]) for c in cases],
        "lat": [c["loc"][0] if c["loc"] else None for c in cases],
        "lon": [c["loc"][1] if c["loc"] else None for c in cases],
        "place_type": [c["place_type"] for c in cases],
        "victim_age": [c["victim_age"] for c in cases],
        "victim_sex": [c["victim_sex"] for c in cases],
        "circumstances": [c["circumstances"] for c in cases],
        "substances": [c["substances"] for c in cases],
        "narrative": [c["narrative"] for c in cases],
    })


@settings(max_examples=25, deadline=None)
@given(st.lists(case, min_size=2, max_size=12))
def test_features_are_symmetric_and_bounded(cases: list[dict[str, Any]]) -> None:
    table = CaseTable.from_frame(frame(cases))
    n = len(cases)
    a, b = np.triu_indices(n, k=1)
    ab = compare_pairs(table, a, b).values
    ba = compare_pairs(table, b, a).values
    assert np.allclose(ab, ba, equal_nan=True, atol=1e-4), "compare(a, b) must equal compare(b, a)"
    for j, name in enumerate(FEATURE_NAMES):
        col = ab[:, j]
        known = col[np.isfinite(col)]
        lo, hi = BOUNDS.get(name, (0, np.inf))
        assert np.all((known >= lo - 1e-6) & (known <= hi + 1e-6)), f"{name} out of [{lo}, {hi}]: {known}"


@settings(max_examples=25, deadline=None)
@given(st.lists(case, min_size=2, max_size=10))
def test_unknown_on_either_side_is_never_a_match(cases: list[dict[str, Any]]) -> None:
    table = CaseTable.from_frame(frame(cases))
    a, b = np.triu_indices(len(cases), k=1)
    feats = compare_pairs(table, a, b)
    for i, (p, q) in enumerate(zip(a, b, strict=True)):
        cp, cq = cases[p], cases[q]
        if cp["loc"] is None or cq["loc"] is None:
            assert np.isnan(feats.column("distance_km")[i]) and np.isnan(feats.column("space_nearer")[i])
        if not cp["circumstances"] or not cq["circumstances"]:
            assert np.isnan(feats.column("circumstances_shared_info")[i])
        if cp["place_type"] is None or cq["place_type"] is None:
            assert np.isnan(feats.column("place_type_match")[i])
        if cp["victim_sex"] in (None, "U") or cq["victim_sex"] in (None, "U"):
            assert np.isnan(feats.column("victim_sex_match")[i])
        if cp["narrative"] is None or cq["narrative"] is None:
            assert np.isnan(feats.column("narrative_similarity")[i])


def test_rare_shared_fact_counts_more_than_common_one() -> None:
    cases = [{"circumstances": ["common"] + (["rare"] if i < 2 else [])} for i in range(50)]
    df = pd.DataFrame({"case_id": [f"c{i}" for i in range(50)],
                       "t_from": pd.Timestamp("2015-01-01"), "circumstances": [c["circumstances"] for c in cases]})
    feats = compare_pairs(CaseTable.from_frame(df), np.array([0, 2]), np.array([1, 3]))
    rare_pair, common_pair = feats.column("circumstances_shared_info")
    assert rare_pair > common_pair + 4  # 'rare' (2 of 50) adds ~4.6 bits over 'common' (50 of 50)


def test_nearer_counts_see_local_density() -> None:
    # the same 500 m apart means more in an empty area than in a crowded one
    rng = np.random.default_rng(0)
    crowd = rng.normal(0, 300, size=(200, 2))
    df = pd.DataFrame({"case_id": [f"c{i}" for i in range(204)], "t_from": pd.Timestamp("2015-01-01"),
                       "x": np.r_[crowd[:, 0], 0, 500, 20_000, 20_500],
                       "y": np.r_[crowd[:, 1], 0, 0, 20_000, 20_000]})
    feats = compare_pairs(CaseTable.from_frame(df), np.array([200, 202]), np.array([201, 203]))
    crowded, empty = feats.column("space_nearer")
    assert feats.column("distance_km") == pytest.approx([0.5, 0.5])
    assert crowded > empty + 1.5 and empty == pytest.approx(np.log10(1 / 204))


def test_bad_positions_are_reported() -> None:
    df = pd.DataFrame({"case_id": ["a", "b"], "t_from": pd.Timestamp("2015-01-01")})
    with pytest.raises(CompareError, match="0..1"):
        compare_pairs(CaseTable.from_frame(df), np.array([0]), np.array([5]))


def test_display_names_values_for_people() -> None:
    df = frame([
        {"incident_type": "death", "day": 0, "width": 0, "loc": (51.54, 0.08), "place_type": "churchyard",
         "victim_age": 25, "victim_sex": "M", "circumstances": ["drugged"], "substances": ["ghb"], "narrative": None},
        {"incident_type": "death", "day": 20, "width": 1, "loc": (51.541, 0.081), "place_type": "churchyard",
         "victim_age": 23, "victim_sex": "M", "circumstances": ["drugged"], "substances": ["ghb"], "narrative": None},
    ])
    shown = dict(compare_pairs(CaseTable.from_frame(df), np.array([0]), np.array([1])).display(0))
    assert shown["distance_km"].endswith("km apart")
    assert shown["substances_shared_info"].startswith("both ghb")
    assert shown["place_type_match"].startswith("both churchyard")
    assert shown["narrative_similarity"] == "not recorded for one or both cases"


@pytest.mark.parametrize("vocab_size", [5, 70, 300])
def test_fast_set_paths_agree_with_the_plain_comparison(vocab_size: int) -> None:
    """Bitsets (small vocabularies) and signature filtering (large) give the all-pairs result."""
    from caselink.compare import sets

    rng = np.random.default_rng(vocab_size)
    values = [[f"k{v % 7}:{v}" if v % 3 else f"v{v}" for v in rng.choice(vocab_size, rng.integers(0, 5))]
              for _ in range(400)]
    col = sets.encode(values)
    assert (col.bits is not None) == (vocab_size <= sets.MAX_BITSET_VOCAB)
    a, b = rng.integers(0, 400, 5000), rng.integers(0, 400, 5000)
    fast, plain = sets.overlap(col, a, b), sets._overlap_lists(col, a, b)
    for name in ("info", "jaccard", "shared", "conflicts"):
        assert np.allclose(getattr(fast, name), getattr(plain, name), equal_nan=True, atol=1e-4), name
