"""``caselink checks``: missed basic actions on each case, from a readable rules file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink.cli.common import emit, json_option, open_store, purpose_option, store_options


def _render(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("no missed actions found")
    current = None
    for f in rows:
        if f["case_id"] != current:
            current = f["case_id"]
            click.echo(current)
        click.echo(f"  [{f['severity']}] {f['title']}  ({f['rule']})")
        for e in f["evidence"]:
            click.echo(f"      - {e}")


@click.command(name="checks")
@click.argument("case_id", required=False)
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Rules file (YAML/TOML; default: the shipped rules).")
@store_options
@purpose_option
@json_option
def checks(case_id: str | None, rules_path: Path | None, db: Path | None, user: str | None,
           purpose: str | None, as_json: bool) -> None:
    """List missed actions on one case or every case (needs --purpose; audited)."""
    from caselink.checks import load_rules, run_checks

    rules = load_rules(rules_path)
    with open_store(db, user) as store:
        findings = run_checks(store, case_id, rules=rules, purpose=purpose)
    emit([f.to_dict() for f in findings], as_json, _render)


COMMANDS = [checks]
