"""``entities search``: a surname alone, a first name alone, a prefix, a typo, the exact text of a
mention; ranked; scoped."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.entities import issue_cases

from caselink.entities.queries import Visible, search_entities
from caselink.ingest.pipeline import ingest
from caselink.store import Store

PURPOSE = "test: entity search"


@pytest.fixture
def issue_store(store: Store, tmp_path: Path) -> Store:
    extra = dict(issue_cases.CASES[2], case_id="ISS-P", area="Barking and Dagenham", entities=[
        {"kind": "person", "role": "witness", "value": "Steve Portman", "dob": "1975-04-11"},
        {"kind": "vehicle", "role": "witness", "value": "LB07 SEO"}])
    ingest(store, [issue_cases.write(tmp_path / "issue.jsonl", [*issue_cases.CASES, extra])], show_progress=False)
    return store


def _displays(store: Store, text: str, visible: Visible | None = None) -> list[str]:
    found = search_entities(store, text, purpose=PURPOSE, visible=visible or Visible())
    return [f["display"] for f in found]


@pytest.mark.parametrize(("text", "expected"), [
    ("marsden", "jon marsden"),            # surname alone
    ("Marsh", "jonathan marsh"),           # another surname: not Marsden first
    ("jonathan", "jon marsden"),           # first name alone (one mention wrote Jonathan), most sources first
    ("port", "steve portman"),           # prefix
    ("marsdne", "jon marsden"),            # typo
    ("stephen portmann", "steve portman"),  # nickname and typo, two words
    ("MARSDEN, Jon", "jon marsden"),       # the exact text of a mention
    ("+44 7700 900654", "+447700900654"),  # a phone written another way
    ("lb07seo", "LB07SEO"),                # a plate
])
def test_search_finds(issue_store: Store, text: str, expected: str) -> None:
    found = _displays(issue_store, text)
    assert found and found[0].lower() == expected.lower(), found


def test_search_does_not_find_what_is_not_there(issue_store: Store) -> None:
    assert _displays(issue_store, "zebedee") == []
    assert "jon marsden" not in _displays(issue_store, "jonathan marsh")  # both words must match
    assert _displays(issue_store, "marsh")[0] == "jonathan marsh"  # exact word ranks above the variant


def test_search_is_scoped(issue_store: Store) -> None:
    barking = Visible("area = ?", ("Barking and Dagenham",), all_cases=False)
    assert _displays(issue_store, "port", barking) == ["steve portman"]
    assert _displays(issue_store, "marsden", barking) == []
