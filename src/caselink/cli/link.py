"""Linkage commands: link, similar, series, alerts (and alerts ack)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from caselink.cli.common import emit, json_option, open_store, purpose_option, store_options

_model_option = click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                             default=None, help="Model JSON to score with (default: the store's adapted model from "
                             "`caselink train --unsupervised` if it has one, else the model shipped in caselink).")


@click.command()
@click.option("--full", is_flag=True, help="Rescore every case (default: only cases not linked yet); refits the "
              "store's adapted model first when it has (or had) one.")
@click.option("--store-probability", type=float, default=None,
              help="Keep links at or above this probability (default 0.05).")
@click.option("--alert-probability", type=float, default=None,
              help="Alert when a newly linked case links to an earlier one at or above this (default 0.5).")
@click.option("--no-alerts", is_flag=True, help="Do not raise alerts.")
@_model_option
@store_options
@purpose_option
@json_option
def link(full: bool, store_probability: float | None, alert_probability: float | None, no_alerts: bool,
         model_path: Path | None, db: Path | None, user: str | None, purpose: str | None, as_json: bool) -> None:
    """Score candidate pairs and store the likely links (audited as a combination).

    Incremental by default: cases ingested since the last run are scored against the whole store.
    """
    from dataclasses import replace

    from caselink.linkage.link import LinkConfig
    from caselink.linkage.link import link as run_link

    cfg = LinkConfig()
    if store_probability is not None:
        cfg = replace(cfg, store_probability=store_probability)
    if alert_probability is not None:
        cfg = replace(cfg, alert_probability=alert_probability)
    with open_store(db, user, complete_pending=True) as store:
        report = run_link(store, full=full, model=model_path, config=cfg, purpose=purpose,
                          raise_alerts=not no_alerts, show_progress=False if as_json else None)

    def human(d: dict[str, Any]) -> None:
        click.echo(f"{d['linked_cases']} of {d['cases']} cases linked ({'incremental' if d['incremental'] else 'full'}): "
                   f"{d['candidate_pairs']} candidate pairs scored, {d['stored_links']} links stored, "
                   f"{d['alerts']} alerts raised; model {d['model_name']} {d['model_version']}; "
                   f"{d['seconds'].get('total', 0):.1f} s")
        if d.get("adaptation"):
            click.echo(f"store's adapted model: {d['adaptation']}")

    emit(report.to_dict(), as_json, human)


def _explain_line(e: dict[str, Any]) -> str:
    value = "" if e.get("value") in (None, "") else f" ({e['value']})"
    return f"{e['feature']}{value}: {e['contribution']:+.2f}"


@click.command()
@click.argument("case_id")
@click.option("--limit", "-k", type=int, default=5, show_default=True,
              help="How many candidates (beyond 5, those not stored may be scored on the fly: slower).")
@_model_option
@store_options
@purpose_option
@json_option
def similar(case_id: str, limit: int, model_path: Path | None, db: Path | None, user: str | None,
            purpose: str | None, as_json: bool) -> None:
    """The --limit cases most likely to share an offender with CASE_ID, with why, whatever the
    kept-link threshold: each says whether it is a stored link (needs --purpose; audited)."""
    from caselink.linkage.similar import similar as find

    with open_store(db, user) as store:
        results = find(store, case_id, limit=limit, purpose=purpose, model=model_path)

    def human(rows: list[dict[str, Any]]) -> None:
        if not rows:
            click.echo(f"no candidate for {case_id}: no case is near it in space and time, shares its MO, "
                       "a rare fact or an entity")
        for r in rows:
            kept = "stored link" if r["stored"] else "not stored (below the kept-link threshold)"
            click.echo(f"{r['case_id']}  p={r['probability']:.3f}  log-odds {r['log_odds']:+.2f}  {kept}")
            for e in r["explanation"]:
                click.echo(f"    {_explain_line(e)}")

    emit(results, as_json, human)


@click.command()
@click.option("--min-probability", type=float, default=0.5, show_default=True,
              help="Least probability of a merge and of each member belonging with the rest of its series (weak stored links still count as evidence).")
@click.option("--for", "for_case", default=None, metavar="CASE_ID",
              help="Instead, rank the known series (series_ids) this case may belong to.")
@click.option("--limit", type=int, default=10, show_default=True, help="With --for: how many series.")
@store_options
@purpose_option
@json_option
def series(min_probability: float, for_case: str | None, limit: int, db: Path | None, user: str | None,
           purpose: str | None, as_json: bool) -> None:
    """Candidate series of linked cases, or the known series a case fits (--for; needs --purpose)."""
    from caselink.linkage.series import series as find_series
    from caselink.linkage.series import series_for

    with open_store(db, user) as store:
        if for_case is not None:
            ranked = series_for(store, for_case, limit=limit, purpose=purpose)

            def human_for(rows: list[dict[str, Any]]) -> None:
                if not rows:
                    click.echo(f"{for_case} links to no case of a known series")
                for r in rows:
                    click.echo(f"{r['series_id']}  score {r['score']:+.2f}  strongest p={r['probability']:.3f}  "
                               f"via {', '.join(r['linked_cases'][:5])} ({r['size']} case{'' if r['size'] == 1 else 's'} in series)")

            emit(ranked, as_json, human_for)
            return
        groups = find_series(store, min_probability=min_probability, purpose=purpose)

    def human(rows: list[dict[str, Any]]) -> None:
        if not rows:
            click.echo(f"no series at min probability {min_probability}")
        for r in rows:
            shown = [f"{m['case_id']} ({m['confidence']:.2f})" for m in r["members"][:12]]
            click.echo(f"{r['series_id']}  confidence {r['confidence']:.2f}  {len(r['case_ids'])} cases: "
                       f"{', '.join(shown)}{' ...' if len(r['case_ids']) > 12 else ''}")

    emit(groups, as_json, human)


@click.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include acknowledged alerts.")
@click.option("--kind", type=click.Choice(["linkage", "scan", "cluster", "intel", "entity"]), default=None)
@click.option("--limit", type=int, default=100, show_default=True)
@store_options
@purpose_option
@json_option
@click.pass_context
def alerts(ctx: click.Context, show_all: bool, kind: str | None, limit: int, db: Path | None, user: str | None,
           purpose: str | None, as_json: bool) -> None:
    """Alerts, newest first: new cases that link to earlier ones, scan clusters, overdue intel."""
    if ctx.invoked_subcommand is not None:
        return
    from caselink.alerts import list_alerts
    from caselink.intel import default_clock, load_policy

    policy = load_policy(os.environ.get("CASELINK_INTEL_POLICY") or None)
    with open_store(db, user) as store:
        found = [a.to_dict() for a in list_alerts(store, include_acknowledged=show_all, kind=kind, limit=limit,
                                                  purpose=purpose, policy=policy, now=default_clock()())]

    def human(rows: list[dict[str, Any]]) -> None:
        if not rows:
            click.echo("no alerts")
        for r in rows:
            state = f"  [ack by {r['acknowledged_by']}: {r['ack_note']}]" if r["acknowledged_at"] else ""
            if r["deadline"] and not r["acknowledged_at"]:
                late = f"OVERDUE {r['overdue_hours']:.1f} h" if r["overdue"] else "due"
                state += f"  [owner {r['owner']}, {late} {r['deadline'][:16]}]"
            click.echo(f"#{r['alert_id']} {r['kind']} {r['created_at'][:19]}  {r['title']}{state}")
            for item in r["detail"].get("links", [])[:3]:
                reasons = "; ".join(_explain_line(e) for e in item.get("explanation", [])
                                    if not str(e["feature"]).startswith(("prior", "intercept")))
                click.echo(f"    {item['case_id']} p={item['probability']:.2f}: {reasons}")

    emit(found, as_json, human)


@alerts.command("ack")
@click.argument("alert_id", type=int)
@click.option("--note", required=True, help="What was done about it (kept in the audit log).")
@store_options
@json_option
def ack(alert_id: int, note: str, db: Path | None, user: str | None, as_json: bool) -> None:
    """Acknowledge an alert with a note (audited)."""
    from caselink.alerts import acknowledge

    with open_store(db, user) as store:
        alert = acknowledge(store, alert_id, note)
    emit(alert.to_dict(), as_json, lambda d: click.echo(f"alert #{d['alert_id']} acknowledged by {d['acknowledged_by']}"))


COMMANDS = [link, similar, series, alerts]
