"""Store-wide value counts: the fast (Arrow + in-memory DuckDB) counts equal the pandas reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.compare import sets
from caselink.compare.counts import (
    count_entities,
    count_entities_general,
    count_sets,
    count_sets_general,
)

WORDS = st.sampled_from(["ghb", "mo1:12", "mo1:13", "", " ", "Ghb", "é", "x y"])
LISTS = st.one_of(st.none(), st.lists(st.one_of(WORDS, st.none()), max_size=5))


@settings(max_examples=80, deadline=None)
@given(st.lists(LISTS, max_size=30))
def test_set_counts_equal_the_reference(rows: list[list[str | None] | None]) -> None:
    column = pd.Series(rows, dtype=object)
    fast, ref = count_sets(column), count_sets_general(column)
    assert fast == ref


def test_set_counts_as_the_store_returns_them() -> None:
    """DuckDB gives list columns as numpy arrays of str: counted once per case, empties dropped."""
    column = pd.Series([np.array(["a", "b", "a"]), np.array([], dtype=object), None, np.array(["", "b"])],
                       dtype=object)
    counts = count_sets(column)
    assert counts.counts == {"a": 1, "b": 2} and counts.known == 2
    assert counts == count_sets_general(column)


def test_set_counts_of_mixed_values_fall_back_to_str() -> None:
    column = pd.Series([[1, "a"], [1.5], ["a"]], dtype=object)
    assert count_sets(column).counts == {"1": 1, "a": 2, "1.5": 1}


def test_set_counts_agree_with_the_rarity_sets_encode_gives() -> None:
    rows = [["ghb", "ghb"], ["ghb"], [], ["alcohol"], None]
    counts = count_sets(pd.Series(rows, dtype=object))
    col = sets.encode(rows)
    share = {v: (counts.counts[v] + 0.5) / (counts.known + 1.0) for v in col.vocab}
    assert share == pytest.approx(dict(zip(col.vocab, col.share, strict=True)))


ENTITY = st.tuples(st.sampled_from(["c1", "c2", "c3", "c9"]), st.sampled_from(["person", "Phone", "vehicle"]),
                   st.one_of(st.none(), st.sampled_from(["Paul Smith", "paul smith ", " ", "", "+447700900123",
                                                         "AB12 CDE", "Zoë"])))


@settings(max_examples=80, deadline=None)
@given(st.lists(ENTITY, max_size=25), st.lists(st.sampled_from(["c1", "c2", "c3"]), unique=True))
def test_entity_counts_equal_the_reference(rows: list[tuple[str, str, str | None]], ids: list[str]) -> None:
    frame = pd.DataFrame(rows, columns=["case_id", "kind", "value"])
    assert count_entities(frame, ids) == count_entities_general(frame, ids)


def test_entity_counts_count_cases_not_mentions() -> None:
    frame = pd.DataFrame({"case_id": ["c1", "c1", "c2", "c3", "c9"],
                          "kind": ["person", "person", "Person", "phone", "person"],
                          "value": ["Paul Smith", "paul smith ", "PAUL SMITH", " ", "paul smith"]})
    counts = count_entities(frame, ["c1", "c2", "c3"])
    assert counts.counts == {"person:paul smith": 2}  # c9 is not among the cases, c3's value is empty
    assert counts.known == 2
