"""Series quality against the truth on hand-made partitions: coverage, purity, B-cubed, the floor."""

from __future__ import annotations

import pytest

from caselink.errors import InputError
from caselink.linkage.series_quality import bcubed, series_quality, truth_from_synth

# offender X did a, b, c, d; Y did e, f; g and h are one-off offences.
TRUTH = {"a": "X", "b": "X", "c": "X", "d": "X", "e": "Y", "f": "Y", "g": "G", "h": "H"}


def test_perfect_partition_covers_every_serial_case_and_is_pure() -> None:
    q = series_quality([["a", "b", "c", "d"], ["e", "f"]], TRUTH)
    assert (q.cases, q.serial_cases, q.predicted_series) == (8, 6, 2)
    assert q.coverage == 1.0 and q.purity == 1.0
    assert (q.precision, q.recall, q.f1) == pytest.approx((1.0, 1.0, 1.0))
    assert q.alone_f1 < q.f1


def test_every_case_alone_covers_nothing_and_scores_the_floor() -> None:
    q = series_quality([], TRUTH)
    assert q.coverage == 0.0 and q.predicted_series == 0
    assert q.f1 == pytest.approx(q.alone_f1)
    # recall of X's cases 1/4, Y's 1/2, one-offs 1: (4/4 + 2/2 + 2) / 8 = 0.5; precision 1
    assert q.recall == pytest.approx(0.5) and q.alone_f1 == pytest.approx(2 / 3)


def test_a_series_counts_for_its_majority_offender_only() -> None:
    # {a, b, e}: X is 2 of 3, so a and b are covered, e is not; {c, g}: no majority (1 of 2).
    q = series_quality([["a", "b", "e"], ["c", "g"]], TRUTH)
    assert q.coverage == pytest.approx(2 / 6, abs=1e-4)
    assert q.purity == 0.0
    b_precision = (2 / 3 + 2 / 3 + 1 / 3 + 1 / 2 + 1 / 2 + 1 + 1 + 1) / 8
    assert q.precision == pytest.approx(b_precision)


def test_mapping_and_member_lists_give_the_same_figures() -> None:
    as_lists = series_quality([["a", "b"], ["e", "f", "g"]], TRUTH)
    as_map = series_quality({"a": "s1", "b": "s1", "e": "s2", "f": "s2", "g": "s2", "h": "s3"}, TRUTH)
    assert as_lists == as_map
    assert as_lists.purity == 0.5 and as_lists.coverage == pytest.approx(4 / 6, abs=1e-4)


def test_co_offended_case_is_pure_with_either_offender_and_joins_their_groups() -> None:
    truth = {"a": ["X"], "b": ["X", "Y"], "c": ["Y"], "d": "Z"}
    q = series_quality([["a", "b"], ["b2", "c"]], {**truth, "b2": ["Y"]})
    assert q.purity == 1.0 and q.coverage == 1.0
    # a, b, c, b2 form one co-offending group through b: two predicted halves lose recall
    assert q.precision == pytest.approx(1.0) and q.recall < 1.0


def test_cases_the_truth_does_not_name_are_one_offs() -> None:
    q = series_quality([["a", "zz"]], {"a": "X", "b": "X"})
    assert q.cases == 3 and q.serial_cases == 2 and q.purity == 0.0 and q.coverage == 0.0


def test_universe_can_be_restricted_and_must_hold_the_predictions() -> None:
    q = series_quality([["a", "b"]], TRUTH, cases=["a", "b", "c"])
    assert q.cases == 3 and q.serial_cases == 3 and q.coverage == pytest.approx(2 / 3, abs=1e-4)
    with pytest.raises(InputError, match="not among the cases"):
        series_quality([["a", "e"]], TRUTH, cases=["a", "b"])
    with pytest.raises(InputError, match="share cases"):
        series_quality([["a", "b"], ["b", "c"]], TRUTH)


def test_bcubed_matches_series_quality() -> None:
    q = series_quality([["a", "b", "g"]], TRUTH)
    labels = [0, 0, 0, 0, 1, 1, 2, 3]  # a..h in sorted order
    assert (q.precision, q.recall, q.f1) == pytest.approx(bcubed([[0, 1, 6]], labels))


def test_truth_from_synth_reads_case_offenders() -> None:
    doc = {"format": "caselink-synth-truth", "version": 1, "case_offenders": {"c1": ["S1"], "c2": ["S1", "S2"]}}
    assert truth_from_synth(doc) == {"c1": ["S1"], "c2": ["S1", "S2"]}
    with pytest.raises(InputError):
        truth_from_synth({"case_offenders": {}})
