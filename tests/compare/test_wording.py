"""Explanations read as English: one year, not "1 years"."""

from __future__ import annotations

from typing import Any

from caselink.compare.display import describe


def test_age_gap_pluralises() -> None:
    table: Any = None  # victim_age_gap's phrase reads only the value
    assert describe("victim_age_gap", 1.0, table, 0, 1) == "victims' ages 1 year apart"
    assert describe("victim_age_gap", 3.0, table, 0, 1) == "victims' ages 3 years apart"
