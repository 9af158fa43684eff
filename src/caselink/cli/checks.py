"""``caselink checks``: missed basic actions on each case, from a readable rules file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink.cli.common import emit, json_option, open_store, purpose_option, store_options

# caselink.checks.rules.SEVERITIES, weakest first (not imported here: `caselink --help` loads no DuckDB;
# tests/checks/test_checks_store.py holds the two equal)
SEVERITY_CHOICES = ("low", "medium", "high", "critical")


def _render(rows: list[dict[str, Any]], total: int, cases: int) -> None:
    if not rows:
        click.echo("no missed actions found")
        return
    click.echo(f"{total} finding(s) on {cases} case(s), most serious first"
               + (f" (showing {len(rows)})" if len(rows) < total else "") + ":")
    for f in rows:
        click.echo(f"{f['score']:6.1f}  {f['case_id']}  [{f['severity']}] {f['title']}  ({f['rule']})")
        for e in f["evidence"]:
            click.echo(f"          - {e}")


@click.command(name="checks")
@click.argument("case_id", required=False)
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Rules file (YAML/TOML; default: the shipped rules).")
@click.option("--limit", type=click.IntRange(1), default=None, help="Show only the N most serious findings.")
@click.option("--severity", type=click.Choice(SEVERITY_CHOICES), default=None,
              help="Show only findings of at least this severity (e.g. high: high and critical).")
@click.option("--rule", "rule_ids", multiple=True, help="Show only findings of this rule id (repeatable).")
@store_options
@purpose_option
@json_option
def checks(case_id: str | None, rules_path: Path | None, limit: int | None, severity: str | None,
           rule_ids: tuple[str, ...], db: Path | None, user: str | None, purpose: str | None, as_json: bool) -> None:
    """List missed actions on one case or every case, most serious first (needs --purpose; audited).

    Each finding has a severity and a score (severity, plus the strength of the link and intel
    evidence and other serious findings on the same case); the rules file says how.
    """
    from caselink.checks import load_rules, run_checks

    rules = load_rules(rules_path)
    known = {r.id for r in rules.rules}
    unknown = sorted(set(rule_ids) - known)
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)} (rules: {', '.join(sorted(known))})", param_hint="--rule")
    with open_store(db, user) as store:
        findings = run_checks(store, case_id, rules=rules, purpose=purpose)
    if severity is not None:
        findings = [f for f in findings if SEVERITY_CHOICES.index(f.severity) >= SEVERITY_CHOICES.index(severity)]
    if rule_ids:
        findings = [f for f in findings if f.rule_id in rule_ids]
    shown = findings[:limit] if limit else findings
    emit([f.to_dict() for f in shown], as_json,
         lambda rows: _render(rows, len(findings), len({f.case_id for f in findings})))


COMMANDS = [checks]
