"""Time kernels: the closed-form interval gap against numeric integration; circular gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.compare import time as ctime


def numeric_gap(a1: float, b1: float, a2: float, b2: float, n: int = 801) -> float:
    """E|X - Y| by the midpoint rule on an n x n grid (points where an interval has no width)."""
    x = a1 + (b1 - a1) * (np.arange(n) + 0.5) / n
    y = a2 + (b2 - a2) * (np.arange(n) + 0.5) / n
    return float(np.abs(x[:, None] - y[None, :]).mean())


interval = st.tuples(st.floats(-50, 50), st.floats(0, 30)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=150, deadline=None)
@given(interval, interval)
def test_expected_gap_matches_numeric_integration(i1: tuple[float, float], i2: tuple[float, float]) -> None:
    got = ctime.expected_abs_gap(np.array([i1[0]]), np.array([i1[1]]), np.array([i2[0]]), np.array([i2[1]]))[0]
    want = numeric_gap(*i1, *i2)
    scale = max(i1[1] - i1[0], i2[1] - i2[0], 1.0)
    assert got == pytest.approx(want, abs=2e-3 * scale)


@pytest.mark.parametrize(("i1", "i2", "want"), [
    ((0.0, 1.0), (0.0, 1.0), 1 / 3),            # same unit interval
    ((0.0, 0.0), (0.0, 1.0), 0.5),              # point at the start of an interval
    ((0.5, 0.5), (0.0, 1.0), 0.25),             # point in the middle
    ((0.0, 1.0), (3.0, 5.0), 3.5),              # disjoint: midpoint gap
    ((2.0, 2.0), (7.0, 7.0), 5.0),              # two exact times
    ((1e5, 1e5 + 1e-9), (1e5, 1e5 + 10.0), 5.0),  # a near-point far from zero stays accurate
])
def test_expected_gap_known_values(i1: tuple[float, float], i2: tuple[float, float], want: float) -> None:
    got = ctime.expected_abs_gap(np.array([i1[0]]), np.array([i1[1]]), np.array([i2[0]]), np.array([i2[1]]))[0]
    assert got == pytest.approx(want, abs=1e-6)


def test_expected_gap_is_symmetric_and_vectorised() -> None:
    rng = np.random.default_rng(1)
    a1 = rng.uniform(0, 100, 1000)
    b1 = a1 + rng.exponential(3, 1000) * (rng.random(1000) < 0.6)
    a2 = rng.uniform(0, 100, 1000)
    b2 = a2 + rng.exponential(3, 1000)
    assert np.allclose(ctime.expected_abs_gap(a1, b1, a2, b2), ctime.expected_abs_gap(a2, b2, a1, b1))


def _tod_gap(f1: float, t1: float, f2: float, t2: float) -> float:
    frm, to = np.array([f1, f2]), np.array([t1, t2])
    hist = ctime.tod_histograms(frm, to)
    weighted = hist @ ctime.circular_distance_matrix(ctime.TOD_BINS, 24.0)
    return float(ctime.expected_circular_gap(weighted, hist, np.array([0]), np.array([1]))[0])


def test_time_of_day_gap_wraps_round_midnight() -> None:
    eleven_pm, one_am = 23 / 24 + 0.5 / 24, 1.0 + 1 / 24 + 0.5 / 24  # mid-hour, on different days
    assert _tod_gap(eleven_pm, eleven_pm, one_am, one_am) == pytest.approx(2.0, abs=0.01)


def test_time_of_day_unknown_interval_gives_a_quarter_day() -> None:
    # a whole-day interval is uniform over the clock: expected circular gap to anything is 6 h
    assert _tod_gap(10.0, 11.0, 3.3, 3.3) == pytest.approx(6.0, abs=0.01)


def test_day_of_week_gap_is_bounded_by_half_a_week() -> None:
    rng = np.random.default_rng(2)
    frm = rng.uniform(0, 400, 200)
    to = frm + rng.exponential(2, 200)
    hist = ctime.dow_histograms(frm, to)
    weighted = hist @ ctime.circular_distance_matrix(ctime.DOW_BINS, 7.0)
    gaps = ctime.expected_circular_gap(weighted, hist, np.arange(100), np.arange(100, 200))
    assert np.all((gaps >= 0) & (gaps <= 3.5 + 1e-6))
