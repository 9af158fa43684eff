"""``caselink intel ...``: record reports from families and the public and track them until acted on."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from caselink.cli.common import emit, json_option, open_store, purpose_option, store_options
from caselink.errors import ValidationFailed

F = TypeVar("F", bound=Callable[..., Any])


def policy_option(func: F) -> F:
    return click.option(
        "--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("CASELINK_INTEL_POLICY") or None,
        help="Intel policy file (YAML/TOML; default: $CASELINK_INTEL_POLICY or the shipped policy).",
    )(func)


def _policy(path: Path | None) -> Any:
    from caselink.intel import load_policy

    return load_policy(path)


def _render_report(d: dict[str, Any]) -> None:
    click.echo(f"{d['report_id']}  [{d['state']}]  {d['priority']} priority ({d['priority_reason']})")
    click.echo(f"  received {d['received_at']} via {d['channel']} from {d.get('reporter_name') or 'unnamed'} "
               f"({d['reporter_relation']}){'; contact ' + d['reporter_contact'] if d.get('reporter_contact') else ''}")
    click.echo(f"  cases: {', '.join(d['case_ids']) or '-'}")
    for m in d["mentions"]:
        click.echo(f"  mentions {m['kind']} {m['value']!r} ({m['role']})")
    if d.get("outcome"):
        click.echo(f"  outcome: {d['outcome']}")
    if "history" in d:
        click.echo(f"  text: {d['text']}")
        for h in d["history"]:
            click.echo(f"  {h['at']}  {h['kind']:<10} {h['from'] or '':>12} -> {h['to']:<12} {h['user']}: {h['reason']}")


def _render_list(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no reports")
    for d in rows:
        click.echo(f"{d['report_id']}  {d['state']:<12} {d['priority']:<7} received {d['received_at']}  "
                   f"cases {', '.join(d['case_ids']) or '-'}  {d['text'][:60]}")


@click.group(name="intel")
def intel() -> None:
    """Reports from families, friends and the public: record, track, escalate (never deleted)."""


@intel.command(name="add")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Add every report in a .json, .jsonl or .csv file (all or none).")
@click.option("--text", default=None, help="What the reporter said.")
@click.option("--relation", default=None,
              help="Reporter's relation to the victim, from the policy's list (mother, partner, friend, "
                   "member_of_public...) or 'other: <what>'.")
@click.option("--reporter-name", default=None)
@click.option("--contact", default=None, help="How to reach the reporter.")
@click.option("--channel", default=None,
              help="From the policy's list (phone, email, in_person, online_form, letter...) or 'other: <what>'.")
@click.option("--received-at", default=None, help="When it was received (ISO 8601 UTC; default now).")
@click.option("--case", "cases", multiple=True, help="A case the report concerns (repeatable).")
@click.option("--mention", "mentions", multiple=True,
              help="kind:value[:role], e.g. phone:07700900123 or person:Danny Smith:suspect (repeatable).")
@click.option("--priority", default=None, help="Override the priority the policy would give.")
@click.option("--disputes-classification", "disputes", is_flag=True,
              help="The reporter says the death was not what it was recorded as (e.g. not an accident).")
@policy_option
@store_options
@json_option
def add(file: Path | None, text: str | None, relation: str | None, reporter_name: str | None,
        contact: str | None, channel: str | None, received_at: str | None, cases: tuple[str, ...],
        mentions: tuple[str, ...], priority: str | None, disputes: bool, policy_path: Path | None,
        db: Path | None, user: str | None, as_json: bool) -> None:
    """Record a report (from flags, or --file) and print its reference number for the submitter."""
    from caselink.intel import add_reports, default_clock, parse_report, read_reports

    policy = _policy(policy_path)
    if file is not None:
        new = read_reports(file, policy)
    else:
        data = {"text": text, "reporter_relation": relation, "channel": channel, "reporter_name": reporter_name,
                "reporter_contact": contact, "received_at": received_at, "case_ids": list(cases),
                "mentions": list(mentions), "priority": priority, "disputes_classification": disputes}
        report, problems = parse_report({k: v for k, v in data.items() if v is not None}, "flags", 0, policy)
        if problems or report is None:
            raise ValidationFailed(problems, 1)
        new = [report]
    with open_store(db, user, complete_pending=True) as store:
        added = add_reports(store, new, policy=policy, clock=default_clock())
    def human(rows: list[dict[str, Any]]) -> None:
        for d in rows:
            click.echo(f"recorded {d['report_id']} ({d['priority']} priority); give this reference "
                       "to the person who reported it")

    emit([r.to_dict() for r in added], as_json, human)


@intel.command(name="list")
@click.option("--case", "case_id", default=None, help="Only reports about this case.")
@click.option("--state", type=click.Choice(["received", "acknowledged", "assessed", "actioned", "closed"]))
@click.option("--open", "open_only", is_flag=True, help="Only reports not yet closed.")
@store_options
@purpose_option
@json_option
def list_cmd(case_id: str | None, state: str | None, open_only: bool, db: Path | None, user: str | None,
             purpose: str | None, as_json: bool) -> None:
    """List reports, oldest first (needs --purpose; audited)."""
    from caselink.intel import list_reports

    with open_store(db, user) as store:
        rows = list_reports(store, purpose=purpose, case_id=case_id, state=state, open_only=open_only)
    emit([r.to_dict() for r in rows], as_json, _render_list)


@intel.command(name="show")
@click.argument("report_id")
@store_options
@purpose_option
@json_option
def show(report_id: str, db: Path | None, user: str | None, purpose: str | None, as_json: bool) -> None:
    """One report with its full history (needs --purpose; audited)."""
    from caselink.intel import get_report

    with open_store(db, user) as store:
        report = get_report(store, report_id, purpose=purpose)
    emit(report.to_dict(), as_json, _render_report)


def _step_command(step: str, help_text: str) -> click.Command:
    @click.argument("report_id")
    @click.option("--reason", required=True, help="What was done and why (goes on the audit log).")
    @policy_option
    @store_options
    @json_option
    def command(report_id: str, reason: str, policy_path: Path | None, db: Path | None, user: str | None,
                as_json: bool, outcome: str | None = None) -> None:
        from caselink.intel import default_clock, transition

        policy = _policy(policy_path)
        with open_store(db, user) as store:
            report = transition(store, report_id, step, reason, outcome=outcome, policy=policy,
                                clock=default_clock(), command=f"intel {click.get_current_context().info_name}")
        emit(report.to_dict(), as_json, lambda d: click.echo(f"{d['report_id']} is now {d['state']}"))

    command.__doc__ = help_text
    if step == "close":
        command = click.option("--outcome", required=True,
                               help="substantiated, not_substantiated, passed_to_investigation, "
                                    "no_further_action, duplicate (or as the policy says).")(command)
    return click.command(name={"acknowledge": "ack"}.get(step, step))(command)


for _step, _help in (("acknowledge", "Acknowledge a received report."),
                     ("assess", "Record the assessment of an acknowledged report (--reason is the assessment)."),
                     ("action", "Record the action taken on an assessed report."),
                     ("close", "Close an actioned report with an outcome and a reason (it is kept).")):
    intel.add_command(_step_command(_step, _help))


@intel.command(name="link")
@click.argument("report_id")
@click.argument("case_id")
@click.option("--reason", required=True, help="Why the report concerns this case (goes on the audit log).")
@store_options
@json_option
def link(report_id: str, case_id: str, reason: str, db: Path | None, user: str | None, as_json: bool) -> None:
    """Link a report to a further case (the report then shows on that case's page)."""
    from caselink.intel import default_clock, link_case

    with open_store(db, user, complete_pending=True) as store:
        report = link_case(store, report_id, case_id, reason, clock=default_clock())
    emit(report.to_dict(), as_json,
         lambda d: click.echo(f"{d['report_id']} now concerns {', '.join(d['case_ids'])}"))


def _render_escalations(d: dict[str, Any]) -> None:
    for e in d["escalated"]:
        click.echo(f"escalated {e['report_id']}: {e['from']} -> {e['to']} (level {e['level']}, due {e['due_at']}; "
                   f"now {e['overdue_hours']} h late)")
    for e in d.get("escalated_alerts", []):
        click.echo(f"escalated alert #{e['id']}: {e['from']} -> {e['to']} (level {e['level']}, due {e['due_at']})")


def _render_overdue(d: dict[str, Any]) -> None:
    _render_escalations(d)
    if not d["overdue"] and not d["overdue_alerts"]:
        click.echo("nothing overdue")

    for o in d["overdue"]:
        click.echo(f"{o['report_id']}  {o['priority']:<7} waiting for {o['waiting_for']:<12} due {o['deadline']}  "
                   f"overdue {o['overdue_hours']:>8.1f} h  owner {o['owner']}  cases {', '.join(o['case_ids']) or '-'}")
    for a in d["overdue_alerts"]:
        click.echo(f"alert #{a['alert_id']:<5} {a['priority']:<7} waiting for acknowledge due {a['deadline']}  "
                   f"overdue {a['overdue_hours']:>8.1f} h  owner {a['owner']}  {a['title'][:70]}")


@intel.command(name="overdue")
@click.option("--escalate/--no-escalate", default=False,
              help="First record every escalation the policy calls for by now (for cron on CLI-only "
                   "deployments; `caselink serve` does it on its own schedule).")
@policy_option
@store_options
@purpose_option
@json_option
def overdue(escalate: bool, policy_path: Path | None, db: Path | None, user: str | None,
            purpose: str | None, as_json: bool) -> None:
    """What is past its deadline, who owns it now and for how long (needs --purpose; audited).

    The owner is the one the policy names for how late it is, whether or not the escalation has
    been recorded yet; --escalate records it (idempotent: run it as often as you like).
    """
    from caselink.intel import default_clock, overdue_reports
    from caselink.intel.alert_deadlines import overdue_alerts

    policy, clock = _policy(policy_path), default_clock()
    with open_store(db, user) as store:
        done = _escalate_all(store, policy, clock, "intel overdue --escalate") if escalate else {}
        rows = overdue_reports(store, policy=policy, clock=clock, purpose=purpose)
        alerts = overdue_alerts(store, policy=policy, clock=clock, purpose=purpose)
    emit({"escalated": done.get("escalated", []), "escalated_alerts": done.get("escalated_alerts", []),
          "overdue": [o.to_dict() for o in rows], "overdue_alerts": [a.to_dict() for a in alerts]}, as_json,
         _render_overdue)


def _escalate_all(store: Any, policy: Any, clock: Any, command: str) -> dict[str, Any]:
    from caselink.intel import escalate
    from caselink.intel.alert_deadlines import escalate_alerts

    reports = escalate(store, policy=policy, clock=clock, command=command)
    alerts = escalate_alerts(store, policy=policy, clock=clock, command=command)
    return {"escalated": [e.to_dict() for e in reports], "escalated_alerts": [s.to_dict() for s in alerts]}


@intel.command(name="escalate")
@policy_option
@store_options
@json_option
def escalate_cmd(policy_path: Path | None, db: Path | None, user: str | None, as_json: bool) -> None:
    """Record every escalation the policy calls for by now (same as `intel overdue --escalate`)."""
    from caselink.intel import default_clock

    with open_store(db, user) as store:
        done = _escalate_all(store, _policy(policy_path), default_clock(), "intel escalate")
    emit(done, as_json, lambda d: _render_escalations(d) if d["escalated"] or d["escalated_alerts"]
         else click.echo("nothing to escalate"))


COMMANDS = [intel]
