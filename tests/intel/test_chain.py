"""Intel reports and their history in the tamper-evident chain (issue 16): edits, deletions and
insertions made directly in the store file are detected by `caselink audit verify` and named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import orjson
import pytest
from click.testing import CliRunner

from caselink import audit
from caselink.cli import main
from caselink.intel import (
    ManualClock,
    NewReport,
    add_reports,
    escalate,
    link_case,
    load_policy,
    transition,
)
from caselink.intel.entities import Mention
from caselink.store import Store

from .helpers import T0, load_cases

POLICY = load_policy()
R1, R2, R3 = "INT-2026-000001", "INT-2026-000002", "INT-2026-000003"


@pytest.fixture
def reported(db_path: Path, tmp_path: Path) -> Path:
    clock = ManualClock(T0)
    with Store.open(db_path, user="setup") as store:
        load_cases(store, tmp_path)
        add_reports(store, [
            NewReport("My sister says it was not an accident", "sibling", "phone", case_ids=("D2",),
                      mentions=(Mention("phone", "07700 900123", "suspect"),)),
            NewReport("A friend saw the same man", "friend", "email", case_ids=("D1",)),
            NewReport("A car outside", "neighbour", "phone", case_ids=("B1",))], policy=POLICY, clock=clock)
        clock.advance(hours=40)
        escalate(store, policy=POLICY, clock=clock)
        transition(store, R1, "acknowledge", "rang her back", policy=POLICY, clock=clock)
        link_case(store, R3, "D2", "same street", clock=clock)
        assert audit.verify(store.con).ok
    return db_path


def _tamper(path: Path, *sql: str) -> None:
    con = duckdb.connect(str(path))
    for statement in sql:
        con.execute(statement)
    con.close()


def _problems(path: Path) -> list[str]:
    with Store.open(path, user="auditor") as store:
        result = audit.verify(store.con)
    assert not result.ok and result.first_bad_seq is None    # the chain itself is intact
    return list(result.problems)


def _seq(path: Path, report_id: str, kind: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    seq = con.execute("SELECT min(seq) FROM intel_transitions WHERE report_id = ? AND kind = ?",
                      [report_id, kind]).fetchall()[0][0]
    con.close()
    return int(seq)


def test_untouched_store_verifies(reported: Path) -> None:
    with Store.open(reported, user="auditor") as store:
        result = audit.verify(store.con)
    assert result.ok and result.problems == ()


def test_edited_report_text_is_named(reported: Path) -> None:
    _tamper(reported, f"UPDATE intel_reports SET text = 'nothing to see' WHERE report_id = '{R1}'")
    assert _problems(reported) == [f"intel report {R1} was edited (its content does not match the audit chain)"]


def test_edited_mention_is_named(reported: Path) -> None:
    _tamper(reported, f"UPDATE intel_entities SET value = '07700 900000' WHERE report_id = '{R1}'")
    assert _problems(reported) == [f"intel report {R1} was edited (its content does not match the audit chain)"]


def test_deleted_report_is_named(reported: Path) -> None:
    _tamper(reported, f"DELETE FROM intel_reports WHERE report_id = '{R2}'")
    assert _problems(reported) == [f"intel report {R2} was deleted (it is in the audit chain, not in the store)"]


def test_deleted_report_and_its_history_are_named(reported: Path) -> None:
    _tamper(reported, f"DELETE FROM intel_reports WHERE report_id = '{R2}'",
            f"DELETE FROM intel_transitions WHERE report_id = '{R2}'",
            f"DELETE FROM intel_report_cases WHERE report_id = '{R2}'")
    problems = _problems(reported)
    assert problems[0] == f"intel report {R2} was deleted (it is in the audit chain, not in the store)"
    assert all(R2 in p and "deleted" in p for p in problems) and len(problems) >= 2


def test_inserted_report_is_named(reported: Path) -> None:
    _tamper(reported, "INSERT INTO intel_reports SELECT 'INT-2026-000099', 99, received_at, recorded_at, "
                      "recorded_by, reporter_name, reporter_relation, reporter_contact, channel, 'planted', "
                      "priority, priority_reason, state, state_since, escalation_level, outcome, policy_hash, "
                      f"disputes_classification FROM intel_reports WHERE report_id = '{R3}'")
    assert _problems(reported) == ["intel report INT-2026-000099 was inserted outside caselink (not in the audit chain)"]


def test_edited_deleted_and_inserted_history_rows_are_named(reported: Path) -> None:
    ack = _seq(reported, R1, "transition")
    _tamper(reported, f"UPDATE intel_transitions SET reason = 'was on time' WHERE seq = {ack}")
    assert _problems(reported) == [f"intel history row of {R1}, row {ack} was edited "
                                   "(its content does not match the audit chain)"]


def test_deleted_escalation_is_named(reported: Path) -> None:
    esc = _seq(reported, R3, "escalation")
    _tamper(reported, f"DELETE FROM intel_transitions WHERE seq = {esc}")
    problems = _problems(reported)
    assert problems[0] == f"intel history row of {R3}, row {esc} was deleted (it is in the audit chain, not in the store)"


def test_inserted_closing_transition_is_named(reported: Path) -> None:
    detail = orjson.dumps({"outcome": "no_further_action"}).decode()
    _tamper(reported, "INSERT INTO intel_transitions (seq, report_id, kind, from_state, to_state, happened_at, "
                      f"user_name, reason, detail) VALUES (999, '{R2}', 'transition', 'received', 'closed', "
                      f"TIMESTAMP '2026-03-04 09:00:00', 'someone', 'closed quietly', '{detail}')",
            f"UPDATE intel_reports SET state = 'closed', outcome = 'no_further_action' WHERE report_id = '{R2}'")
    problems = _problems(reported)
    assert problems[0] == f"intel history row of {R2}, row 999 was inserted outside caselink (not in the audit chain)"


@pytest.mark.parametrize("change", ["state = 'closed'", "escalation_level = 0", "priority = 'normal'",
                                    "outcome = 'duplicate'"])
def test_a_state_that_does_not_follow_from_the_history_is_named(reported: Path, change: str) -> None:
    _tamper(reported, f"UPDATE intel_reports SET {change} WHERE report_id = '{R2}'")
    [problem] = _problems(reported)
    assert problem.startswith(f"intel report {R2}: state/level/outcome/priority") and "do not follow" in problem


def test_cli_audit_verify_names_the_report(reported: Path, cli: CliRunner) -> None:
    ok = cli.invoke(main, ["audit", "verify", "--db", str(reported)])
    assert ok.exit_code == 0 and "every intel report and history row matches it" in ok.output
    _tamper(reported, f"UPDATE intel_reports SET text = 'x' WHERE report_id = '{R1}'",
            f"DELETE FROM intel_reports WHERE report_id = '{R2}'")
    result = cli.invoke(main, ["audit", "verify", "--db", str(reported)])
    assert result.exit_code == 5
    assert f"intel report {R1} was edited" in result.output and f"intel report {R2} was deleted" in result.output
    as_json = cli.invoke(main, ["audit", "verify", "--db", str(reported), "--json"])
    assert orjson.loads(as_json.stdout)["ok"] is False and len(orjson.loads(as_json.stdout)["problems"]) == 2


def test_erasure_keeps_the_chain_verifying(reported: Path) -> None:
    with Store.open(reported, user="dpo") as store:
        store.erase(["D2"], reason="test erasure")
        result = audit.verify(store.con)
    assert result.ok, result.problems


def test_reports_from_before_the_upgrade_are_anchored_by_it(db_path: Path) -> None:
    from caselink.store.migrate import available_migrations

    con = duckdb.connect(str(db_path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMP NOT NULL)")
    for mig in available_migrations():
        if mig.version < 20:
            con.execute(mig.sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now()::TIMESTAMP)", [mig.version, mig.name])
    con.execute("INSERT INTO intel_reports VALUES ('INT-2025-000001', 1, TIMESTAMP '2025-01-01 09:00:00', "
                "TIMESTAMP '2025-01-01 09:00:00', 'old', NULL, 'mother', NULL, 'phone', 'before the upgrade', "
                "'normal', 'policy default', 'received', TIMESTAMP '2025-01-01 09:00:00', 0, NULL, 'abc')")
    con.execute("INSERT INTO intel_transitions (report_id, kind, from_state, to_state, happened_at, user_name, "
                "reason, detail) VALUES ('INT-2025-000001', 'received', NULL, 'received', "
                "TIMESTAMP '2025-01-01 09:00:00', 'old', 'received via phone', '{\"priority\": \"normal\"}')")
    con.close()
    with Store.open(db_path, user="auditor") as store:       # migrates to 0020 and anchors what is there
        assert audit.verify(store.con).ok
    _tamper(db_path, "UPDATE intel_reports SET text = 'rewritten' WHERE report_id = 'INT-2025-000001'")
    assert _problems(db_path) == ["intel report INT-2025-000001 was edited (its content does not match the "
                                  "audit chain)"]
