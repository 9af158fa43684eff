"""The fast scan finds the same maximum LLR and most likely cluster as the brute force."""

from __future__ import annotations

import numpy as np
import pytest

from caselink.scan import ScanSettings, permutation_scan
from caselink.scan.geometry import time_axis
from caselink.scan.reference import brute_force

ORIGIN = np.datetime64("2020-01-01")


def _random_case(seed: int) -> tuple[np.ndarray, str, np.ndarray, ScanSettings]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 40))
    if seed % 2:
        system = "latlon"
        coords = np.column_stack([51.5 + rng.uniform(0, 0.04, n), -0.1 + rng.uniform(0, 0.06, n)])
    else:  # a coarse grid: many cases share a location or a distance (tie groups)
        system = "xy"
        coords = rng.integers(0, 7, size=(n, 2)).astype(float) * 600.0
    unit = ("day", "week", "month")[seed % 3]
    days = ORIGIN + rng.integers(0, 150, n)
    limits: dict[str, float] = {}
    if seed % 3 == 0:
        limits["max_radius_km"] = float(rng.uniform(0.5, 3.0))
    if seed % 3 != 1 or not limits:
        limits["max_share"] = float(rng.uniform(0.1, 0.5))
    settings = ScanSettings(max_days=int(rng.integers(1, 50)), time_unit=unit, replicates=9, seed=seed,
                            prospective=seed % 4 == 0, **limits)
    return coords, system, days, settings


@pytest.mark.parametrize("seed", range(40))
def test_same_llr_and_most_likely_cluster_as_brute_force(seed: int) -> None:
    coords, system, days, settings = _random_case(seed)
    ids = [f"r{i}" for i in range(len(coords))]
    fast = permutation_scan(ids, coords, system, days, settings)
    slow = brute_force(coords, system, days, settings)
    if slow.llr == 0:
        assert fast.clusters == []
        return
    top = fast.clusters[0]
    assert top.llr == pytest.approx(slow.llr, rel=1e-9)
    axis = time_axis(days, settings.time_unit)
    optimal = {(frozenset(ids[r] for r in rows), axis.bounds(a, b)) for rows, a, b in slow.cylinders}
    assert (frozenset(top.case_ids), (top.start, top.end)) in optimal


def test_planted_cluster_is_the_unique_maximum(synthetic) -> None:  # type: ignore[no-untyped-def]
    data = synthetic(np.random.default_rng(7), n=60, plant=6, plant_radius_m=200, plant_span=3)
    settings = ScanSettings(max_radius_km=1.0, max_days=10, replicates=19, seed=1)
    fast = permutation_scan(data.case_ids, data.coords, "xy", data.days, settings)
    slow = brute_force(data.coords, "xy", data.days, settings)
    assert len({rows for rows, _, _ in slow.cylinders}) == 1
    (rows, _, _), *_ = slow.cylinders
    assert set(fast.clusters[0].case_ids) == {data.case_ids[r] for r in rows}
    assert fast.clusters[0].llr == pytest.approx(slow.llr, rel=1e-9)
    planted = {data.case_ids[r] for r in data.planted}
    assert len(planted & set(fast.clusters[0].case_ids)) >= 5
