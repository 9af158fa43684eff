"""Series clustering on planted examples; the series command reads stored links and is audited."""

from __future__ import annotations

import math

import numpy as np
import pytest

from caselink.errors import ConfigError, PurposeRequired
from caselink.linkage.series import cluster_links, rank_series, series, series_id
from caselink.store import Store


def _planted() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two tight groups {0,1,2,3} and {4,5,6}, joined by one weak bridge 3-4, plus noise pair 7-8."""
    pairs = [(0, 1, 0.9), (0, 2, 0.8), (0, 3, 0.85), (1, 2, 0.95), (1, 3, 0.7), (2, 3, 0.9),
             (4, 5, 0.9), (4, 6, 0.8), (5, 6, 0.75), (3, 4, 0.6), (7, 8, 0.2)]
    a, b, p = (np.array(x) for x in zip(*pairs, strict=True))
    return a.astype(np.int64), b.astype(np.int64), p.astype(float)


def test_average_linkage_splits_groups_joined_by_a_single_bridge() -> None:
    a, b, p = _planted()
    groups = sorted((sorted(m), round(c, 3)) for m, c in cluster_links(a, b, p, 0.5))
    assert [m for m, _ in groups] == [[0, 1, 2, 3], [4, 5, 6]]
    assert groups[0][1] == pytest.approx(np.mean([0.9, 0.8, 0.85, 0.95, 0.7, 0.9]), abs=1e-3)


def test_higher_threshold_gives_fewer_or_smaller_groups() -> None:
    a, b, p = _planted()
    strict = cluster_links(a, b, p, 0.85)
    assert all(c >= 0.85 for _, c in strict)
    assert sum(len(m) for m, _ in strict) < 7


def test_missing_links_count_as_zero_so_chains_do_not_merge() -> None:
    # A chain 0-1-2-3-4 where only neighbours are linked: average pairwise probability is low.
    a = np.arange(4)
    groups = cluster_links(a, a + 1, np.full(4, 0.9), 0.5)
    assert all(len(m) <= 2 for m, _ in groups)


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
    assert found[0]["confidence"] == pytest.approx(0.85)
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
