"""Commands over the audit log: verify the hash chain, list entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink import audit as audit_log
from caselink.cli.common import emit, json_option, open_store, store_options


@click.group()
def audit() -> None:
    """The tamper-evident audit log of every read and write."""


@audit.command()
@store_options
@json_option
def verify(db: Path | None, user: str | None, as_json: bool) -> None:
    """Check the hash chain; exit non-zero and name the first bad row if it does not verify."""
    from caselink.ingest.pending import summary

    with open_store(db, user) as store:
        result = audit_log.verify(store.con)
        owed = summary(store.con)

    def human(r: dict[str, Any]) -> None:
        if r["ok"]:
            click.echo(f"audit log OK: {r['rows']} rows verified, and every intel report and history row matches it")
        elif r["problems"]:
            click.echo(f"audit log chain verifies ({r['rows']} rows), but {len(r['problems'])} record(s) do NOT match it:")
            for p in r["problems"]:
                click.echo(f"  {p}")
        elif r["first_bad_seq"] is None:
            click.echo(f"audit log does NOT verify: {r['reason']}")
        else:
            click.echo(f"audit log does NOT verify: first bad row seq {r['first_bad_seq']}: {r['reason']}")
        if r.get("pending"):
            click.echo(f"warning: {r['pending']['message']}", err=True)

    emit({**result.to_dict(), "pending": owed}, as_json, human)
    if not result.ok:
        raise SystemExit(5)


@audit.command("log")
@click.option("--case", "case_id", default=None, help="Only entries that concern this case.")
@click.option("--for-user", "for_user", default=None, help="Only entries by this user.")
@click.option("--action", type=click.Choice(audit_log.ACTIONS), default=None)
@click.option("--since", default=None, help="Only entries at or after this ISO time.")
@click.option("--limit", type=int, default=50, show_default=True)
@store_options
@json_option
def log_(case_id: str | None, for_user: str | None, action: str | None, since: str | None, limit: int,
         db: Path | None, user: str | None, as_json: bool) -> None:
    """List audit entries, newest first."""
    with open_store(db, user) as store:
        rows = [e.to_dict() for e in audit_log.entries(
            store.con, case_id=case_id, user=for_user, action=action, since=since, limit=limit)]

    def human(items: list[dict[str, Any]]) -> None:
        for e in items:
            ids = e["case_ids"]
            shown = ", ".join(ids[:5]) + (f" (+{len(ids) - 5} more)" if len(ids) > 5 else "")
            if e["detail"].get("scope") == audit_log.ALL_CASES:
                shown = f"{audit_log.ALL_CASES} ({e['detail'].get('rows', '?')})"
            purpose = f"  purpose: {e['purpose']}" if e["purpose"] else ""
            click.echo(f"{e['seq']:>6}  {e['ts']}  {e['user']:<12} {e['action']:<13} {e['command']:<10} {shown}{purpose}")

    emit(rows, as_json, human)


COMMANDS = [audit]
