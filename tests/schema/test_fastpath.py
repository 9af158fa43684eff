"""The fast normalisation path gives exactly what the reference ``normalise`` gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.corpus import bad_corpus, valid_record

from caselink.schema.fastpath import _fast, _Slow, normalise_fast
from caselink.schema.validate import _Bad, normalise

CLEAN_TAG = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
TRICKY = [
    " padded ", "UPPER", "Zoë", "Zoe\u0308", "tab\there", "line\nbreak", "bell\x07", "\u2028", "", "   ",
    "x" * 201, "x" * 1001, "a b", "Ｆｕｌｌ", "\u00a0nbsp", "ok",
]
TRICKY_TEXT = st.sampled_from(TRICKY)
MOMENTS = [
    "2014-06-19", "2014-06-19T03:40:00Z", "2014-06-19T03:40:00z", "2014-06-19 03:40:00Z", "2014-06-19T03:40",
    "2014-06-19T03:40:00.5Z", "2014-06-19T24:00:00Z", "2014-06-19T24:00", "2014-06-19T23:59:60Z",
    "2014-06-19T03:40:00+01:00", "2014-02-29", "2016-02-29", "1799-12-31", "1800-01-01", "2200-12-31",
    "2201-01-01", "2200-12-31T24:00:00Z", " 2014-06-19", "2014-06-19T03:40:00Z ", "２０１４-06-19",
    "2014-06-1９", "2014-06-19T0３:40:00Z", "2014/06/19", "2014-06-19T25:00:00Z", "2014-06-19T03:61:00Z",
    "2014-06-19T03:40:61Z", "2014-13-01", "0000-01-01", "2014-06-18T23:59:59Z", "2014-06-20T00:00:00Z",
]
MOMENT_TEXT = st.sampled_from(MOMENTS)
GENERATED_MOMENT = st.datetimes(
    min_value=__import__("datetime").datetime(1790, 1, 1), max_value=__import__("datetime").datetime(2210, 1, 1),
).flatmap(lambda d: st.sampled_from([d.date().isoformat(), d.strftime("%Y-%m-%dT%H:%M:%SZ"), d.isoformat()]))
ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(-200, 300), st.floats(allow_nan=False, allow_infinity=False),
    TEXT, TRICKY_TEXT, MOMENT_TEXT, st.lists(st.one_of(CLEAN_TAG, TRICKY_TEXT, st.integers()), max_size=4),
    st.dictionaries(CLEAN_TAG, CLEAN_TAG, max_size=2),
)
ENTITY = st.fixed_dictionaries(
    {"kind": st.sampled_from(["person", "phone", "Person", " email ", "ship", "", 3]),
     "role": st.sampled_from(["victim", "reporter", "SUSPECT", "boss", "   "]),
     "value": st.one_of(CLEAN_TAG, TRICKY_TEXT, st.none(), st.just("x" * 501))},
    optional={"name": st.one_of(CLEAN_TAG, TRICKY_TEXT, st.none()),
              "dob": st.one_of(MOMENT_TEXT, GENERATED_MOMENT, st.none(), st.just("   ")),
              "extra": st.just(1)},
)
FIELD_VALUES: dict[str, Any] = {
    "case_id": st.one_of(st.from_regex(r"[A-Za-z0-9:_\-]{1,20}", fullmatch=True), TRICKY_TEXT, st.integers(), st.floats()),
    "incident_type": st.sampled_from(["death", "homicide", "Death", " death ", "murder", "", 1]),
    "occurred_from": st.one_of(MOMENT_TEXT, GENERATED_MOMENT),
    "occurred_to": st.one_of(MOMENT_TEXT, GENERATED_MOMENT),
    "found_at": st.one_of(MOMENT_TEXT, GENERATED_MOMENT),
    "lat": st.one_of(st.floats(-100, 100), st.integers(-100, 100), st.sampled_from(["51.5", True, 90.0, -90.0])),
    "lon": st.one_of(st.floats(-200, 200), st.integers(-200, 200), st.sampled_from(["-0.1", None, 180.0])),
    "x": st.one_of(st.floats(allow_nan=False), st.integers(), st.just("12.5")),
    "y": st.one_of(st.floats(allow_nan=False), st.integers(), st.just("12.5")),
    "victim_age": st.one_of(st.integers(-5, 130), st.sampled_from([23.0, 23.5, "23", " 40 ", "forty", True])),
    "victim_sex": st.sampled_from(["M", "F", "X", "U", "m", " F", "male", None]),
    "victim_tags": st.lists(st.one_of(CLEAN_TAG, TRICKY_TEXT), max_size=4),
    "circumstances": st.one_of(st.lists(CLEAN_TAG, max_size=5), st.lists(st.one_of(CLEAN_TAG, st.integers(), st.none()), max_size=3)),
    "substances": st.lists(st.one_of(CLEAN_TAG, st.sampled_from(["GHB", " ghb", "ghb"])), max_size=4),
    "series_ids": st.lists(st.from_regex(r"[A-Z0-9\-]{1,8}", fullmatch=True), max_size=3),
    "entities": st.one_of(st.lists(ENTITY, max_size=4), st.just("phone"), st.just([["phone"]])),
    "narrative": st.one_of(TEXT, TRICKY_TEXT, st.just("n" * 100_001)),
}
for _name in ("place_type", "area", "victim_ethnicity", "weapon", "agency", "classification", "status", "actions"):
    FIELD_VALUES[_name] = st.one_of(CLEAN_TAG, TRICKY_TEXT, ANY_VALUE)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """A record near the valid ones: a clean base, then some fields replaced, dropped or added."""
    data = valid_record(draw(st.integers(0, 10_000)))
    if draw(st.booleans()):
        data["entities"] = [{"kind": "person", "role": "victim", "value": "Paul Green", "dob": "1968-11-02"},
                            {"kind": "phone", "role": "suspect", "value": "+447700900218"}]
    for name in draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), max_size=4, unique=True)):
        data[name] = draw(FIELD_VALUES[name])
    for name in draw(st.lists(st.sampled_from(sorted(data)), max_size=2, unique=True)):
        del data[name]
    if draw(st.integers(0, 9)) == 0:
        data[draw(st.sampled_from(["x_note", "x_", "unknown", "X_upper"]))] = draw(ANY_VALUE)
    return data


@given(records())
@settings(max_examples=1500)
def test_fast_path_gives_the_reference_result(data: dict[str, Any]) -> None:
    assert normalise_fast(data, "f.jsonl", 3) == normalise(data, "f.jsonl", 3)


@given(records())
@settings(max_examples=1500)
def test_fast_path_alone_never_accepts_what_the_reference_rejects(data: dict[str, Any]) -> None:
    """The inline checks themselves (without the fallback) agree with the reference when they decide."""
    expected, problems = normalise(data, "f.jsonl", 3)
    try:
        fast = _fast(data)
    except (_Slow, _Bad):
        return
    assert problems == [] and fast == expected


def test_clean_records_take_the_fast_path() -> None:
    from caselink.synth import generate

    for record in generate(300, seed=3).records:
        data = json.loads(json.dumps(record))
        assert _fast(data) == normalise(data, "s.jsonl", 1)[0]


@pytest.mark.parametrize("bad", list(bad_corpus()), ids=lambda b: b.label)
def test_every_malformed_corpus_line_gets_the_reference_problems(bad: Any) -> None:
    from caselink.ingest.readers import parse_jsonl_line

    parsed = parse_jsonl_line("c.jsonl", 9, bad.line_text)
    if parsed is None or parsed.data is None:  # the reader refuses it (bad JSON, a key twice)
        assert parsed is not None and parsed.problem is not None and parsed.problem.field == bad.field
        return
    data = parsed.data
    if isinstance(data, dict):
        assert normalise_fast(data, "c.jsonl", 9) == normalise(data, "c.jsonl", 9)
        assert normalise_fast(data, "c.jsonl", 9)[1]



@pytest.mark.parametrize("text", MOMENTS)
@pytest.mark.parametrize("field", ["occurred_from", "occurred_to", "found_at", "dob"])
def test_every_time_spelling_agrees(field: str, text: str) -> None:
    data = valid_record(1, occurred_from="2010-01-01")
    if field == "dob":
        data["entities"] = [{"kind": "person", "role": "victim", "value": "A", "dob": text}]
    else:
        data[field] = text
    assert normalise_fast(data, "t.jsonl", 2) == normalise(data, "t.jsonl", 2)


@pytest.mark.parametrize("text", TRICKY)
@pytest.mark.parametrize("field", ["case_id", "place_type", "area", "narrative", "circumstances", "entity"])
def test_every_tricky_string_agrees(field: str, text: str) -> None:
    data = valid_record(2)
    if field == "circumstances":
        data[field] = [text, "drugged"]
    elif field == "entity":
        data["entities"] = [{"kind": "person", "role": "victim", "value": text, "name": text}]
    else:
        data[field] = text
    assert normalise_fast(data, "t.jsonl", 2) == normalise(data, "t.jsonl", 2)
