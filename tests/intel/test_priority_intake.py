"""Priority rules that fit the Barking failure, validated intake, and alerts with deadlines (issue 16)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from caselink.alerts import list_alerts, raise_alert
from caselink.cli import main
from caselink.errors import ValidationFailed
from caselink.intel import (
    ManualClock,
    NewReport,
    add_reports,
    get_report,
    load_policy,
    parse_report,
    read_reports,
)
from caselink.intel.alert_deadlines import alerts_due, escalate_alerts, overdue_alerts
from caselink.intel.lifecycle import raise_priority_for_alerts
from caselink.intel.overdue import escalate
from caselink.store import Store

from .helpers import load_cases, snapshot

POLICY = load_policy()
CASES = [
    {"case_id": "CLOSED-HOM", "incident_type": "death", "occurred_from": "2014-06-19", "status": "closed",
     "classification": "homicide"},
    {"case_id": "CLOSED-NS", "incident_type": "death", "occurred_from": "2014-08-28", "status": "closed",
     "classification": "non_suspicious"},
    {"case_id": "CLOSED-ACC", "incident_type": "death", "occurred_from": "2014-09-20", "status": "closed",
     "classification": "accident"},
    {"case_id": "CLOSED-NAT", "incident_type": "death", "occurred_from": "2014-10-01", "status": "closed",
     "classification": "natural"},
    {"case_id": "BURG", "incident_type": "burglary", "occurred_from": "2015-01-01", "status": "closed",
     "entities": [{"kind": "phone", "role": "suspect", "value": "07700 900999"}]},
]


@pytest.fixture
def barking_store(store: Store, tmp_path: Path) -> Store:
    load_cases(store, tmp_path, CASES)
    return store


def _one(store: Store, clock: ManualClock, case: str, **kw: object) -> str:
    new = NewReport("my brother did not take drugs", "sibling", "phone", case_ids=(case,), **kw)  # type: ignore[arg-type]
    report = add_reports(store, [new], policy=POLICY, clock=clock)[0]
    return f"{report.priority}: {report.priority_reason}"


def test_reports_about_closed_deaths_recorded_as_not_crimes_are_high(barking_store: Store,
                                                                     clock: ManualClock) -> None:
    assert _one(barking_store, clock, "CLOSED-NS").startswith("high: policy rule 'report about a death recorded")
    assert _one(barking_store, clock, "CLOSED-ACC").startswith("high")
    assert _one(barking_store, clock, "CLOSED-NAT") == "normal: policy default"
    assert _one(barking_store, clock, "CLOSED-HOM") == "normal: policy default"
    # a family disputing the classification: high whatever the case says
    assert _one(barking_store, clock, "CLOSED-NAT", disputes_classification=True) == \
        "high: policy rule 'report disputing how a death was classified'"
    # a report whose mention matches another case raises an intel alert: high
    from caselink.intel.entities import Mention

    assert _one(barking_store, clock, "CLOSED-HOM", mentions=(Mention("phone", "+44 7700 900999"),)) == \
        "high: policy rule 'report that raised an intel or entity alert'"
    assert _one(barking_store, clock, "BURG") == "normal: policy default"


def test_a_later_alert_raises_the_priority_as_an_audited_step(barking_store: Store, clock: ManualClock) -> None:
    [report] = add_reports(barking_store, [NewReport("a car", "neighbour", "phone", case_ids=("BURG",))],
                           policy=POLICY, clock=clock)
    assert report.priority == "normal"
    with barking_store.transaction() as con:      # as entity resolution does after the report is recorded
        raise_alert(con, kind="entity", title="same person", dedupe_key="t", related_ids=["CLOSED-NS",
                                                                                          report.report_id])
    assert raise_priority_for_alerts(barking_store, [report.report_id], policy=POLICY, now=clock(),
                                     command="t") == [report.report_id]
    after = get_report(barking_store, report.report_id, purpose="t")
    assert after.priority == "high" and after.history[-1]["kind"] == "priority"
    assert raise_priority_for_alerts(barking_store, [report.report_id], policy=POLICY, now=clock(),
                                     command="t") == []
    from caselink import audit

    assert audit.verify(barking_store.con).ok      # the new priority follows from the anchored history


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reporter_relation", "banana", "'banana' is not one of mother"),
    ("channel", "pigeon", "'pigeon' is not one of phone"),
    ("reporter_relation", "other", "'other' needs a few words"),
    ("mentions", ["phone:notaphone"], "phone 'notaphone' is not a phone number"),
    ("mentions", ["phone:12"], "is not a phone number"),
    ("mentions", ["email:someone"], "is not an e-mail address"),
    ("mentions", ["vehicle:!!"], "is not a registration"),
    ("mentions", ["person:12345"], "must contain letters"),
    ("disputes_classification", "perhaps", "must be true or false"),
])
def test_intake_refuses_values_off_the_lists(field: str, value: object, message: str) -> None:
    data = {"text": "t", "reporter_relation": "friend", "channel": "phone", field: value}
    report, problems = parse_report(data, "flags", 0, POLICY)
    assert report is None
    [problem] = problems
    want = "mentions[0]" if field == "mentions" else field
    assert problem.field == want and message in problem.message


def test_intake_accepts_listed_values_and_other_with_words() -> None:
    data = {"text": "t", "reporter_relation": "Member of public", "channel": "other: note through the door",
            "mentions": ["phone:+44 (0)7700-900123", "email:a.b@example.org", "vehicle:AB12 CDE"],
            "disputes_classification": "yes"}
    report, problems = parse_report(data, "flags", 0, POLICY)
    assert problems == [] and report is not None
    assert (report.reporter_relation, report.channel, report.disputes_classification) == (
        "member_of_public", "other: note through the door", True)


def test_file_intake_names_file_line_and_field_and_writes_nothing(barking_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_text("text,reporter_relation,channel,mentions\n"
                    "fine,friend,phone,\n"
                    "bad,banana,pigeon,phone:notaphone\n", encoding="utf-8")
    before = snapshot(barking_store)
    with pytest.raises(ValidationFailed) as err:
        read_reports(path, POLICY)
    got = {(p.line, p.field) for p in err.value.problems}
    assert got == {(3, "reporter_relation"), (3, "channel"), (3, "mentions[0]")}
    assert all(p.source == str(path) for p in err.value.problems)
    assert snapshot(barking_store) == before


def test_cli_refuses_banana_pigeon_and_notaphone(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    with Store.open(db_path, user="setup") as store:
        load_cases(store, tmp_path, CASES)
    result = cli.invoke(main, ["intel", "add", "--text", "t", "--relation", "banana", "--channel", "pigeon",
                               "--mention", "phone:notaphone"])
    assert result.exit_code == 1
    for text in ("flags:0: reporter_relation:", "flags:0: channel:", "flags:0: mentions[0]:", "nothing was written"):
        assert text in result.output
    with Store.open(db_path, user="check") as store:
        assert store.con.execute("SELECT count(*) FROM intel_reports").fetchall()[0][0] == 0


def test_alerts_get_owner_deadline_and_escalate_like_reports(barking_store: Store, clock: ManualClock) -> None:
    with barking_store.transaction() as con:
        link = raise_alert(con, kind="linkage", title="p=0.9", dedupe_key="l", case_id="CLOSED-NS",
                           related_ids=["CLOSED-ACC"], created_at=clock())
        scan = raise_alert(con, kind="scan", title="cluster", dedupe_key="s", created_at=clock())
    [due] = alerts_due(barking_store.con, POLICY, clock())          # scan alerts have no deadline
    assert (due.alert_id, due.owner, due.overdue) == (link, "intel_officer", False)
    assert due.deadline == clock() + timedelta(hours=72)
    clock.advance(hours=72 + 25)                                     # 25 h late at 24 h per level: level 2
    [late] = overdue_alerts(barking_store, policy=POLICY, clock=clock, purpose="t")
    assert (late.owner, late.escalation_level) == ("detective_inspector", 0)
    steps = escalate_alerts(barking_store, policy=POLICY, clock=clock)
    assert [(s.item_id, s.to_role) for s in steps] == [(str(link), "detective_sergeant"),
                                                       (str(link), "detective_inspector")]
    assert escalate_alerts(barking_store, policy=POLICY, clock=clock) == []   # idempotent
    assert escalate(barking_store, policy=POLICY, clock=clock) == []         # reports untouched
    [shown] = [a for a in list_alerts(barking_store, purpose="t", policy=POLICY, now=clock()) if a.alert_id == link]
    d = shown.to_dict()
    assert (d["owner"], d["overdue"], d["escalation_level"]) == ("detective_inspector", True, 2)
    assert [a for a in list_alerts(barking_store, purpose="t", policy=POLICY, now=clock())
            if a.alert_id == scan][0].to_dict()["deadline"] is None
    audited = barking_store.con.execute("SELECT purpose FROM audit_log WHERE command = 'intel escalate' "
                                        "ORDER BY seq").fetchall()
    assert [p for (p,) in audited] == [s.reason for s in steps] and "alert" in audited[0][0]
    from caselink.alerts import acknowledge

    acknowledge(barking_store, link, "looked at it")                 # acknowledged: no longer overdue
    assert overdue_alerts(barking_store, policy=POLICY, clock=clock, purpose="t") == []
