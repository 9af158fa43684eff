"""Flattening list-valued fields: the Arrow path equals pandas' explode, whatever the lists hold."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.lists import flatten


def _reference(column: pd.Series) -> tuple[list[int], list[str]]:
    flat = column.reset_index(drop=True).explode().dropna()
    return flat.index.tolist(), [str(v) for v in flat]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.one_of(st.none(), st.sampled_from(["a", "", "b c", "é"])),
                                               max_size=4)), max_size=20))
def test_string_lists_flatten_like_explode(rows: list[list[str | None] | None]) -> None:
    column = pd.Series(rows, dtype=object)
    got_rows, got_values = flatten(column)
    assert (got_rows.tolist(), got_values.to_pylist()) == _reference(column)
    assert got_rows.dtype == np.int64


def test_lists_as_the_store_returns_them_and_mixed_values() -> None:
    store_like = pd.Series([np.array(["x", "y"]), None, np.array([], dtype=object), np.array(["x"])], dtype=object)
    rows, values = flatten(store_like)
    assert rows.tolist() == [0, 0, 3] and values.to_pylist() == ["x", "y", "x"]
    mixed = pd.Series([[1, "a"], [2.5, None]], dtype=object)  # not all strings: each written with str
    rows, values = flatten(mixed)
    assert rows.tolist() == [0, 0, 1] and values.to_pylist() == ["1", "a", "2.5"]
