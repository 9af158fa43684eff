"""Helpers shared by ingest tests: valid records and a corpus of malformed inputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


def valid_record(i: int, **overrides: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "case_id": f"C{i:05d}",
        "incident_type": ["death", "homicide", "assault", "sexual_offence"][i % 4],
        "occurred_from": f"2014-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:15:00Z",
        "lat": 51.5 + (i % 100) / 1000,
        "lon": 0.05 + (i % 37) / 1000,
        "place_type": ["street", "residence", "park", "churchyard"][i % 4],
        "area": "Barking and Dagenham",
        "victim_age": 18 + i % 60,
        "victim_sex": "MFXU"[i % 4],
        "victim_tags": ["gay"] if i % 5 == 0 else [],
        "circumstances": ["drugged", "body_moved"][: i % 3],
        "substances": ["ghb"] if i % 7 == 0 else ["alcohol"],
        "classification": "non_suspicious" if i % 3 == 0 else "suspicious",
        "status": "open",
        "narrative": f"Case {i}: body found near the {['street', 'flat', 'park'][i % 3]}.",
        "actions": ["next_of_kin_informed"],
    }
    if i % 4 == 0:
        rec["entities"] = [{"kind": "phone", "role": "reporter", "value": f"07700 900{i % 1000:03d}"}]
    rec.update(overrides)
    return {k: v for k, v in rec.items() if v is not ...}


@dataclass(frozen=True)
class Bad:
    """A malformed line and the field the error must name."""

    label: str
    line_text: str
    field: str


BAD_VALUES: dict[str, list[Any]] = {
    "case_id": [None, "", "   ", "has space", "tab\there", "x" * 201, ["list"], {"o": 1}, True,
                17, 3.5, "MPS\u202e100", "A\u200bB", "A\u2060B", "../etc/passwd", "a/../b", "<script>x</script>",
                "M\u0420S-1", "quote'd", "back\\slash", "A\u2028B"],
    "incident_type": [None, "", "murder", "DEATHS", 3, ["death"], "deaths", "suicide", "theft", "accident",
                      "Death", " death", "death "],
    "occurred_from": [None, "", "yesterday", "19/06/2014", "2014-13-01", "2014-02-30", "2014-06-19T25:00",
                      "2014-06-19T12:61", "1799-12-31", "2201-01-01", "2014-6-1", 2014, "2014-06-19T10:00+25:00",
                      "2014-W25", "20140619", ["2014-06-19"]],
    "occurred_to": ["2000-06-18", "2013-01-01T00:00Z", "tomorrow", "2014-02-29", 5],
    "found_at": ["2014-06-18T23:59Z", "later", "2014-00-10"],
    "lat": ["north", 90.0001, -91, 1e9, "NaN", "inf", True, [51.5], "51.5"],
    "lon": ["east", 180.5, -180.01, "1,5", False, {"v": 0}],
    "x": ["far", "inf", [1]],
    "y": ["near", "-inf", {"y": 1}],
    "victim_age": ["forty", "23.5", 23.5, -1, 121, 1000, True, "twenty", "2O", [23], "23", 23.0],
    "victim_sex": ["male", "female", "m f", "Z", 1, "?", "m ", "f"],
    "victim_ethnicity": [5, ["white"], "bad\x00byte"],
    "victim_tags": ["gay", [1], ["ok", ""], [None], {"a": 1}],
    "circumstances": ["drugged", [["nested"]], ["ok", 3.5], [" "]],
    "substances": ["ghb", [True], ["ghb", {}], [f"s{i}" for i in range(201)]],
    "weapon": [["knife"], 7, "ctl\x01char"],
    "classification": ["murder", "unknown", "Suspicious death", 0],
    "status": ["solved", "closed-ish", "OPEN NOW", 1],
    "narrative": [12, ["text"], "bell\x07ring", "x" * 100_001],
    "series_ids": ["s1", [1, 2], [""]],
    "actions": ["cctv_reviewed", [False]],
    "agency": [["met"], 3.0, "ctl\x1b"],
    "place_type": [["street"], 9, "x" * 1001],
    "area": [["barking"], "a\nb", "a\u2028b", "a\u2029b", "Bark\u202eing", "a\ufeffb"],
    "entities": ["phone", {"kind": "phone"}, ["phone"], [{"kind": "ship", "role": "reporter", "value": "1"}],
                 [{"kind": "phone", "role": "boss", "value": "1"}], [{"kind": "phone", "role": "reporter"}],
                 [{"kind": "person", "role": "victim", "value": "A", "dob": "1990-02-30"}],
                 [{"kind": "person", "role": "victim", "value": "A", "dob": "1990-01-01T00:00"}],
                 [{"kind": "person", "role": "victim", "value": "A", "extra": 1}], [{"kind": "", "role": "victim", "value": "A"}],
                 [{"kind": "Phone", "role": "reporter", "value": "1"}], [{"kind": "phone", "role": "Reporter", "value": "1"}],
                 [{"kind": "person", "role": "victim", "value": "A", "dob": "2150-01-01"}],
                 [{"kind": "phone", "role": "other", "value": str(i)} for i in range(501)],
                 [{"kind": "person", "role": "victim", "value": "A\u200fB"}]],
}


def bad_corpus() -> Iterator[Bad]:
    """At least 300 malformed inputs, each with the field its error must name."""
    i = 0
    for field, values in BAD_VALUES.items():
        for value in values:
            i += 1
            rec = valid_record(90_000 + i)
            if field in ("lat", "lon"):
                rec.setdefault("lat", 51.5)
                rec.setdefault("lon", 0.1)
            if field in ("x", "y"):
                rec["x"], rec["y"] = 1.0, 2.0
            if value is None:
                rec[field] = None
                if field in ("case_id", "incident_type", "occurred_from"):
                    del rec[field]
                    yield Bad(f"{field}-missing", json.dumps(rec), field)
                continue
            rec[field] = value
            if isinstance(value, float) and value != value or value in (float("inf"),):
                continue
            yield Bad(f"{field}={value!r}"[:60], json.dumps(rec, allow_nan=True), field)
    # Unknown fields (a typo of each contract field, and a few others)
    for typo in ("caseid", "incident", "occured_from", "latitude", "longitude", "victim_gender", "tags",
                 "substance", "weapons", "classifcation", "State", "narative", "series", "action", "agencies",
                 "entity", "X_ok", "x", "_x_", "xx_y"):
        if typo == "x":
            continue
        rec = valid_record(95_000 + len(typo))
        rec[typo] = "value"
        yield Bad(f"unknown {typo}", json.dumps(rec), typo)
    # Lines that are not records at all
    for text in ("{not json", "[1, 2, 3]", "\"just a string\"", "42", "null", "{\"case_id\": \"A\",}", "{'single': 1}"):
        yield Bad(f"line {text[:10]}", text, "(line)")
    # Numbers JSON cannot hold, and keys given twice: the field is named, not just the line
    base = json.dumps(valid_record(96_500))[:-1]
    for text, field in ((base + ', "x": NaN, "y": 1.0}', "x"), (base + ', "x": 1.0, "y": Infinity}', "y"),
                        (base + ', "x": -Infinity, "y": 1.0}', "x"), (base + ', "x": 1e400, "y": 1.0}', "x"),
                        (base + ', "x": 1.0, "y": -1e999}', "y"), (base + ', "victim_age": 30}', "victim_age"),
                        (base + ', "case_id": "OTHER-1"}', "case_id"), (base + ', "narrative": "b"}', "narrative"),
                        (base + ', "entities": [{"kind": "phone", "role": "other", "value": "1", "value": "2"}]}',
                         "entities"),
                        ('{"case_id": "D1", "incident_type": "death", "occurred_from": "2014-01-01", '
                         '"lat": NaN, "lon": 0.1}', "lat")):
        yield Bad(f"json {field} {text[-30:]}", text, field)
    # Cross-field and combination problems
    combos: list[tuple[dict[str, Any], str]] = [
        ({"lat": 51.5, "lon": ...}, "lon"), ({"lat": ..., "lon": 0.1}, "lat"), ({"x": 5.0}, "y"), ({"y": 5.0}, "x"),
        ({"occurred_from": "2015-01-01", "occurred_to": "2014-12-31T23:59:59Z"}, "occurred_to"),
        ({"occurred_from": "2015-01-01T10:00Z", "found_at": "2015-01-01T09:59Z"}, "found_at"),
    ]
    for overrides, field in combos:
        rec = valid_record(97_000 + len(field))
        for k, v in overrides.items():
            if v is ...:
                rec.pop(k, None)
            else:
                rec[k] = v
        yield Bad(f"combo {field}", json.dumps(rec), field)
    # Generated: every required field missing in turn, for several incident types, and type errors at scale
    for n in range(70):
        rec = valid_record(98_000 + n)
        field = ("case_id", "incident_type", "occurred_from")[n % 3]
        del rec[field]
        yield Bad(f"missing {field} #{n}", json.dumps(rec), field)
    for n in range(70):
        rec = valid_record(99_000 + n, victim_age=f"age{n}")
        yield Bad(f"age text #{n}", json.dumps(rec), "victim_age")
