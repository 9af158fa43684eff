"""The audit log: coverage of every read and write, and tamper detection by the hash chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.corpus import valid_record

from caselink import audit
from caselink.audit.log import GENESIS, row_hash
from caselink.cli import main
from caselink.errors import NotFound, PurposeRequired
from caselink.store import Store


def _seed(store: Store, tmp_path: Path, n: int = 5) -> None:
    path = tmp_path / "seed.jsonl"
    path.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(n)))
    store.ingest([path], run_hooks=False)
    for i in range(3):
        store.get_case(f"C{i:05d}", purpose=f"op {i}")


def test_chain_verifies_when_untouched(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    result = audit.verify(store.con)
    assert result.ok and result.rows == 4


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_log SET user_name = 'someone_else' WHERE seq = 2",
    "UPDATE audit_log SET purpose = 'innocent' WHERE seq = 3",
    "UPDATE audit_log SET case_ids = ['C00009'] WHERE seq = 2",
    "UPDATE audit_log SET ts = '2000-01-01T00:00:00Z' WHERE seq = 1",
    "UPDATE audit_log SET detail = '{}' WHERE seq = 1",
])
def test_altered_row_is_detected(store: Store, tmp_path: Path, tamper: str) -> None:
    _seed(store, tmp_path)
    store.con.execute(tamper)
    result = audit.verify(store.con)
    assert not result.ok
    seq = int(tamper.split("seq = ")[1])
    assert result.first_bad_seq == seq and "altered" in (result.reason or "")


def test_deleted_middle_row_is_detected(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    store.con.execute("DELETE FROM audit_log WHERE seq = 2")
    result = audit.verify(store.con)
    assert not result.ok and result.first_bad_seq == 3


def test_deleted_last_row_is_detected(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    store.con.execute("DELETE FROM audit_log WHERE seq = 4")
    result = audit.verify(store.con)
    assert not result.ok and "head" in (result.reason or "")


def test_reordered_rows_are_detected(store: Store, tmp_path: Path) -> None:
    """Two events swapped in the sequence (each row moved whole to the other's place)."""
    _seed(store, tmp_path)
    rows = store.con.execute("SELECT * FROM audit_log ORDER BY seq").fetchall()
    store.con.execute("DELETE FROM audit_log")
    order = [rows[0], rows[2], rows[1], rows[3]]
    for seq, row in enumerate(order, start=1):
        store.con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [seq, *row[1:]])
    result = audit.verify(store.con)
    assert not result.ok and result.first_bad_seq == 2


def test_swapped_seq_numbers_are_detected(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    store.con.execute("UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 ELSE seq END")
    assert not audit.verify(store.con).ok


def test_recomputed_fake_row_breaks_the_chain_after_it(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    row = store.con.execute("SELECT * FROM audit_log WHERE seq = 2").fetchall()[0]
    new_hash = audit.log.row_hash(row[8], 2, row[1], "forger", row[3], row[4], row[5], row[6], row[7])
    store.con.execute("UPDATE audit_log SET user_name = 'forger', hash = ? WHERE seq = 2", [new_hash])
    result = audit.verify(store.con)
    assert not result.ok and result.first_bad_seq == 3


def test_audit_verify_cli_exits_non_zero_and_names_the_row(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path, user="t") as s:
        _seed(s, tmp_path)
        s.con.execute("UPDATE audit_log SET purpose = 'x' WHERE seq = 3")
    result = cli.invoke(main, ["audit", "verify"])
    assert result.exit_code == 5
    assert "first bad row seq 3" in result.output
    ok = cli.invoke(main, ["audit", "verify", "--json"])
    assert json.loads(ok.output)["first_bad_seq"] == 3


def test_reads_without_purpose_are_refused_and_not_shown(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    with pytest.raises(PurposeRequired):
        store.get_case("C00001", purpose=None)
    with pytest.raises(PurposeRequired):
        list(store.iter_records(purpose="  "))


def test_read_of_missing_case_is_still_audited(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    with pytest.raises(NotFound):
        store.get_case("NOPE", purpose="op")
    last = audit.entries(store.con, limit=1)[0]
    assert last.case_ids == ("NOPE",) and last.detail == {"found": False}


def test_erasure_keeps_metadata_only(store: Store, tmp_path: Path) -> None:
    _seed(store, tmp_path)
    store.erase(["C00001"], reason="court order 123")
    assert store.con.execute("SELECT count(*) FROM case_versions WHERE case_id = 'C00001'").fetchall()[0][0] == 0
    assert store.con.execute("SELECT count(*) FROM case_facts WHERE case_id = 'C00001'").fetchall()[0][0] == 0
    entry = audit.entries(store.con, action="erasure")[0]
    assert entry.case_ids == ("C00001",) and entry.purpose == "court order 123"
    text = json.dumps(entry.to_dict())
    assert "Barking" not in text and "body found" not in text  # no erased content in the log
    assert audit.verify(store.con).ok


COMMANDS_AND_ACTIONS = [
    (["show", "C00001", "--purpose", "op"], "consultation", ["C00001"]),
    (["history", "C00001", "--purpose", "op"], "consultation", ["C00001"]),
    (["export", "--purpose", "op"], "disclosure", None),
    (["stats"], "consultation", []),
    (["erase", "C00002", "--reason", "duplicate", "--yes"], "erasure", ["C00002"]),
]


@pytest.mark.parametrize(("args", "action", "ids"), COMMANDS_AND_ACTIONS)
def test_each_command_adds_its_audit_row(cli: CliRunner, db_path: Path, tmp_path: Path,
                                         args: list[str], action: str, ids: list[str] | None) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(4)))
    assert cli.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0
    with Store.open(db_path, user="t") as s:
        before = s.con.execute("SELECT max(seq) FROM audit_log").fetchall()[0][0]
        first = audit.entries(s.con, limit=1)[0]
    assert first.action == "collection" and len(first.case_ids) == 4 and first.user == "tester"
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    with Store.open(db_path, user="t") as s:
        new = [e for e in audit.entries(s.con, limit=10) if e.seq > before]
    assert len(new) == 1 and new[0].action == action and new[0].user == "tester"
    assert list(new[0].case_ids) == (ids if ids is not None else [f"C{i:05d}" for i in range(4)])


def test_show_without_purpose_fails_clearly(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(valid_record(1)) + "\n")
    cli.invoke(main, ["ingest", str(path)])
    result = cli.invoke(main, ["show", "C00001"])
    assert result.exit_code == 4 and "needs a purpose" in result.output
    assert "Traceback" not in result.output


def test_ingest_cli_lists_problems_and_exits_non_zero(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(json.dumps(valid_record(1, victim_age="forty")) + "\n")
    result = cli.invoke(main, ["ingest", str(path)])
    assert result.exit_code != 0
    assert "cases.jsonl:1: victim_age: 'forty' is not an integer" in result.output
    as_json = cli.invoke(main, ["ingest", str(path), "--json"])
    body = json.loads(as_json.stdout)
    assert body["error"] == "validation_failed" and body["problems"][0]["field"] == "victim_age"


def test_stats_json_counts_by_incident_type(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(8)))
    cli.invoke(main, ["ingest", str(path)])
    data = json.loads(cli.invoke(main, ["stats", "--json"]).output)
    assert data["cases"] == 8
    assert data["by_incident_type"] == {"death": 2, "homicide": 2, "sexual_offence": 2, "assault": 2}


def test_erasure_removes_the_case_from_alerts_about_other_cases(store: Store, tmp_path: Path) -> None:
    from caselink.alerts import raise_alert

    _seed(store, tmp_path)
    with store.transaction() as con:
        raise_alert(con, kind="scan", title="cluster", dedupe_key="k1", case_id="C00003",
                    related_ids=["C00001", "C00002", "C00003"], detail={"explanation": "both ghb"})
        raise_alert(con, kind="linkage", title="link", dedupe_key="k2", case_id="C00001",
                    related_ids=["C00002"])
    store.erase(["C00001"], reason="court order")
    rows = store.con.execute("SELECT case_id, related_ids, detail FROM alerts ORDER BY alert_id").fetchall()
    assert rows == [("C00003", ["C00002", "C00003"], '{"redacted": "a related case was erased"}')]


def test_a_whole_store_read_is_one_row_found_for_every_case_that_was_in_the_store(
        store: Store, tmp_path: Path) -> None:
    """A read of every case (a link run, training...) is recorded by its scope, not 1M ids, and
    ``audit log --case X`` lists it for X only while X was in the store."""
    first, later = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(3)))
    later.write_text(json.dumps(valid_record(7)) + "\n")
    store.ingest([first], run_hooks=False)
    store.frame(["t_from"], purpose="op all", command="whole")
    store.frame(["t_from"], where="case_id = ?", params=["C00001"], purpose="op one", command="some")
    store.ingest([later], run_hooks=False)
    store.erase(["C00002"], reason="court order 1")
    store.frame(["t_from"], purpose="op all again", command="whole")

    whole = [e for e in audit.entries(store.con) if e.command == "whole"]
    assert len(whole) == 2 and all(e.case_ids == () for e in whole)
    assert [e.detail["scope"] for e in whole] == [audit.ALL_CASES] * 2
    assert [e.detail["rows"] for e in whole] == [3, 3]  # 3 cases, then +1 -1
    some = next(e for e in audit.entries(store.con) if e.command == "some")
    assert some.case_ids == ("C00001",) and "scope" not in some.detail

    def reads(case_id: str) -> list[str]:
        return [e.purpose or "" for e in audit.entries(store.con, case_id=case_id, action="consultation")]

    assert reads("C00000") == ["op all again", "op all"]
    assert reads("C00001") == ["op all again", "op one", "op all"]
    assert reads("C00002") == ["op all"]            # erased before the second read
    assert reads("C00007") == ["op all again"]      # ingested after the first
    assert reads("C99999") == []
    assert audit.verify(store.con).ok


@pytest.mark.parametrize("emptied", [
    ["DELETE FROM audit_log", "DELETE FROM audit_head"],  # every row and the head
    ["DELETE FROM audit_log", "DELETE FROM audit_head", "DELETE FROM ingest_batches"],  # and the batches
])
def test_an_emptied_log_over_a_store_with_cases_does_not_verify(store: Store, tmp_path: Path,
                                                               emptied: list[str]) -> None:
    _seed(store, tmp_path)
    for sql in emptied:
        store.con.execute(sql)
    result = audit.verify(store.con)
    assert not result.ok and "empty" in (result.reason or "")


def test_a_chain_rebuilt_without_a_batch_does_not_verify(store: Store, tmp_path: Path) -> None:
    """Rows deleted and the chain recomputed over the rest (hashes valid): the batch it lost is named."""
    _seed(store, tmp_path)
    path = tmp_path / "second.jsonl"
    path.write_text(json.dumps(valid_record(99)) + "\n")
    second = store.ingest([path], run_hooks=False).batch_id
    assert audit.verify(store.con).ok
    kept = store.con.execute("SELECT ts, user_name, action, command, case_ids, purpose, detail FROM audit_log "
                             "WHERE NOT contains(detail, ?) ORDER BY seq", [second]).fetchall()
    store.con.execute("DELETE FROM audit_log")
    store.con.execute("DELETE FROM audit_head")
    prev = GENESIS
    for seq, (ts, user, action, command, ids, purpose, detail) in enumerate(kept, start=1):
        digest = row_hash(prev, seq, ts, user, action, command, ids, purpose, detail)
        store.con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          [seq, ts, user, action, command, ids, purpose, detail, prev, digest])
        prev = digest
    store.con.execute("INSERT INTO audit_head VALUES (1, ?, ?)", [len(kept), prev])
    result = audit.verify(store.con)
    assert not result.ok and second in (result.reason or "")


def test_an_empty_new_store_verifies(store: Store) -> None:
    assert audit.verify(store.con).ok
