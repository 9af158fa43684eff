"""Resolution: precision/recall on synthetic mentions, and no merging on a common name alone."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from caselink.entities.evaluate import pairwise, synth_mentions
from caselink.entities.resolve import MENTION_COLUMNS, ResolveConfig, mention_id, resolve


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, dict[str, str]]:
    return synth_mentions(3000, seed=11)


def _rows(items: list[tuple[str, str, str, str, str | None]]) -> pd.DataFrame:
    """(case_id, kind, role, value, dob) -> mention rows."""
    return pd.DataFrame([(mention_id(c, k, r, v, None, d), "case", c, k, r, v, None, d) for c, k, r, v, d in items],
                        columns=list(MENTION_COLUMNS))


def _entity(res: Any, case_id: str, kind: str = "person") -> str:
    m = res.mentions
    return str(m[(m["source_id"] == case_id) & (m["kind"] == kind)]["entity_id"].iloc[0])


def test_precision_and_recall_on_synthetic_mentions(synthetic: tuple[pd.DataFrame, dict[str, str]]) -> None:
    frame, truth = synthetic
    res = resolve(frame)
    scores = pairwise(res, truth)
    assert scores.true_pairs > 100
    assert scores.precision >= 0.98
    assert scores.recall >= 0.9
    assert res.model is not None and res.model["format"] == "caselink-entity-model"


def test_common_name_alone_never_merges(synthetic: tuple[pd.DataFrame, dict[str, str]]) -> None:
    frame, _ = synthetic
    smiths = [(f"JS-{i:03d}", "person", "witness", "John Smith", None) for i in range(30)]
    smiths += [(f"JD-{i:03d}", "person", "reporter", "John Smith", f"19{50 + i}-0{1 + i % 9}-1{i % 9}")
               for i in range(30)]
    res = resolve(pd.concat([frame, _rows(smiths)], ignore_index=True))
    ids = {_entity(res, c) for c, *_ in smiths}
    assert len(ids) == len(smiths)


def test_variants_of_one_person_with_an_identifier_merge(synthetic: tuple[pd.DataFrame, dict[str, str]]) -> None:
    frame, _ = synthetic
    person = [("V-1", "person", "reporter", "Steve Portman", "1975-04-11"),
              ("V-2", "person", "associate", "PORTMAN, Stephen", "1975-04-11"),
              ("V-3", "person", "witness", "S. Portman", "1975-11-04"),          # initial, day/month swapped
              ("V-4", "person", "suspect", "Stephen Portmna", None),             # typo, no DOB ...
              ("V-4", "phone", "suspect", "07700 900999", None),                 # ... but the same phone
              ("V-5", "person", "reporter", "Stephen Portman", "1975-04-11"),   # bridges DOB and phone
              ("V-5", "phone", "reporter", "+44 7700 900999", None)]
    res = resolve(pd.concat([frame, _rows(person)], ignore_index=True))
    assert len({_entity(res, c) for c in ("V-1", "V-2", "V-3", "V-4", "V-5")}) == 1
    assert _entity(res, "V-4", "phone") == _entity(res, "V-5", "phone") == "phone:+447700900999"


def test_name_only_overlap_between_identifiers_does_not_bridge(synthetic: tuple[pd.DataFrame, dict[str, str]]) -> None:
    """One Stephen Portman known by DOB, one known by phone: nothing but the name connects them."""
    frame, _ = synthetic
    rows = [("W-1", "person", "reporter", "Stephen Portman", "1975-04-11"),
            ("W-2", "person", "suspect", "Stephen Portman", None), ("W-2", "phone", "suspect", "07700 900997", None)]
    res = resolve(pd.concat([frame, _rows(rows)], ignore_index=True))
    assert _entity(res, "W-1") != _entity(res, "W-2")


def test_same_phone_different_names_do_not_merge(synthetic: tuple[pd.DataFrame, dict[str, str]]) -> None:
    frame, _ = synthetic
    shared_phone = [("H-1", "person", "reporter", "Grace Okoro", None), ("H-1", "phone", "reporter", "07700 900998", None),
                    ("H-2", "person", "reporter", "Tomasz Nowak", None), ("H-2", "phone", "reporter", "07700900998", None)]
    res = resolve(pd.concat([frame, _rows(shared_phone)], ignore_index=True))
    assert _entity(res, "H-1") != _entity(res, "H-2")


def test_stricter_threshold_never_adds_links(synthetic: tuple[pd.DataFrame, dict[str, str]]) -> None:
    frame, truth = synthetic
    loose = resolve(frame, ResolveConfig(threshold=0.5))
    strict = resolve(frame, ResolveConfig(threshold=0.999), model=loose.model)
    assert pairwise(strict, truth).predicted_pairs <= pairwise(loose, truth).predicted_pairs


def test_resolution_is_reproducible(synthetic: tuple[pd.DataFrame, dict[str, str]]) -> None:
    frame, _ = synthetic
    first = resolve(frame)
    again = resolve(frame, model=first.model)
    assert list(first.mentions["entity_id"]) == list(again.mentions["entity_id"])


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
def test_model_settings_render_for_each_backend(dialect: str) -> None:
    """The same settings produce SQL for DuckDB and for Spark (``test_spark.py`` runs it on Spark)."""
    from caselink.entities.model import settings

    rendered = settings().get_settings(dialect)
    names = [c.output_column_name for c in rendered.comparisons]
    assert names == ["name", "dob", "phone", "vehicle"]
    sql = " ".join(level._sql_condition for c in rendered.comparisons for level in c.comparison_levels)
    assert "jaro_winkler" in sql.lower() and "dob_swap" in sql
