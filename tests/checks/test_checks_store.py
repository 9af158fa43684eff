"""Checks against a real store: facts from cases, entities, links and open intel; the CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from caselink.checks import run_checks
from caselink.cli import main
from caselink.errors import NotFound, PurposeRequired
from caselink.intel import ManualClock, NewReport, add_reports, transition
from caselink.store import Store

CASES: list[dict[str, Any]] = [
    {"case_id": "A", "incident_type": "death", "occurred_from": "2014-06-19", "classification": "non_suspicious",
     "circumstances": ["note_left"], "substances": ["ghb"], "actions": ["next_of_kin_informed", "exhibits_tested"],
     "entities": [{"kind": "person", "role": "reporter", "value": "Steve"}]},
    {"case_id": "B", "incident_type": "death", "occurred_from": "2014-08-28", "classification": "non_suspicious",
     "actions": ["next_of_kin_informed", "exhibits_tested"]},
    {"case_id": "C", "incident_type": "burglary", "occurred_from": "2015-01-01"},
]


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in CASES))
    store.ingest([path], run_hooks=False)
    return store


def _rules_by_case(store: Store, case_id: str | None = None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in run_checks(store, case_id, purpose="review"):
        out.setdefault(f.case_id, set()).add(f.rule_id)
    return out


def test_checks_use_entities_links_and_open_intel(loaded: Store) -> None:
    assert _rules_by_case(loaded) == {"A": {"note-handwriting-not-verified", "reporter-not-checked"}}
    with loaded.transaction() as con:
        con.execute("INSERT INTO links VALUES ('A', 'B', 0.9, 2.2, '[]', 'test', '1', now()::TIMESTAMP)")
    assert "review-classification" in _rules_by_case(loaded)["B"]
    with loaded.transaction() as con:
        con.execute("UPDATE links SET probability = 0.5")
    assert "B" not in _rules_by_case(loaded)
    clock = ManualClock(datetime(2026, 1, 1))
    [r] = add_reports(loaded, [NewReport("t", "mother", "phone", case_ids=("B",))], clock=clock)
    assert _rules_by_case(loaded, "B") == {"B": {"review-classification"}}
    for step, outcome in (("acknowledge", None), ("assess", None), ("action", None), ("close", "duplicate")):
        transition(loaded, r.report_id, step, "done", outcome=outcome, clock=clock)
    assert _rules_by_case(loaded, "B") == {}      # closed intel no longer counts as open


def test_checks_are_audited_and_need_a_purpose(loaded: Store) -> None:
    run_checks(loaded, "A", purpose="case review 7")
    row = loaded.con.execute("SELECT action, command, case_ids, purpose FROM audit_log ORDER BY seq DESC LIMIT 1"
                             ).fetchall()[0]
    assert row == ("consultation", "checks", ["A"], "case review 7")
    with pytest.raises(PurposeRequired):
        run_checks(loaded, "A", purpose=None)
    with pytest.raises(NotFound, match="no case 'Z'"):
        run_checks(loaded, "Z", purpose="x")


def test_checks_cli(cli: CliRunner, loaded: Store, tmp_path: Path) -> None:
    loaded.close()
    result = cli.invoke(main, ["checks", "A", "--purpose", "review", "--json"])
    assert result.exit_code == 0, result.output
    findings = orjson.loads(result.stdout)
    assert {f["rule"] for f in findings} == {"note-handwriting-not-verified", "reporter-not-checked"}
    assert all(f["evidence"] for f in findings)
    human = cli.invoke(main, ["checks", "--purpose", "review"]).output
    assert "A note was left with the body but its handwriting was not verified" in human
    rules = tmp_path / "r.yaml"
    rules.write_text("version: 1\nrules:\n  - id: x\n    applies_to: {incident_types: [death]}\n"
                     "    when: {incident_types: [murder]}\n", encoding="utf-8")
    bad = cli.invoke(main, ["checks", "--rules", str(rules), "--purpose", "review", "--json"])
    assert bad.exit_code == 1 and orjson.loads(bad.stdout)["error"] == "config_error"
    assert "rules[0] (x).title: is required" in bad.output


BARKING = [
    {"case_id": "D1", "incident_type": "death", "occurred_from": "2014-06-19", "classification": "non_suspicious",
     "status": "closed", "actions": ["next_of_kin_informed"],
     "entities": [{"kind": "phone", "role": "reporter", "value": "07700 900123"}]},
    {"case_id": "D2", "incident_type": "death", "occurred_from": "2015-09-14", "classification": "non_suspicious",
     "status": "closed", "actions": ["next_of_kin_informed"],
     "entities": [{"kind": "phone", "role": "associate", "value": "+44 7700 900123"}]},
    {"case_id": "D3", "incident_type": "death", "occurred_from": "2015-10-01", "classification": "natural",
     "status": "closed", "actions": ["next_of_kin_informed"],
     "entities": [{"kind": "phone", "role": "witness", "value": "07700900123"}]},
    {"case_id": "B1", "incident_type": "burglary", "occurred_from": "2015-01-01",
     "entities": [{"kind": "person", "role": "reporter", "value": "Sam Jones"}]},
]


def test_reporter_of_one_death_in_a_linked_death_ranks_first(store: Store, tmp_path: Path, cli: CliRunner) -> None:
    path = tmp_path / "b.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(c) for c in BARKING))
    store.ingest([path], run_hooks=False)
    assert {f.rule_id for f in run_checks(store, purpose="r")} <= {"next-of-kin-not-informed"}
    with store.transaction() as con:     # D1-D2 linked; D3 shares the phone but is not linked
        con.execute("INSERT INTO links VALUES ('D1', 'D2', 0.9, 2.2, '[]', 'test', '1', now()::TIMESTAMP)")
    found = run_checks(store, purpose="r")
    assert {(f.case_id, f.rule_id) for f in found[:4]} == {
        ("D1", "review-classification"), ("D2", "review-classification"),
        ("D1", "reporter-in-linked-death"), ("D2", "reporter-in-linked-death")}
    assert {f.severity for f in found} == {"critical"} and len(found) == 4
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)
    d1 = next(f for f in found if f.case_id == "D1" and f.rule_id == "reporter-in-linked-death")
    assert d1.evidence[0] == "phone '07700 900123': reporter here, associate in linked death D2 (p = 0.90)"
    assert not any(f.case_id in ("D3", "B1") for f in found)
    store.close()
    out = cli.invoke(main, ["checks", "--purpose", "r", "--db", str(store.path)])
    lines = [ln for ln in out.output.splitlines() if not ln.lstrip().startswith("- ")]
    assert lines[0] == "4 finding(s) on 2 case(s), most serious first:"
    assert lines[1].split()[1:3] == ["D1", "[critical]"]


def test_checks_cli_filters_by_severity_and_rule(cli: CliRunner, loaded: Store) -> None:
    base = ["checks", "--purpose", "review", "--json"]
    every = orjson.loads(cli.invoke(main, base).output)
    assert {f["rule"] for f in every} == {"note-handwriting-not-verified", "reporter-not-checked"}
    severities = {f["rule"]: f["severity"] for f in every}
    order = ["low", "medium", "high", "critical"]
    floor = max(severities.values(), key=order.index)
    at_least = orjson.loads(cli.invoke(main, [*base, "--severity", floor]).output)
    assert {f["rule"] for f in at_least} == {r for r, s in severities.items() if order.index(s) >= order.index(floor)}
    above = order[order.index(min(severities.values(), key=order.index)) + 1:]
    for level in above:  # a level above the weakest finding drops it
        kept = orjson.loads(cli.invoke(main, [*base, "--severity", level]).output)
        assert {f["rule"] for f in kept} == {r for r, s in severities.items() if order.index(s) >= order.index(level)}
        assert len(kept) < len(every) or level == "low"
    one = orjson.loads(cli.invoke(main, [*base, "--rule", "reporter-not-checked"]).output)
    assert [f["rule"] for f in one] == ["reporter-not-checked"]
    bad = cli.invoke(main, [*base, "--rule", "no-such-rule"])
    assert bad.exit_code != 0 and "--rule" in bad.output and "no-such-rule" in bad.output


def test_cli_severity_choices_are_the_rules_severities() -> None:
    from caselink.checks.rules import SEVERITIES
    from caselink.cli.checks import SEVERITY_CHOICES

    assert SEVERITY_CHOICES == SEVERITIES
