"""Ingest: validation of whole files, atomicity, idempotence, history, round trip, CSV entities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.corpus import bad_corpus, valid_record

from caselink import audit
from caselink.errors import ValidationFailed
from caselink.export import write_csv, write_jsonl
from caselink.store import Store


def write_jsonl_file(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def counts(store: Store) -> tuple[int, int, int, int]:
    q = store.con.execute
    return tuple(q(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in
                 ("cases", "case_versions", "case_facts", "case_entities"))


def test_bad_corpus_has_at_least_300_inputs() -> None:
    assert len(list(bad_corpus())) >= 300


def test_each_malformed_input_is_rejected_with_file_line_field_and_nothing_written(store: Store, tmp_path: Path) -> None:
    store.ingest([write_jsonl_file(tmp_path / "seed.jsonl", [valid_record(i) for i in range(5)])])
    before = counts(store)
    audit_rows = store.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0]
    n = 0
    for bad in bad_corpus():
        n += 1
        path = tmp_path / "input.jsonl"
        lines = [json.dumps(valid_record(1000 + k)) for k in range(3)]
        lines.insert(2, bad.line_text)  # the bad record is on line 3
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(ValidationFailed) as info:
            store.ingest([path])
        where = {(p.source, p.line, p.field) for p in info.value.problems}
        assert ("input.jsonl", 3, bad.field) in where, (bad.label, info.value.problems)
        assert {p.line for p in info.value.problems} == {3}, bad.label
        assert counts(store) == before, bad.label
    assert n >= 300
    assert store.con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == audit_rows


def test_every_problem_in_a_file_is_listed(store: Store, tmp_path: Path) -> None:
    recs = [valid_record(i) for i in range(10)]
    recs[2]["victim_age"] = "forty"
    recs[5]["status"] = "solved"
    recs[5]["lat"] = 200
    path = tmp_path / "cases.jsonl"
    write_jsonl_file(path, recs)
    with pytest.raises(ValidationFailed) as info:
        store.ingest([path])
    assert [str(p) for p in info.value.problems] == [
        "cases.jsonl:3: victim_age: 'forty' is not an integer",
        "cases.jsonl:6: lat: 200 is outside [-90, 90]",
        "cases.jsonl:6: status: 'solved' is not one of open, closed, cleared_arrest, cleared_other, unsolved (did you mean unsolved?)",
    ]
    assert store.count() == 0


def test_csv_errors_name_the_spreadsheet_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,incident_type,occurred_from,victim_age\n"
        "A1,death,2014-06-19,23\n"
        "A2,death,2014-06-20,forty\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        store.ingest([path])
    assert [str(p) for p in info.value.problems] == ["cases.csv:3: victim_age: 'forty' is not an integer"]


def test_skip_invalid_loads_the_rest_and_writes_rejects(store: Store, tmp_path: Path) -> None:
    recs = [valid_record(i) for i in range(10)]
    recs[4]["incident_type"] = "murder"
    rejects = tmp_path / "rejects.jsonl"
    report = store.ingest([write_jsonl_file(tmp_path / "c.jsonl", recs)], skip_invalid=rejects)
    assert (report.new, report.rejected) == (9, 1)
    rows = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert rows[0]["line"] == 5 and rows[0]["problems"][0]["field"] == "incident_type"
    assert rows[0]["record"]["case_id"] == "C00004"


def test_reingest_is_idempotent(store: Store, tmp_path: Path) -> None:
    path = write_jsonl_file(tmp_path / "c.jsonl", [valid_record(i) for i in range(50)])
    first = store.ingest([path])
    state = counts(store)
    second = store.ingest([path])
    assert (first.new, second.new, second.updated, second.unchanged) == (50, 0, 0, 50)
    assert counts(store) == state


def test_same_record_twice_in_one_input_is_one_case(store: Store, tmp_path: Path) -> None:
    rec = valid_record(1)
    report = store.ingest([write_jsonl_file(tmp_path / "c.jsonl", [rec, dict(rec)])])
    assert report.new == 1


def test_conflicting_duplicates_in_one_input_are_an_error(store: Store, tmp_path: Path) -> None:
    a, b = valid_record(1), valid_record(1, victim_age=99)
    with pytest.raises(ValidationFailed) as info:
        store.ingest([write_jsonl_file(tmp_path / "c.jsonl", [a, b])])
    assert str(info.value.problems[0]).startswith("c.jsonl:2: case_id: 'C00001' appears again with different content")


def test_changed_record_is_a_new_version_and_the_old_is_kept(store: Store, tmp_path: Path) -> None:
    store.ingest([write_jsonl_file(tmp_path / "v1.jsonl", [valid_record(1, classification="non_suspicious")])])
    report = store.ingest([write_jsonl_file(tmp_path / "v2.jsonl", [valid_record(1, classification="homicide")])])
    assert (report.new, report.updated) == (0, 1)
    hist = store.history("C00001", purpose="test")
    assert [h["version"] for h in hist] == [1, 2]
    assert hist[0]["record"]["classification"] == "non_suspicious" and hist[0]["valid_to"] is not None
    assert hist[1]["record"]["classification"] == "homicide" and hist[1]["valid_to"] is None
    assert store.get_case("C00001", purpose="test").classification == "homicide"
    alterations = audit.entries(store.con, action="alteration")
    assert alterations and alterations[0].case_ids == ("C00001",)
    facts = store.con.execute("SELECT count(*) FROM case_facts WHERE case_id = 'C00001'").fetchall()[0][0]
    assert facts == len(valid_record(1)["substances"]) + len(valid_record(1)["circumstances"]) + len(valid_record(1)["actions"])


def test_csv_with_entities_file(store: Store, tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text(
        "case_id,incident_type,occurred_from,substances,x_ref\n"
        "B1,death,2014-06-19,GHB|alcohol,R1\n"
        "B2,death,2014-08-23,ghb,\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        "case_id,kind,role,value,name,dob\n"
        "B1,person,reporter,stephen port,Stephen Port,1975-04-22\n"
        "B2,phone,associate,07700900123,,\n", encoding="utf-8")
    report = store.ingest([tmp_path / "cases.csv", tmp_path / "people.csv"])
    assert report.new == 2
    b1 = store.get_case("B1", purpose="test")
    assert b1.substances == ("alcohol", "ghb")
    assert b1.entities[0].name == "Stephen Port" and b1.entities[0].dob == "1975-04-22"
    assert b1.extras == {"x_ref": "R1"}


def test_entities_file_naming_an_unknown_case_is_an_error(store: Store, tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text("case_id,incident_type,occurred_from\nB1,death,2014-06-19\n", encoding="utf-8")
    (tmp_path / "e.csv").write_text("case_id,kind,role,value\nB9,phone,witness,123\nB1,ship,witness,1\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        store.ingest([tmp_path / "cases.csv", tmp_path / "e.csv"])
    assert {(p.source, p.line, p.field) for p in info.value.problems} == {("e.csv", 2, "case_id"), ("e.csv", 3, "kind")}


def test_bad_csv_shape_names_the_row(store: Store, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("case_id,incident_type,occurred_from\nB1,death\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        store.ingest([tmp_path / "c.csv"])
    assert str(info.value.problems[0]) == "c.csv:2: (row): has 2 cells; the header has 3"


def _normalised(store: Store) -> list[dict[str, Any]]:
    return list(store.iter_records(purpose="test"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_round_trip_ingest_export_ingest_is_identity(tmp_path: Path, fmt: str) -> None:
    recs = [valid_record(i) for i in range(40)]
    recs[3]["narrative"] = "=HYPERLINK(\"http://evil\")"
    recs[4]["area"] = "+44 line"
    recs[5]["x_note"] = "-1+1"
    with Store.open(tmp_path / "a.duckdb", user="t") as a:
        a.ingest([write_jsonl_file(tmp_path / "in.jsonl", recs)])
        out = tmp_path / f"out.{fmt}"
        (write_jsonl if fmt == "jsonl" else write_csv)(a.iter_records(purpose="test"), out)
        first = _normalised(a)
    paths = [out] + ([tmp_path / "out.entities.csv"] if fmt == "csv" else [])
    with Store.open(tmp_path / "b.duckdb", user="t") as b:
        b.ingest(paths)
        assert _normalised(b) == first


def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    out = tmp_path / "o.csv"
    write_csv([{"case_id": "A", "incident_type": "death", "occurred_from": "2014-01-01", "narrative": "=1+1",
                "area": "@SUM(A1)", "agency": "\tx", "lon": -0.1}], out)
    text = out.read_text()
    assert "'=1+1" in text and "'@SUM(A1)" in text and "'\tx" in text and ",-0.1," in text


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                           max_leaves=5)


@given(st.dictionaries(st.sampled_from(["victim_age", "lat", "status", "substances", "occurred_from", "x_k", "zzz"]),
                       json_values, max_size=4))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_junk_never_half_writes(tmp_path: Path, junk: dict[str, Any]) -> None:
    for old in tmp_path.glob("j.duckdb*"):
        old.unlink()
    with Store.open(tmp_path / "j.duckdb", user="t") as s:
        rec = {**valid_record(1), **junk}
        path = write_jsonl_file(tmp_path / "j.jsonl", [valid_record(0), rec])
        try:
            report = s.ingest([path])
        except ValidationFailed as exc:
            assert all(p.line == 2 for p in exc.problems)
            assert s.count() == 0
        else:
            assert report.new == 2 and s.count() == 2


@pytest.mark.parametrize("workers", ["1", "2"])
def test_block_staging_matches_serial_and_names_lines_across_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> None:
    from caselink.ingest import pipeline

    recs = [valid_record(i) for i in range(95)]
    recs.append(valid_record(3))                      # identical copy in a later block
    bad = recs[:]
    bad[61] = valid_record(61, victim_age="forty")    # line 62, in the third block of 25
    path_ok = write_jsonl_file(tmp_path / "ok.jsonl", recs)
    path_bad = write_jsonl_file(tmp_path / "bad.jsonl", bad)
    with Store.open(tmp_path / "serial.duckdb", user="t") as s:
        s.ingest([path_ok], run_hooks=False)
        expected = _normalised(s)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(pipeline, "CHUNK", 25)
    monkeypatch.setenv("CASELINK_WORKERS", workers)
    with Store.open(tmp_path / "blocks.duckdb", user="t") as s:
        with pytest.raises(ValidationFailed) as info:
            s.ingest([path_bad], run_hooks=False)
        assert [str(p) for p in info.value.problems] == ["bad.jsonl:62: victim_age: 'forty' is not an integer"]
        assert s.count() == 0
        report = s.ingest([path_ok], run_hooks=False)
        assert (report.records, report.new) == (96, 95)
        assert _normalised(s) == expected
