"""Prospective versus retrospective mode, secondary clusters, settings and geometry."""

from __future__ import annotations

import numpy as np
import pytest

from caselink.scan import ScanError, ScanSettings, permutation_scan
from caselink.scan.geometry import neighbours, time_axis


def _two_clusters(synthetic):  # type: ignore[no-untyped-def]
    """A strong cluster in the middle of the period and a weaker one in its last days."""
    rng = np.random.default_rng(11)
    base = synthetic(rng, n=300, days=200)
    middle = synthetic(rng, n=0, plant=14, plant_at=(3000, 3000), plant_radius_m=300, plant_day=90, plant_span=5)
    late = synthetic(rng, n=0, plant=8, plant_at=(7000, 7000), plant_radius_m=300, plant_day=195, plant_span=5)
    coords = np.vstack([base.coords, middle.coords, late.coords])
    days = np.concatenate([base.days, middle.days, late.days])
    ids = [f"c{i:04d}" for i in range(len(coords))]
    return ids, coords, days, set(ids[300:314]), set(ids[314:])


def test_retrospective_reports_the_middle_cluster_first_and_the_late_one_as_secondary(synthetic) -> None:  # type: ignore[no-untyped-def]
    ids, coords, days, middle, late = _two_clusters(synthetic)
    result = permutation_scan(ids, coords, "xy", days, ScanSettings(max_radius_km=1, max_days=14,
                                                                    replicates=99, seed=3))
    first, *rest = result.clusters
    assert set(first.case_ids) >= middle and first.p_value <= 0.01
    assert any(set(c.case_ids) >= late for c in rest)
    seen: set[str] = set()
    for c in result.clusters:  # secondary clusters share no case with higher ones
        assert not seen & set(c.case_ids)
        seen |= set(c.case_ids)
    assert [c.llr for c in result.clusters] == sorted((c.llr for c in result.clusters), reverse=True)


def test_prospective_only_reports_clusters_alive_at_the_end(synthetic) -> None:  # type: ignore[no-untyped-def]
    ids, coords, days, middle, late = _two_clusters(synthetic)
    result = permutation_scan(ids, coords, "xy", days, ScanSettings(max_radius_km=1, max_days=14,
                                                                    replicates=99, seed=3, prospective=True))
    assert result.clusters, "the late cluster should be found"
    assert all(c.end == result.study_end for c in result.clusters)
    assert not any(set(c.case_ids) & middle for c in result.clusters)
    assert set(result.clusters[0].case_ids) >= late and result.clusters[0].p_value <= 0.05


def test_same_seed_same_p_values_and_cluster_fields(synthetic) -> None:  # type: ignore[no-untyped-def]
    data = synthetic(np.random.default_rng(2), n=120, plant=8)
    settings = ScanSettings(max_share=0.2, max_days=10, replicates=49, seed=9)
    one = permutation_scan(data.case_ids, data.coords, "xy", data.days, settings)
    two = permutation_scan(data.case_ids, data.coords, "xy", data.days, settings)
    assert [c.to_dict() for c in one.clusters] == [c.to_dict() for c in two.clusters]
    top = one.clusters[0].to_dict()
    assert set(top) == {"case_ids", "llr", "p_value", "observed", "expected", "center", "radius_km",
                        "start", "end"}
    assert set(top["center"]) == {"x", "y"} and top["observed"] == len(top["case_ids"])
    assert top["observed"] > top["expected"] and 0 < top["p_value"] <= 1
    assert top["start"] <= top["end"]


@pytest.mark.parametrize("kwargs, message", [
    ({"max_radius_km": -1}, "max radius"), ({"max_share": 0.9}, "max share"),
    ({"max_days": 0}, "max days"), ({"time_unit": "year"}, "time unit"), ({"replicates": 3}, "replicates"),
])
def test_bad_settings_are_named(kwargs: dict, message: str) -> None:
    with pytest.raises(ScanError, match=message):
        ScanSettings(**kwargs)


def test_inputs_must_match_in_length() -> None:
    with pytest.raises(ScanError, match="one location and one time per case"):
        permutation_scan(["a", "b"], np.zeros((3, 2)), "xy", np.array(["2020-01-01"] * 2, dtype="datetime64[D]"),
                         ScanSettings())


def test_cases_at_one_place_enter_a_circle_together() -> None:
    coords = np.array([[0, 0], [0, 0], [0, 0], [100, 0], [300, 0]], dtype=float)
    nb = neighbours(coords, "xy", max_radius_km=None, max_cases=2)
    centre = int(np.flatnonzero((nb.centers == [0, 0]).all(axis=1))[0])
    # three cases at (0, 0) exceed the cap of 2: no usable circle around that centre at all
    assert not nb.tie_end[centre].any()
    far = int(np.flatnonzero((nb.centers == [300, 0]).all(axis=1))[0])
    assert nb.tie_end[far].tolist()[:1] == [True]


def test_lat_lon_distances_are_great_circle_km() -> None:
    coords = np.array([[51.5, -0.1], [51.5, -0.1 + 1 / 69.0], [52.5, -0.1]])
    nb = neighbours(coords, "latlon", max_radius_km=200, max_cases=None)
    centre = int(np.flatnonzero((nb.centers == coords[0]).all(axis=1))[0])
    assert nb.dist_km[centre, 1] == pytest.approx(1.0, rel=0.01)  # 1/69 degree of longitude at 51.5N
    assert nb.dist_km[centre, 2] == pytest.approx(111.2, rel=0.01)


def test_month_units_and_window_bounds() -> None:
    days = np.array(["2020-01-31", "2020-02-01", "2020-04-15"], dtype="datetime64[D]")
    axis = time_axis(days, "month")
    assert axis.units.tolist() == [0, 1, 3] and axis.n_units == 4
    start, end = axis.bounds(1, 3)
    assert (start.isoformat(), end.isoformat()) == ("2020-02-01", "2020-04-30")
    assert time_axis(days, "week").window_units(30) == 4


def test_circle_cap_defaults_to_10_percent_and_at_most_100_cases() -> None:
    assert ScanSettings().case_cap(5000) == 100
    assert ScanSettings().case_cap(200) == 20
    assert ScanSettings(max_radius_km=2).case_cap(5000) is None
    assert ScanSettings(max_share=0.25, max_radius_km=2).case_cap(10) == 2


def test_an_overwhelming_cluster_does_not_underflow(synthetic) -> None:  # type: ignore[no-untyped-def]
    """An LLR in the hundreds makes products of tiny bounds underflow inside the pruning."""
    data = synthetic(np.random.default_rng(8), n=2000, days=400, plant=400, plant_radius_m=50, plant_span=1)
    result = permutation_scan(data.case_ids, data.coords, "xy", data.days,
                              ScanSettings(max_radius_km=0.2, max_days=7, replicates=9, seed=1))
    top = result.clusters[0]
    assert top.llr > 300 and top.observed >= 400 and top.p_value == 0.1
