"""Two sources naming the same name with nothing to confirm it: shown as a possible match, never
merged, never linkage evidence."""

from __future__ import annotations

from pathlib import Path

from tests.entities import issue_cases

from caselink.entities.evidence import linkage_frame
from caselink.entities.queries import NAME_ONLY, case_entities, search_entities
from caselink.ingest.pipeline import ingest
from caselink.store import Store

PURPOSE = "test: name-only mentions"
CASES = [
    {"case_id": "NO-1", "occurred_from": "2016-05-01T22:00:00Z", "incident_type": "death",
     "entities": [{"kind": "person", "role": "associate", "value": "Kieran Blackwood"}]},
    {"case_id": "NO-2", "occurred_from": "2017-02-11T22:00:00Z", "incident_type": "death",
     "entities": [{"kind": "person", "role": "witness", "value": "BLACKWOOD, Kieran"}]},
    {"case_id": "NO-3", "occurred_from": "2017-03-11T22:00:00Z", "incident_type": "death",
     "entities": [{"kind": "person", "role": "witness", "value": "K. Blackwood"}]},  # an initial: not shown
]


def test_the_same_name_alone_is_shown_on_both_and_in_search_but_never_merged(store: Store, tmp_path: Path) -> None:
    ingest(store, [issue_cases.write(tmp_path / "no.jsonl", CASES)], show_progress=False)
    found = search_entities(store, "blackwood", purpose=PURPOSE)
    assert len({f["entity_id"] for f in found}) == 3  # three entities: nothing merged
    by_case = {f["cases"][0]: f for f in found}
    assert [(m["cases"], m["label"]) for m in by_case["NO-1"]["possible_same"]] == [(["NO-2"], NAME_ONLY)]
    assert [m["cases"] for m in by_case["NO-2"]["possible_same"]] == [["NO-1"]]
    assert by_case["NO-3"]["possible_same"] == []
    for case, other in (("NO-1", "NO-2"), ("NO-2", "NO-1")):
        shown = case_entities(store, case, purpose=PURPOSE)
        assert [m["cases"] for e in shown for m in e["possible_same"]] == [[other]]
    frame = linkage_frame(store.con)
    assert frame.groupby("value")["case_id"].nunique().max() == 1  # nothing shared for linkage


def test_a_date_of_birth_on_both_sides_is_not_a_name_only_match(store: Store, tmp_path: Path) -> None:
    cases = [dict(c, entities=[dict(c["entities"][0], dob=dob)]) for c, dob in zip(
        CASES[:2], ("1980-01-01", "1990-06-06"), strict=True)]
    ingest(store, [issue_cases.write(tmp_path / "no.jsonl", cases)], show_progress=False)
    assert all(f["possible_same"] == [] for f in search_entities(store, "blackwood", purpose=PURPOSE))


def test_a_report_naming_the_name_shows_the_cases_and_they_show_it(store: Store, tmp_path: Path) -> None:
    from caselink.intel import Mention, NewReport, add_reports

    ingest(store, [issue_cases.write(tmp_path / "no.jsonl", CASES[:1])], show_progress=False)
    report = add_reports(store, [NewReport("he was there", "friend", "phone", case_ids=(),
                                           mentions=(Mention("person", "Kieran Blackwood", "suspect"),))])[0]
    on_report = case_entities(store, report.report_id, purpose=PURPOSE, source="intel")
    assert [(m["cases"], m["label"]) for e in on_report for m in e["possible_same"]] == [(["NO-1"], NAME_ONLY)]
    on_case = case_entities(store, "NO-1", purpose=PURPOSE)
    assert [m["reports"] for e in on_case for m in e["possible_same"]] == [[report.report_id]]
