"""Every rule of the case-record contract, table-driven, plus normalisation laws."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.schema import FIELD_NAMES, CaseRecord, parse_moment, validate_record

BASE: dict[str, Any] = {"case_id": "A1", "incident_type": "death", "occurred_from": "2014-06-19"}


def check(**overrides: Any) -> tuple[CaseRecord | None, list[str]]:
    data = {**BASE, **overrides}
    data = {k: v for k, v in data.items() if v is not ...}
    rec, problems = validate_record(data, "f.jsonl", 7)
    return rec, [f"{p.field}: {p.message}" for p in problems]


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("occurred_from", "2014-06-19T03:40:00+01:00", "2014-06-19T02:40:00Z"),
    ("occurred_from", "2014-06-19 03:40", "2014-06-19T03:40:00Z"),
    ("occurred_from", "2014-06-19T03:40:00.5Z", "2014-06-19T03:40:00.500000Z"),
    ("occurred_from", "2014-06-19T24:00", "2014-06-20T00:00:00Z"),
    ("occurred_from", "2014-06-19T01:00-0530", "2014-06-19T06:30:00Z"),
    ("victim_age", 0, 0),
    ("lat", -90, -90.0),
    ("place_type", " Churchyard ", "churchyard"),
    ("area", "  Barking and Dagenham ", "Barking and Dagenham"),
    ("substances", ["GHB", " ghb", "Alcohol"], ("alcohol", "ghb")),
    ("narrative", "line one\nline two\tend", "line one\nline two\tend"),
    ("case_id", "MPS/2014/17", "MPS/2014/17"),
    ("case_id", "Cafe\u0301-1", "Caf\u00e9-1"),  # NFC before the identity check
    ("case_id", "ЖУК-1", "ЖУК-1"),  # one script, not Latin
    ("area", "Tehran \u200c", "Tehran \u200c".strip()),
])
def test_valid_values_are_normalised(field: str, value: Any, expected: Any) -> None:
    extra = {"lon": 0.0} if field == "lat" else {}
    rec, problems = check(**{field: value}, **extra)
    assert problems == []
    assert rec is not None and getattr(rec, field) == expected


@pytest.mark.parametrize(("overrides", "field", "fragment"), [
    ({"case_id": ...}, "case_id", "is required"),
    ({"incident_type": ...}, "incident_type", "is required"),
    ({"occurred_from": ...}, "occurred_from", "is required"),
    ({"case_id": "A 1"}, "case_id", "white space"),
    ({"incident_type": "murder"}, "incident_type", "is not one of"),
    ({"occurred_from": "19/06/2014"}, "occurred_from", "not an ISO 8601"),
    ({"occurred_from": "2014-02-30"}, "occurred_from", "not a real date"),
    ({"occurred_from": "2014-06-19T25:00"}, "occurred_from", "not a real time"),
    ({"occurred_from": "1700-01-01"}, "occurred_from", "outside"),
    ({"occurred_from": 20140619}, "occurred_from", "not an ISO 8601"),
    ({"occurred_to": "2014-06-18"}, "occurred_to", "before occurred_from"),
    ({"found_at": "2014-06-18"}, "found_at", "before occurred_from"),
    ({"lat": 91, "lon": 0}, "lat", "outside"),
    ({"lat": 0, "lon": -181}, "lon", "outside"),
    ({"lat": "north", "lon": 0}, "lat", "not a number"),
    ({"lat": float("nan"), "lon": 0}, "lat", "not a finite"),
    ({"lat": True, "lon": 0}, "lat", "not a number"),
    ({"lat": 51.5}, "lon", "required when lat"),
    ({"x": 100.0}, "y", "required when x"),
    ({"victim_age": "forty"}, "victim_age", "'forty' is not an integer"),
    ({"victim_age": 121}, "victim_age", "outside"),
    ({"victim_age": -1}, "victim_age", "outside"),
    ({"victim_age": 23.5}, "victim_age", "not an integer"),
    ({"victim_sex": "male"}, "victim_sex", "is not one of"),
    ({"classification": "unknown"}, "classification", "is not one of"),
    ({"status": "solved"}, "status", "is not one of"),
    ({"substances": "ghb"}, "substances", "not a list"),
    ({"substances": ["ghb", 3]}, "substances", "not a string"),
    ({"substances": ["ghb", " "]}, "substances", "is empty"),
    ({"narrative": "bell\x07"}, "narrative", "control character"),
    ({"area": "a\nb"}, "area", "control character"),
    ({"narrative": "x" * 100_001}, "narrative", "limit"),
    ({"colour": "red"}, "colour", "unknown field"),
    ({"x_": "red"}, "x_", "unknown field"),
    ({"entities": {"kind": "phone"}}, "entities", "not a list"),
    ({"entities": [{"kind": "phone", "role": "reporter"}]}, "entities", "value: is required"),
    ({"entities": [{"kind": "ship", "role": "reporter", "value": "x"}]}, "entities", "kind:"),
    ({"entities": [{"kind": "phone", "role": "boss", "value": "x"}]}, "entities", "role:"),
    ({"entities": [{"kind": "person", "role": "victim", "value": "x", "dob": "1990-13-01"}]}, "entities", "dob:"),
    ({"entities": [{"kind": "person", "role": "victim", "value": "x", "dob": "1990-01-01T10:00"}]}, "entities", "must be a date"),
    ({"entities": [{"kind": "person", "role": "victim", "value": "x", "shoe": "9"}]}, "entities", "unknown key"),
    ({"entities": ["phone"]}, "entities", "not an object"),
    # Strict types from JSON: no coercion, the field named.
    ({"case_id": 17}, "case_id", "is a number; case ids are strings"),
    ({"victim_age": "23"}, "victim_age", "is a string; JSON numbers"),
    ({"victim_age": 23.0}, "victim_age", "not an integer"),
    ({"lat": "51.5", "lon": 0}, "lat", "is a string; JSON numbers"),
    # Enums are case-sensitive, with a hint.
    ({"incident_type": "Death"}, "incident_type", "did you mean death?"),
    ({"incident_type": "deth"}, "incident_type", "did you mean death?"),
    ({"victim_sex": "m "}, "victim_sex", "did you mean M?"),
    ({"victim_sex": "f"}, "victim_sex", "did you mean F?"),
    ({"entities": [{"kind": "Phone", "role": "reporter", "value": "1"}]}, "entities", "did you mean phone?"),
    # Case ids: visible characters, no bidi controls, no markup or traversal, one script.
    ({"case_id": "MPS\u202e100"}, "case_id", "invisible"),
    ({"case_id": "MPS\u200b100"}, "case_id", "invisible"),
    ({"case_id": "M\u0420S-1"}, "case_id", "mixes letters"),  # Cyrillic Er among Latin letters
    ({"case_id": "../../etc/passwd"}, "case_id", "'..' segment"),
    ({"case_id": "<script>alert(1)</script>"}, "case_id", "contains '<'"),
    # Single-line fields: no line separators, bidi controls or invisible characters.
    ({"area": "Barking\u2028Dagenham"}, "area", "control character"),
    ({"agency": "MPS\u202e"}, "agency", "direction-changing"),
    ({"narrative": "text \u2066hidden\u2069"}, "narrative", "direction-changing"),
    ({"entities": [{"kind": "person", "role": "victim", "value": "A\u200fB"}]}, "entities", "invisible"),
    # Size limits per field and per record.
    ({"substances": [f"s{i}" for i in range(201)]}, "substances", "the limit is 200"),
    ({"entities": [{"kind": "phone", "role": "other", "value": str(i)} for i in range(501)]}, "entities",
     "the limit is 500 per record"),
    # A date of birth cannot be in the future.
    ({"entities": [{"kind": "person", "role": "victim", "value": "A", "dob": "2150-01-01"}]}, "entities",
     "in the future"),
])
def test_invalid_values_are_rejected_naming_the_field(overrides: dict[str, Any], field: str, fragment: str) -> None:
    rec, problems = check(**overrides)
    assert rec is None
    assert any(p.startswith(f"{field}:") and fragment in p for p in problems), problems


def test_every_problem_is_reported_not_just_the_first() -> None:
    rec, problems = check(victim_age="forty", lat=99, lon=0, status="solved", shoe="9")
    assert rec is None
    assert {p.split(":")[0] for p in problems} == {"victim_age", "lat", "status", "shoe"}


def test_extra_fields_with_x_prefix_are_kept() -> None:
    rec, problems = check(x_source_ref="ABC/1", x_score=3)
    assert problems == [] and rec is not None
    assert rec.to_dict()["x_source_ref"] == "ABC/1" and rec.to_dict()["x_score"] == 3


def test_date_only_interval_covers_the_whole_day() -> None:
    rec, _ = check(occurred_from="2014-06-19")
    assert rec is not None
    assert rec.t_from.isoformat() == "2014-06-19T00:00:00"
    assert rec.t_to.isoformat() == "2014-06-19T23:59:59"
    rec, _ = check(occurred_from="2014-06-19T10:00", occurred_to="2014-06-21")
    assert rec is not None and rec.t_to.isoformat() == "2014-06-21T23:59:59"


def test_occurred_to_same_day_as_date_only_start_is_valid() -> None:
    rec, problems = check(occurred_from="2014-06-19", occurred_to="2014-06-19T05:00")
    assert problems == [] and rec is not None


def test_empty_strings_and_empty_lists_are_missing() -> None:
    rec, problems = check(area="", substances=[], victim_age=" ")
    assert problems == [] and rec is not None
    assert rec.area is None and rec.substances == () and rec.victim_age is None


def test_csv_lists_split_on_pipe() -> None:
    rec, problems = validate_record({**BASE, "substances": "GHB| alcohol||ghb"}, "f.csv", 2, from_csv=True)
    assert problems == [] and rec is not None and rec.substances == ("alcohol", "ghb")


tag = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12).filter(lambda s: s.strip() and "|" not in s)
moments = st.datetimes(min_value=__import__("datetime").datetime(1900, 1, 1), max_value=__import__("datetime").datetime(2100, 1, 1))


@st.composite
def raw_records(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(moments)
    data: dict[str, Any] = {
        "case_id": draw(st.from_regex(r"[A-Za-z0-9:_\-]{1,20}", fullmatch=True)),
        "incident_type": draw(st.sampled_from(["death", "homicide", "assault", "other"])),
        "occurred_from": start.isoformat(),
    }
    if draw(st.booleans()):
        data["lat"] = draw(st.floats(-90, 90))
        data["lon"] = draw(st.floats(-180, 180))
    if draw(st.booleans()):
        data["victim_age"] = draw(st.integers(0, 120))
    if draw(st.booleans()):
        data["circumstances"] = draw(st.lists(tag, max_size=4))
    if draw(st.booleans()):
        data["narrative"] = draw(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=40))
    if draw(st.booleans()):
        data["entities"] = [{"kind": "phone", "role": "reporter", "value": draw(st.from_regex(r"\+?[0-9 ]{3,15}", fullmatch=True)).strip() or "1"}]
    return data


@given(raw_records())
@settings(max_examples=200, deadline=None)
def test_normalisation_is_idempotent(data: dict[str, Any]) -> None:
    rec, problems = validate_record(data, "h.jsonl", 1)
    assert problems == [], problems
    assert rec is not None
    again, problems2 = validate_record(rec.to_dict(), "h.jsonl", 1)
    assert problems2 == [] and again is not None
    assert again.to_dict() == rec.to_dict()
    assert again.content_hash() == rec.content_hash()


def test_contract_field_list_matches_design() -> None:
    assert FIELD_NAMES == (
        "case_id", "incident_type", "occurred_from", "occurred_to", "found_at", "lat", "lon", "x", "y",
        "place_type", "area", "victim_age", "victim_sex", "victim_ethnicity", "victim_tags", "circumstances",
        "substances", "weapon", "classification", "status", "narrative", "series_ids", "actions", "agency",
        "entities",
    )


def test_parse_moment_offsets() -> None:
    assert parse_moment("2014-06-19T00:30+02:00").canonical() == "2014-06-18T22:30:00Z"
    assert parse_moment("2014-06-19").date_only
