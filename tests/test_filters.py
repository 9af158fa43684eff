"""The shared filter language: every operator against a real store, errors with positions,
and an injection corpus proving values never reach the SQL text."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caselink.filters import FilterError, compile_filter
from caselink.store import Store

CASES = [
    {"case_id": "A", "incident_type": "death", "occurred_from": "2014-06-19", "victim_age": 23,
     "victim_sex": "M", "victim_ethnicity": "White", "victim_tags": ["gay"], "substances": ["ghb", "alcohol"],
     "classification": "non_suspicious", "status": "closed", "area": "Barking", "x_msa": "London",
     "x_score": 7, "x_labels": ["Red", "blue"], "weapon": "none"},
    {"case_id": "B", "incident_type": "death", "occurred_from": "2014-08-28", "victim_age": 22,
     "victim_sex": "M", "victim_tags": ["gay", "student"], "substances": ["ghb"],
     "classification": "non_suspicious", "status": "unsolved", "area": "Barking", "x_score": 12},
    {"case_id": "C", "incident_type": "homicide", "occurred_from": "1983-03-01T10:00:00Z",
     "victim_age": 41, "victim_sex": "F", "victim_ethnicity": "Black", "weapon": "knife",
     "status": "open", "area": "King, WA", "circumstances": ["body_moved"]},
    {"case_id": "D", "incident_type": "assault", "occurred_from": "2015-09-20", "victim_sex": "U",
     "status": "cleared_arrest", "narrative": "Robert'); DROP TABLE cases;--"},
]


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in CASES) + b"\n")
    store.ingest([path], show_progress=False, run_hooks=False)
    return store


def ids(store: Store, text: str) -> list[str]:
    f = compile_filter(text)
    rows = store.con.execute(f"SELECT case_id FROM cases WHERE {f.sql} ORDER BY case_id", f.params).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(("text", "expected"), [
    ("substances has ghb", ["A", "B"]),
    ("substances has GHB", ["A", "B"]),
    ("substances has any (alcohol, cocaine)", ["A"]),
    ("victim_tags has gay", ["A", "B"]),
    ("victim_tags is missing", ["C", "D"]),
    ("circumstances is present", ["C"]),
    ("incident_type = death and victim_age < 30", ["A", "B"]),
    ("victim_age <= 22", ["B"]),
    ("victim_age > 22", ["A", "C"]),
    ("victim_age >= 41", ["C"]),
    ("victim_age != 23", ["B", "C"]),
    ("not victim_age = 23", ["B", "C", "D"]),  # two-valued: not is the exact complement
    ("victim_age is missing", ["D"]),
    ("status in (unsolved, open)", ["B", "C"]),
    ("status not in (unsolved, open)", ["A", "D"]),
    ("status = UNSOLVED", ["B"]),
    ("classification = non_suspicious", ["A", "B"]),
    ("victim_sex = f", ["C"]),
    ("victim_sex = F and year >= 1982", ["C"]),
    ("year = 2014", ["A", "B"]),
    ("year < 2000 or year > 2014", ["C", "D"]),
    ("victim_ethnicity = white", ["A"]),
    ("victim_ethnicity = 'WHITE'", ["A"]),
    ("area = \"King, WA\"", ["C"]),
    ("area in (barking, 'king, wa')", ["A", "B", "C"]),
    ("weapon = KNIFE", ["C"]),
    ("case_id = A", ["A"]),
    ("occurred_from <= 2014", ["A", "B", "C"]),
    ("occurred_from = 2014-06", ["A"]),
    ("occurred_from > 2014-06-19", ["B", "D"]),
    ("occurred_from >= 2014-06-19", ["A", "B", "D"]),
    ("occurred_from < 1983-03-01T10:00:01Z", ["C"]),
    ("occurred_from != 2014", ["C", "D"]),
    ("x_msa is present", ["A"]),
    ("x_msa = london", ["A"]),
    ("x_score > 10", ["B"]),
    ("x_score in (7, 12)", ["A", "B"]),
    ("x_labels has red", ["A"]),
    ("x_labels has any (green, blue)", ["A"]),
    ("x_nothing is missing", ["A", "B", "C", "D"]),
    ("(status = open or status = closed) and not victim_sex = F", ["A"]),
    ("NOT (substances has ghb) AND incident_type = death", []),
    ("substances has ghb Or victim_age > 40 aNd victim_sex = f", ["A", "B", "C"]),
])
def test_operators_select_the_right_cases(loaded: Store, text: str, expected: list[str]) -> None:
    assert ids(loaded, text) == expected


@pytest.mark.parametrize(("text", "column", "fragment"), [
    ("victm_age < 30", 1, "unknown field 'victm_age' (did you mean victim_age?)"),
    ("incident_type = death and victm_age < 30", 27, "did you mean victim_age?"),
    ("status = unsolvd", 10, "'unsolvd' is not a status"),
    ("victim_age < young", 14, "victim_age needs a number"),
    ("victim_tags = gay", 13, "victim_tags is a list"),
    ("victim_tags in (gay)", 13, "has any"),
    ("status has open", 8, "'has' applies to list fields"),
    ("status < open", 8, "needs a number"),
    ("status = ", 10, "expected a value"),
    ("(status = open", 15, "expected ')'"),
    ("status = open status = closed", 15, "expected 'and', 'or' or the end"),
    ("status", 7, "expected an operator"),
    ("status is gone", 11, "expected 'missing' or 'present'"),
    ("status not open", 12, "expected 'in' after 'not'"),
    ("area = 'Barking", 8, "unterminated quoted value"),
    ("area = Barking;", 15, "unexpected character ';'"),
    ("occurred_from < 2014-13-01", 17, "needs a date"),
    ("entities has x", 1, "unknown field 'entities'"),
    ("x_bad-name = 1", 1, "extra field names may only use"),
    ("", 1, "the filter is empty"),
    ("and = 1", 1, "expected a field name"),
])
def test_errors_name_the_column_and_what_was_expected(text: str, column: int, fragment: str) -> None:
    with pytest.raises(FilterError) as info:
        compile_filter(text)
    message = str(info.value)
    assert message.startswith(f"filter: at column {column}: "), message
    assert fragment in message


INJECTIONS = [
    "x' OR '1'='1",
    "'; DROP TABLE cases; --",
    "\") OR TRUE --",
    "1; DELETE FROM cases",
    "gay') OR (1=1",
    "$.x_msa') OR TRUE OR ('",
    "Robert'); DROP TABLE cases;--",
    "ghb\\' OR 1=1",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_values_are_parameters_never_sql_text(loaded: Store, payload: str) -> None:
    quote = '"' if "'" in payload else "'"
    if quote in payload:
        pytest.skip("payload uses both quote characters; cannot be written as one value")
    for template in ("area = {v}", "victim_tags has {v}", "x_msa = {v}", "narrative in ({v}, b)",
                     "substances has any ({v})", "victim_ethnicity != {v}"):
        text = template.format(v=f"{quote}{payload}{quote}")
        f = compile_filter(text)
        assert payload not in f.sql
        flat = [v for p in f.params for v in (p if isinstance(p, list) else [p])]
        assert payload.lower() in flat
        rows = ids(loaded, text)
        assert rows != ["A", "B", "C", "D"] or "!=" in text
    assert loaded.count() == 4


def test_a_value_equal_to_sql_matches_literally(loaded: Store) -> None:
    assert ids(loaded, "narrative = \"Robert'); DROP TABLE cases;--\"") == ["D"]
    assert loaded.count() == 4


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="'", blacklist_categories=("Cs",)), max_size=40))
def test_any_quoted_value_stays_out_of_the_sql(value: str) -> None:
    f = compile_filter(f"area = '{value}' or victim_tags has '{value}'")
    assert f.sql == "(coalesce(lower(area) = ?, FALSE) OR " \
        "coalesce(list_contains(victim_tags, ?), FALSE))"
    assert f.params == [value.lower(), value.lower()]


def test_filter_reports_fields_and_text() -> None:
    f = compile_filter("victim_sex = F and year >= 1982 and victim_sex != M")
    assert f.fields == ("victim_sex", "year")
    assert f.text == "victim_sex = F and year >= 1982 and victim_sex != M"
