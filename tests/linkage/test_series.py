"""Series clustering on planted examples; the series command reads stored links and is audited."""

from __future__ import annotations

import math

import numpy as np
import pytest

from caselink.errors import ConfigError, PurposeRequired
from caselink.linkage.partition import PartitionConfig, partition
from caselink.linkage.series import cluster_links, rank_series, series, series_id
from caselink.store import Store


def _planted() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two tight groups {0,1,2,3} and {4,5,6}, joined by one weak bridge 3-4, plus noise pair 7-8."""
    pairs = [(0, 1, 0.9), (0, 2, 0.8), (0, 3, 0.85), (1, 2, 0.95), (1, 3, 0.7), (2, 3, 0.9),
             (4, 5, 0.9), (4, 6, 0.8), (5, 6, 0.75), (3, 4, 0.6), (7, 8, 0.2)]
    a, b, p = (np.array(x) for x in zip(*pairs, strict=True))
    return a.astype(np.int64), b.astype(np.int64), p.astype(float)


def test_two_tight_groups_joined_by_a_single_bridge_stay_two_series() -> None:
    a, b, p = _planted()
    groups = sorted((sorted(m), c) for m, c in cluster_links(a, b, p, 0.5))
    assert [m for m, _ in groups] == [[0, 1, 2, 3], [4, 5, 6]]
    assert all(0.5 <= c <= 1.0 for _, c in groups)


def test_member_confidences_are_probabilities_and_honour_min_probability() -> None:
    a, b, p = _planted()
    lo = np.log(p / (1 - p))
    for m in (0.5, 0.8, 0.95, 0.999):
        found = partition(a, b, lo, config=PartitionConfig(min_probability=m)).series()
        assert all(m <= c <= 1.0 for _, conf in found for c in conf)
    strict = cluster_links(a, b, p, 0.999999)
    assert sum(len(mm) for mm, _ in strict) < 7


def test_several_weak_links_into_a_group_join_a_case_a_lone_weak_link_does_not() -> None:
    # cases 0, 1, 2 form a series; case 3 links weakly (p = 0.2) to all three, case 4 to one
    pairs = [(0, 1, 0.95), (0, 2, 0.95), (1, 2, 0.95), (3, 0, 0.2), (3, 1, 0.2), (3, 2, 0.2), (4, 0, 0.2)]
    a, b, p = (np.array(x) for x in zip(*pairs, strict=True))
    groups = cluster_links(a.astype(np.int64), b.astype(np.int64), p.astype(float), 0.5)
    assert [sorted(m) for m, _ in groups] == [[0, 1, 2, 3]]
    # one weak link between two single cases is not a series
    assert cluster_links(np.array([0]), np.array([1]), np.array([0.2]), 0.5) == []


def test_a_weak_member_is_dropped_rather_than_kept_below_min_probability() -> None:
    pairs = [(0, 1, 0.99), (0, 2, 0.99), (1, 2, 0.99), (3, 0, 0.9)]
    a, b, p = (np.array(x) for x in zip(*pairs, strict=True))
    loose = partition(a, b, np.log(p / (1 - p)), config=PartitionConfig(min_probability=0.5)).series()
    assert [sorted(m) for m, _ in loose] == [[0, 1, 2, 3]]
    members, conf = loose[0]
    weakest = members[int(np.argmin(conf))]
    assert weakest == 3
    tight = partition(a, b, np.log(p / (1 - p)), config=PartitionConfig(min_probability=max(conf) - 1e-6)).series()
    assert all(3 not in m for m, _ in tight)


def test_series_id_is_stable_and_order_free() -> None:
    assert series_id(["b", "a"]) == series_id(["a", "b"]) != series_id(["a", "c"])


def _insert_links(store: Store, rows: list[tuple[str, str, float]]) -> None:
    for ca, cb, p in rows:
        store.con.execute("INSERT INTO links VALUES (?, ?, ?, ?, '[]', 'test', '0', now()::TIMESTAMP)",
                          [ca, cb, p, float(np.log(p / (1 - p)))])


def test_series_from_store_is_audited(store: Store) -> None:
    _insert_links(store, [("A", "B", 0.9), ("A", "C", 0.8), ("B", "C", 0.85), ("D", "E", 0.3)])
    found = series(store, min_probability=0.5, purpose="op test")
    assert [s["case_ids"] for s in found] == [["A", "B", "C"]]
    assert found[0]["series_id"] == series_id(["A", "B", "C"])
    members = found[0]["members"]
    assert [m["case_id"] for m in members] == ["A", "B", "C"]
    assert found[0]["confidence"] == min(m["confidence"] for m in members) >= 0.5
    row = store.con.execute("SELECT action, command, case_ids, purpose FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()[0]
    assert row == ("consultation", "series", ["A", "B", "C"], "op test")


def test_series_needs_purpose_and_valid_threshold(store: Store) -> None:
    with pytest.raises(PurposeRequired):
        series(store, purpose=None)
    with pytest.raises(ConfigError, match="min-probability"):
        series(store, min_probability=1.5, purpose="x")


def _near(*rows: tuple[str, float]) -> list[dict[str, object]]:
    return [{"case_id": c, "log_odds": lo, "probability": 1.0 / (1.0 + math.exp(-lo))} for c, lo in rows]


def test_a_series_several_members_link_to_outranks_one_slightly_stronger_link() -> None:
    near = _near(("a", 1.0), ("b", 0.8), ("c", 0.8), ("d", 0.8), ("x", -3.0))
    members = [("a", "one"), ("b", "three"), ("c", "three"), ("d", "three"), ("x", "far")]
    ranked = rank_series(near, members, {"one": 4, "three": 3, "far": 2})
    assert [s["series_id"] for s in ranked] == ["three", "one", "far"]
    three = ranked[0]
    assert three["score"] == pytest.approx(math.log(3 * math.exp(0.8)), abs=1e-4)
    assert three["probability"] == pytest.approx(1.0 / (1.0 + math.exp(-0.8)))
    assert three["linked_cases"] == ["b", "c", "d"] and three["size"] == 3
    assert ranked[1]["score"] == pytest.approx(1.0) and ranked[1]["log_odds"] == pytest.approx(1.0)


def test_a_case_in_two_series_counts_for_both() -> None:
    ranked = rank_series(_near(("a", 2.0), ("b", 0.0)), [("a", "s1"), ("a", "s2"), ("b", "s2")], {})
    assert [s["series_id"] for s in ranked] == ["s2", "s1"]
    assert ranked[0]["linked_cases"] == ["a", "b"]


@pytest.mark.slow
def test_the_demo_four_planted_deaths_form_one_series(tmp_path: object) -> None:
    from pathlib import Path

    from caselink.synth.demo import barking_case_ids, demo_path

    with Store.open(Path(str(tmp_path)) / "demo.duckdb", user="tester") as store:
        store.ingest([demo_path()], show_progress=False)  # resolves entities and links, as a user's ingest
        found = series(store, purpose="op rose")
    deaths = set(barking_case_ids())
    holding = [s for s in found if deaths & set(s["case_ids"])]
    assert len(holding) == 1 and deaths <= set(holding[0]["case_ids"])
    assert len(holding[0]["case_ids"]) <= 6  # the four deaths, not a sweep of the borough
