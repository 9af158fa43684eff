"""Blocking: near-linear growth, nothing dropped, incremental equals full, each block works."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caselink.candidates import BlockingConfig, candidate_pairs
from caselink.errors import ConfigError
from caselink.store import Store

from .helpers import uniform_frame


def test_pairs_are_unique_ordered_and_never_all_pairs() -> None:
    frame = uniform_frame(4_000)
    pairs = candidate_pairs(frame)
    assert np.all(pairs.a < pairs.b)
    keys = pairs.a * len(frame) + pairs.b
    assert len(np.unique(keys)) == len(pairs)
    assert len(pairs) < 0.05 * len(frame) * (len(frame) - 1) / 2


def test_candidate_count_grows_near_linearly_at_fixed_density() -> None:
    counts = {n: len(candidate_pairs(uniform_frame(n, seed=n))) for n in (5_000, 10_000, 20_000)}
    assert 1.7 < counts[10_000] / counts[5_000] < 2.3
    assert 1.7 < counts[20_000] / counts[10_000] < 2.3


def test_pairs_within_windows_are_all_found() -> None:
    """Every pair within space_m and time_days (the space-time block) is a candidate."""
    frame = uniform_frame(3_000, no_location=0.0)
    cfg = BlockingConfig(space_m=1_500, time_days=200, near_m=100)
    pairs = candidate_pairs(frame, config=cfg)
    got = set(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True))
    lat, lon = np.radians(frame["lat"].to_numpy()), np.radians(frame["lon"].to_numpy())
    t = frame["t_from"].to_numpy().astype("datetime64[s]").astype(float) / 86_400
    i, j = np.triu_indices(len(frame), 1)
    h = np.sin((lat[j] - lat[i]) / 2) ** 2 + np.cos(lat[i]) * np.cos(lat[j]) * np.sin((lon[j] - lon[i]) / 2) ** 2
    dist = 2 * 6_371_008.8 * np.arcsin(np.sqrt(h))
    gap = np.maximum(0, np.abs(t[j] - t[i]) - 0.25)
    want = (dist <= 1_499) & (gap <= 199)
    missing = [(a, b) for a, b in zip(i[want].tolist(), j[want].tolist(), strict=True) if (a, b) not in got]
    assert want.sum() > 100
    assert missing == []


def test_case_without_location_still_gets_candidates() -> None:
    frame = uniform_frame(2_000, no_location=0.1)
    pairs = candidate_pairs(frame)
    no_loc = np.flatnonzero(frame["lat"].isna().to_numpy())
    touched = np.union1d(pairs.a, pairs.b)
    assert len(no_loc) > 50
    assert np.isin(no_loc, touched).all()
    assert pairs.by_block["no_location"] > 0


def test_case_without_location_prefers_its_area() -> None:
    frame = uniform_frame(1_000, no_location=0.0)
    frame["area"] = np.where(np.arange(1_000) % 2 == 0, "north", "south")
    frame.loc[0, ["lat", "lon"]] = np.nan
    cfg = BlockingConfig(no_location_neighbours=5, no_location_days=10_000)
    pairs = candidate_pairs(frame, config=cfg)
    partners = np.concatenate([pairs.b[pairs.a == 0], pairs.a[pairs.b == 0]])
    assert len(partners) == 10
    assert (frame["area"].to_numpy()[partners] == "north").all()


def test_incremental_pairs_equal_full_pairs_touching_new_cases() -> None:
    frame = uniform_frame(6_000, no_location=0.1)
    frame["circumstances"] = [[f"mo{i % 700}"] for i in range(6_000)]
    new = np.arange(5_900, 6_000)
    full = candidate_pairs(frame)
    inc = candidate_pairs(frame, new_rows=new)
    touch = np.isin(full.a, new) | np.isin(full.b, new)
    assert set(zip(inc.a.tolist(), inc.b.tolist(), strict=True)) == set(
        zip(full.a[touch].tolist(), full.b[touch].tolist(), strict=True))


@pytest.mark.parametrize("cap", [40, 3])  # 3: the windows never settle within three shrinks
def test_incremental_runs_shrink_the_windows_as_full_runs_do(cap: int) -> None:
    """Where cases are dense the windows shrink; an incremental run (which builds its grids only
    around the sample and the new cases) must shrink them the same and find the same pairs."""
    frame = uniform_frame(8_000, no_location=0.05)
    frame["incident_type"] = "burglary"
    frame["circumstances"] = [[f"mo{i % 9}"] for i in range(8_000)]
    cfg = BlockingConfig(max_partners=cap, max_partners_same_place=cap, max_partners_same_mo=cap)
    new = np.arange(7_950, 8_000)
    full = candidate_pairs(frame, config=cfg)
    inc = candidate_pairs(frame, config=cfg, new_rows=new)
    assert full.windows["space_time_m"] < cfg.space_m and full.windows["same_mo_m"] < cfg.mo_space_m
    assert inc.windows == full.windows
    touch = np.isin(full.a, new) | np.isin(full.b, new)
    assert set(zip(inc.a.tolist(), inc.b.tolist(), strict=True)) == set(
        zip(full.a[touch].tolist(), full.b[touch].tolist(), strict=True))
    assert inc.by_block["space_time"] > 0 and inc.by_block["same_mo"] > 0


def test_shared_rare_fact_links_far_apart_cases_but_common_fact_does_not() -> None:
    frame = uniform_frame(3_000, no_location=0.0)
    circ: list[list[str] | None] = [["common"] if i % 3 == 0 else None for i in range(3_000)]
    far = [int(np.argmin(frame["lat"])), int(np.argmax(frame["lat"]))]
    for i in far:
        circ[i] = ["met_online", "common"]
    frame["circumstances"] = circ
    pairs = candidate_pairs(frame)
    got = set(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True))
    assert (min(far), max(far)) in got
    assert pairs.by_block["rare_fact"] == 1


def test_shared_entity_value_links_cases() -> None:
    frame = uniform_frame(2_000, no_location=0.0)
    far = [int(np.argmin(frame["lat"])), int(np.argmax(frame["lat"]))]
    entities = pd.DataFrame({"case_id": frame["case_id"].to_numpy()[far], "kind": "phone",
                             "value": ["07700 900123", "07700 900123 "]})
    pairs = candidate_pairs(frame, entities=entities)
    assert pairs.by_block["entity"] == 1
    assert (min(far), max(far)) in set(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True))


def test_xy_and_latlon_cases_are_not_compared_by_distance() -> None:
    t = pd.Timestamp("2020-01-01")
    frame = pd.DataFrame({"case_id": ["A", "B", "C"], "lat": [51.5, np.nan, 51.5], "lon": [0.0, np.nan, 0.0],
                          "x": [np.nan, 0.0, np.nan], "y": [np.nan, 0.0, np.nan], "t_from": [t] * 3,
                          "t_to": [t] * 3, "area": None, "circumstances": None, "substances": None})
    pairs = candidate_pairs(frame, config=BlockingConfig(no_location_neighbours=0))
    assert list(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True)) == [(0, 2)]


@pytest.mark.parametrize("bad", [{"space_m": 0}, {"time_days": -1}, {"rare_max_count": -2}])
def test_bad_blocking_settings_are_named(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))):
        BlockingConfig(**bad)  # type: ignore[arg-type]


def test_recall_of_true_linked_pairs_on_synthetic_series(store: Store, tmp_path: Path) -> None:
    """Most pairs of cases by one offender are candidates, at a small fraction of all pairs."""
    from caselink.linkage.link import load_cases
    from caselink.synth import generate

    path = tmp_path / "synth.jsonl"
    generate(6_000, seed=3).write_jsonl(path)
    store.ingest([path], run_hooks=False)
    frame, entities = load_cases(store, purpose="test", command="test")
    pairs = candidate_pairs(frame, entities=entities)
    members: dict[str, list[int]] = {}
    for row, labels in enumerate(frame["series_ids"]):
        for label in labels if isinstance(labels, list | np.ndarray) else []:
            members.setdefault(label, []).append(row)
    true = {(a, b) for rows in members.values() for i, a in enumerate(rows) for b in rows[i + 1:]}
    found = set(zip(pairs.a.tolist(), pairs.b.tolist(), strict=True)) & true
    n = len(frame)
    share_of_all_pairs = len(pairs) / (n * (n - 1) / 2)
    assert len(true) > 500
    assert share_of_all_pairs < 0.05
    print(f"recall {len(found) / len(true):.3f}, {len(pairs) / n:.1f} pairs per case, share {share_of_all_pairs:.4f}")
    assert len(found) / len(true) > 0.45  # measured 0.55; random pairs of the same count: ~0.03
