"""Deterministic rules (small stores) and the surname guard (every store)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.entities import issue_cases

from caselink.entities.evaluate import pairwise, synth_mentions
from caselink.entities.resolve import MENTION_COLUMNS, ResolveConfig, mention_id, resolve
from caselink.entities.rules import first_compatible, osa, surname_variant
from caselink.ingest.pipeline import ingest
from caselink.store import Store


def _frame(rows: list[tuple[str, str, str, str, str | None]]) -> pd.DataFrame:
    """(source_id, kind, role, value, dob) rows as mentions."""
    data = [(mention_id(s, k, r, v, None, d), "case", s, k, r, v, None, d) for s, k, r, v, d in rows]
    return pd.DataFrame(data, columns=list(MENTION_COLUMNS))


def _entity(res: object, source: str, value: str) -> str:
    m = res.mentions  # type: ignore[attr-defined]
    return str(m.loc[(m["source_id"] == source) & (m["value"] == value), "entity_id"].iloc[0])


def test_spelling_variants_and_names_that_differ() -> None:
    assert osa("thompson", "thompsno") == 1 and osa("marsh", "marsden") == 3
    assert surname_variant("thompson", "thhompson") and surname_variant("wood", "wod")
    assert surname_variant("smith", "smith-jones")
    assert not surname_variant("marsh", "marsden") and not surname_variant("shah", "smith")
    assert first_compatible("jon", "jonathan") and first_compatible("j", "jonathan")
    assert first_compatible("steve", "stephen") and not first_compatible("jonathan", "michael")


def test_a_new_store_resolves_by_the_rules_and_keeps_different_surnames_apart() -> None:
    frame = _frame([
        ("A", "person", "reporter", "Jonathan Q. Marsden", "1979-03-14"),
        ("B", "person", "associate", "MARSDEN, Jon", "1979-03-14"),
        ("C", "person", "witness", "Jonathan Marsh", "1979-03-14"),
        ("D", "person", "witness", "Steve Port", None), ("D", "phone", "witness", "07700 900111", None),
        ("E", "person", "reporter", "PORT, Stephen", None), ("E", "phone", "reporter", "+44 7700 900111", None),
        ("F", "person", "victim", "John Smith", None), ("G", "person", "victim", "John Smith", None),
    ])
    res = resolve(frame)
    assert res.model is None and res.stats["method"].startswith("rules")
    assert _entity(res, "A", "Jonathan Q. Marsden") == _entity(res, "B", "MARSDEN, Jon")  # surname + DOB
    assert _entity(res, "C", "Jonathan Marsh") != _entity(res, "A", "Jonathan Q. Marsden")  # DOB alone: no
    assert _entity(res, "D", "Steve Port") == _entity(res, "E", "PORT, Stephen")  # same phone, nickname
    assert _entity(res, "F", "John Smith") != _entity(res, "G", "John Smith")  # a name alone never joins


def test_the_guard_lets_a_phone_join_a_changed_surname_but_not_a_date_of_birth() -> None:
    from caselink.entities.resolve import person_frame, prepare
    from caselink.entities.rules import surname_guard

    frame = _frame([
        ("A", "person", "reporter", "Sarah Lee", "1980-01-02"), ("A", "phone", "reporter", "07700 900222", None),
        ("B", "person", "reporter", "Sarah Cole", "1980-01-02"), ("B", "phone", "reporter", "07700 900222", None),
        ("C", "person", "witness", "Sarah Coles", "1980-01-02"), ("D", "person", "witness", "Sarah Lane", "1980-01-02"),
    ])
    persons = person_frame(prepare(frame)).set_index("source_id")["mention_id"]
    pairs = pd.DataFrame({"mention_id_l": [persons["A"], persons["B"], persons["A"]],
                          "mention_id_r": [persons["B"], persons["C"], persons["D"]]})
    got = surname_guard(pairs, person_frame(prepare(frame)))
    assert got.tolist() == [True, True, False]  # phone agrees; a spelling variant; only the DOB agrees


def test_rules_on_synthetic_truth_are_precise() -> None:
    frame, truth = synth_mentions(2000, seed=3)
    rules = resolve(frame, ResolveConfig(min_training_persons=10**9))
    assert rules.model is None
    scores = pairwise(rules, truth)
    assert scores.precision >= 0.99 and scores.recall >= 0.7, scores


def test_the_guard_does_not_lower_precision_on_synthetic_truth() -> None:
    frame, truth = synth_mentions(3000, seed=11)
    scores = pairwise(resolve(frame), truth)
    assert scores.precision >= 0.99 and scores.recall >= 0.9, scores


@pytest.mark.parametrize("hooks", [True])
def test_the_first_ingest_into_an_empty_store_resolves_people(store: Store, tmp_path: Path, hooks: bool) -> None:
    ingest(store, [issue_cases.write(tmp_path / "issue.jsonl")], run_hooks=hooks, show_progress=False)
    rows = dict(store.con.execute("SELECT source_id || ':' || value, entity_id FROM entity_mentions "
                                  "WHERE kind = 'person'").fetchall())
    assert len(rows) == 6  # every mention resolved
    assert rows["ISS-A:Jonathan Q. Marsden"] == rows["ISS-B:MARSDEN, Jon"] != rows["ISS-C:Jonathan Marsh"]
    assert store.con.execute("SELECT count(*) FROM entity_models").fetchall()[0][0] == 0  # rules, no model
