"""Recording reports: reference numbers, priority, case links, mentioned entities and alerts."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import duckdb
import hypothesis.strategies as st
import orjson
import pytest
from hypothesis import given, settings

from caselink.errors import NotFound, PurposeRequired, ValidationFailed
from caselink.intel import (
    IntelError,
    ManualClock,
    Mention,
    NewReport,
    add_reports,
    get_report,
    link_case,
    list_reports,
    load_policy,
    normalise,
    read_reports,
    reports_for_case,
)
from caselink.intel.entities import SQL_NORM
from caselink.store import Store

from .helpers import audit_rows, snapshot


def _report(cases: tuple[str, ...] = ("D1",), mentions: tuple[Mention, ...] = (), **kw: object) -> NewReport:
    return NewReport("he left with a man from an app", "friend", "phone", case_ids=cases, mentions=mentions,
                     **kw)  # type: ignore[arg-type]


def test_reference_numbers_are_sequential_and_givable(cased_store: Store, clock: ManualClock) -> None:
    first = add_reports(cased_store, [_report(), _report(("D2",))], clock=clock)
    second = add_reports(cased_store, [_report(())], clock=clock)
    ids = [r.report_id for r in first + second]
    assert ids == ["INT-2026-000001", "INT-2026-000002", "INT-2026-000003"]
    assert all(re.fullmatch(r"INT-\d{4}-\d{6}", i) for i in ids)
    assert [r.state for r in first + second] == ["received"] * 3


def test_priority_from_policy_rule_default_and_override(cased_store: Store, clock: ManualClock) -> None:
    open_death, closed_death, burglary, none, forced = add_reports(cased_store, [
        _report(("D1",)), _report(("D2",)), _report(("B1",)), _report(()), _report(("B1",), priority="high")],
        clock=clock)
    # D1 and D2 are deaths recorded as non-suspicious (D2 closed): the Barking failure is high priority
    assert open_death.priority == "high" and "non-suspicious" in open_death.priority_reason
    assert closed_death.priority == "high" and "(case D2)" in closed_death.priority_reason
    assert (burglary.priority, none.priority) == ("normal", "normal")
    assert forced.priority == "high" and forced.priority_reason == "set by tester"
    before = snapshot(cased_store)
    with pytest.raises(IntelError, match="priority 'urgent' is not one of the policy's priorities"):
        add_reports(cased_store, [_report(priority="urgent")], clock=clock)
    assert snapshot(cased_store) == before


def test_unknown_case_is_refused_and_nothing_is_recorded(cased_store: Store, clock: ManualClock) -> None:
    before = snapshot(cased_store)
    with pytest.raises(NotFound, match="no such case\\(s\\): NOPE; nothing was recorded"):
        add_reports(cased_store, [_report(("D1",)), _report(("D2", "NOPE"))], clock=clock)
    assert snapshot(cased_store) == before


def test_received_in_the_future_is_refused(cased_store: Store, clock: ManualClock) -> None:
    with pytest.raises(IntelError, match="in the future"):
        add_reports(cased_store, [_report(received_at=clock() + timedelta(hours=1))], clock=clock)
    assert cased_store.con.execute("SELECT count(*) FROM intel_reports").fetchall()[0][0] == 0


def test_report_received_earlier_keeps_its_time(cased_store: Store, clock: ManualClock) -> None:
    [r] = add_reports(cased_store, [_report(received_at=clock() - timedelta(days=2))], clock=clock)
    assert r.received_at == clock() - timedelta(days=2) and r.recorded_at == clock()


def test_mentioned_entity_seen_in_another_case_raises_an_alert(cased_store: Store, clock: ManualClock) -> None:
    # D2 has associate phone "447700900123" and vehicle "AB12 CDE"; the report is about D1.
    [r] = add_reports(cased_store, [_report(("D1",), (Mention("phone", "+44 (7700) 900-123", "suspect"),
                                                       Mention("vehicle", "ab12  cde"),
                                                       Mention("person", "Nobody Known")))], clock=clock)
    alerts = cased_store.con.execute(
        "SELECT kind, case_id, related_ids, detail FROM alerts ORDER BY alert_id").fetchall()
    assert [(a[0], a[1], a[2]) for a in alerts] == [("intel", "D1", ["D2", r.report_id])] * 2
    assert {orjson.loads(a[3])["kind"] for a in alerts} == {"phone", "vehicle"}
    combined = [row for row in audit_rows(cased_store) if row[0] == "combination" and row[1] == "intel add"]
    assert len(combined) == 1 and combined[0][2] == ["D2"]


def test_no_alert_for_own_case_or_different_value(cased_store: Store, clock: ManualClock) -> None:
    add_reports(cased_store, [_report(("D2",), (Mention("vehicle", "AB12 CDE"),)),   # only D2 has it
                              _report(("D1",), (Mention("phone", "07700900124"),))], clock=clock)
    assert cased_store.con.execute("SELECT count(*) FROM alerts").fetchall()[0][0] == 0


def test_normalisation_matches_case_entities() -> None:
    for written in ("+44 (0)7700-900 123", "0044 7700 900123", "07700 900123", "+447700900123"):
        assert normalise("phone", written) == "7700900123"
    assert normalise("phone", "+1 212-555-0100") == "12125550100"
    assert normalise("vehicle", " AB12-cde ") == "ab12cde"
    assert normalise("person", "  Stephen   PORT ") == "stephen port"
    assert normalise("email", "A.B@Example.COM") == "a.b@example.com"


_CON = duckdb.connect()


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet="0123456789 +()-4aBcéÉ\t", max_size=20), st.sampled_from(["phone", "vehicle", "person"]))
def test_python_and_sql_normalisation_agree(value: str, kind: str) -> None:
    con = _CON
    sql = con.execute("SELECT " + SQL_NORM.format(col="$1", col_kind="$2"), [value, kind]).fetchall()[0][0]
    assert sql == normalise(kind, value)


def test_mentions_are_usable_by_linkage_through_the_view(cased_store: Store, clock: ManualClock) -> None:
    [r] = add_reports(cased_store, [_report(("D1", "B1"), (Mention("handle", "@Mike_Online", "suspect"),))],
                      clock=clock)
    rows = cased_store.con.execute(
        "SELECT case_id, kind, role, value, report_id, value_norm FROM intel_case_entities ORDER BY case_id"
    ).fetchall()
    assert rows == [(c, "handle", "suspect", "@Mike_Online", r.report_id, "@mike_online") for c in ("B1", "D1")]


def test_case_shows_its_reports_and_reads_are_audited(cased_store: Store, clock: ManualClock) -> None:
    a, b, _ = add_reports(cased_store, [_report(("D1",)), _report(("D1", "D2")), _report(("B1",))], clock=clock)
    assert [r.report_id for r in reports_for_case(cased_store, "D1", "family liaison")] == [a.report_id,
                                                                                            b.report_id]
    assert [r.report_id for r in list_reports(cased_store, purpose="p", case_id="D2")] == [b.report_id]
    assert len(list_reports(cased_store, purpose="p", state="received")) == 3
    reads = [row for row in audit_rows(cased_store) if row[0] == "consultation"]
    assert reads[0][2] == ["D1", "D2"] and reads[0][3] == "family liaison"
    with pytest.raises(PurposeRequired):
        list_reports(cased_store, purpose=None)
    with pytest.raises(PurposeRequired):
        get_report(cased_store, a.report_id, purpose=" ")


def test_erasing_a_case_unlinks_but_keeps_the_report(cased_store: Store, clock: ManualClock) -> None:
    [r] = add_reports(cased_store, [_report(("D1", "D2"))], clock=clock)
    cased_store.erase(["D1"], reason="court order 123")
    kept = get_report(cased_store, r.report_id, purpose="t")
    assert kept.case_ids == ("D2",) and kept.text == r.text
    assert kept.history[-1]["kind"] == "unlink" and "D1 was erased" in kept.history[-1]["reason"]
    erasures = cased_store.con.execute(
        "SELECT user_name, case_ids, detail FROM audit_log WHERE action = 'erasure' ORDER BY seq").fetchall()
    assert any(orjson.loads(d).get("intel_links_removed") == 1 and ids == ["D1"] for _, ids, d in erasures)


def test_reading_reports_from_files_collects_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(
        "text,reporter_relation,channel,case_ids,mentions,received_at,colour\n"
        "He was with Danny,Mother,Phone,D1|D2,phone:07700 900123:suspect|vehicle:AB12CDE,2026-03-01T10:00Z,\n"
        ",friend,phone,,,,\n"
        "x,friend,phone,,car:123,yesterday,blue\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        read_reports(path)
    got = {(p.line, p.field) for p in info.value.problems}
    assert got == {(3, "text"), (4, "mentions[0]"), (4, "received_at"), (4, "colour")}
    path.write_text("text,reporter_relation,channel,case_ids,mentions\n"
                    "He was with Danny,Mother,Phone,D1|D2,phone:07700 900123:suspect|vehicle:AB12CDE\n",
                    encoding="utf-8")
    [new] = read_reports(path)
    assert (new.reporter_relation, new.channel, new.case_ids) == ("mother", "phone", ("D1", "D2"))
    assert set(new.mentions) == {Mention("phone", "07700 900123", "suspect"), Mention("vehicle", "AB12CDE")}


def test_reading_json_reports(tmp_path: Path, cased_store: Store, clock: ManualClock) -> None:
    path = tmp_path / "reports.json"
    path.write_bytes(orjson.dumps([{"text": "t", "reporter_relation": "partner", "channel": "email",
                                    "case_ids": ["D1"], "mentions": [{"kind": "email", "value": "X@Y.org"}]}]))
    added = add_reports(cased_store, read_reports(path), policy=load_policy(), clock=clock)
    assert added[0].mentions == (Mention("email", "X@Y.org"),)


def test_linking_a_report_to_a_further_case(cased_store: Store, clock: ManualClock) -> None:
    [r] = add_reports(cased_store, [_report((), (Mention("vehicle", "ab12-cde"),))], clock=clock)
    assert cased_store.con.execute("SELECT case_id, related_ids FROM alerts").fetchall() == [
        (None, ["D2", r.report_id])]                                   # D2 has vehicle "AB12 CDE"
    linked = link_case(cased_store, r.report_id, "D1", "the caller named the victim", clock=clock)
    assert linked.case_ids == ("D1",)
    assert [x.report_id for x in reports_for_case(cased_store, "D1", "p")] == [r.report_id]
    before = snapshot(cased_store)
    with pytest.raises(IntelError, match="already linked"):
        link_case(cased_store, r.report_id, "D1", "again", clock=clock)
    with pytest.raises(NotFound, match="no case 'NOPE'"):
        link_case(cased_store, r.report_id, "NOPE", "x", clock=clock)
    with pytest.raises(IntelError, match="needs a reason"):
        link_case(cased_store, r.report_id, "D2", " ", clock=clock)
    assert snapshot(cased_store) == before
    row = audit_rows(cased_store, "intel link")[-1]
    assert row[0] == "combination" and row[2] == ["D1"] and row[3] == "the caller named the victim"
