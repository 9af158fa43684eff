"""Commands over case records: ingest, show, history, stats, erase (export is in ``export.py``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from caselink.cli.common import (
    emit,
    json_option,
    open_store,
    purpose_option,
    store_options,
)

FORMAT_CHOICES = ["jsonl", "csv", "crimelinkage", "shr", "met-homicides"]


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
              help="Input format (default: from each file's name). Importers take the dataset's files or folder.")
@click.option("--skip-invalid", "skip_invalid", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="REJECTS_FILE", help="Load the valid records; write rejects with their reasons here (JSON Lines).")
@click.option("--no-link", is_flag=True, help="Do not score the new cases against the store after loading.")
@click.option("--verbose", "-v", is_flag=True, help="Also print how long each step took (always in --json).")
@click.option("--crs", default=None, metavar="EPSG:NNNN",
              help="The projected system of the records' x/y, e.g. EPSG:27700 (British National Grid): "
                   "WGS84 lat/lon are computed for linkage and x_crs kept for export (needs caselink[crs]).")
@store_options
@json_option
def ingest(paths: tuple[Path, ...], fmt: str | None, skip_invalid: Path | None, no_link: bool, verbose: bool,
           crs: str | None, db: Path | None, user: str | None, as_json: bool) -> None:
    """Validate and load case files (JSON Lines, CSV + entities CSV, or a dataset importer).

    One invalid record rejects the whole input unless --skip-invalid is given; nothing is written
    then, and every problem is listed with its file, line and field.
    """
    with open_store(db, user) as store:
        report = store.ingest(list(paths), fmt=fmt, skip_invalid=skip_invalid,
                              show_progress=None if not as_json else False, run_hooks=not no_link,
                              **({"crs": crs} if crs else {}))
    data = report.to_dict()

    def human(d: dict[str, Any]) -> None:
        click.echo(f"{d['records']} records read: {d['new']} new, {d['updated']} updated, "
                   f"{d['unchanged']} unchanged, {d['rejected']} rejected (batch {d['batch_id']})")
        if d["rejects_path"] and d["rejected"]:
            click.echo(f"rejects written to {d['rejects_path']}")
        for key, value in d.get("extra", {}).items():
            if key.endswith("seconds") and not verbose:  # timings are for whoever asks (--verbose, --json)
                continue
            click.echo(f"{key}: {value}")

    emit(data, as_json, human)


@click.command()
@click.argument("case_id")
@store_options
@purpose_option
@json_option
def show(case_id: str, db: Path | None, user: str | None, purpose: str | None, as_json: bool) -> None:
    """Show one case's record (needs --purpose; audited)."""
    with open_store(db, user) as store:
        record = store.get_case(case_id, purpose=purpose).to_dict()

    def human(d: dict[str, Any]) -> None:
        width = max(len(k) for k in d)
        for key, value in d.items():
            if key == "entities" and value:
                click.echo(f"{key:<{width}}  {len(value)}")
                for item in value:
                    click.echo(f"{'':<{width}}    {_shown_item(item)}")
                continue
            if key == "narrative" and value:
                click.echo(f"{key:<{width}}  {str(value).replace(chr(10), chr(10) + ' ' * (width + 2))}")
                continue
            click.echo(f"{key:<{width}}  {_shown(value)}")

    emit(record, as_json, human)


def _shown(value: Any) -> str:
    """A field's value for a person: lists joined, nothing as "(none)", entities one per item."""
    if value is None or value == [] or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(_shown_item(v) for v in value)
    return str(value)


def _shown_item(item: Any) -> str:
    if isinstance(item, dict):
        return " ".join(str(item[k]) for k in ("kind", "role", "value", "name", "dob") if item.get(k))
    return str(item)


@click.command()
@click.argument("case_id")
@store_options
@purpose_option
@json_option
def history(case_id: str, db: Path | None, user: str | None, purpose: str | None, as_json: bool) -> None:
    """Every version of a case, oldest first (needs --purpose; audited)."""
    with open_store(db, user) as store:
        versions = store.history(case_id, purpose=purpose)

    def human(rows: list[dict[str, Any]]) -> None:
        previous: dict[str, Any] = {}
        for row in rows:
            click.echo(f"version {row['version']}  from {row['valid_from']}  to {row['valid_to'] or 'now'}  "
                       f"({row['source']}, batch {row['batch_id']})")
            for key in sorted(set(previous) | set(row["record"])):
                if previous.get(key) != row["record"].get(key):
                    before, after = _shown(previous.get(key)), _shown(row["record"].get(key))
                    click.echo(f"    {key}: {after}" if not previous else f"    {key}: {before} -> {after}")
            previous = row["record"]

    emit(versions, as_json, human)


@click.command()
@store_options
@json_option
def stats(db: Path | None, user: str | None, as_json: bool) -> None:
    """Counts of cases by incident type, locations, series, versions and audit rows."""
    with open_store(db, user) as store:
        data = store.stats()

    def human(d: dict[str, Any]) -> None:
        click.echo(f"{d['cases']} cases in {d['db']}")
        for key, value in d["by_incident_type"].items():
            click.echo(f"  {key:<16}{value:>10}")
        for key in ("with_lat_lon", "with_x_y", "with_series"):
            click.echo(f"{key.replace('_', ' '):<18}{d[key]:>10}")
        one = d["series_ids_with_one_case"]
        click.echo(f"{'series':<18}{d['series_with_2_or_more_cases']:>10}  (of 2 or more cases; "
                   f"{one} more series id{'' if one == 1 else 's'} name{'s' if one == 1 else ''} one case)")
        for key in ("entities", "versions", "audit_rows"):
            click.echo(f"{key.replace('_', ' '):<18}{d[key]:>10}")
        if d["earliest"]:
            click.echo(f"from {d['earliest']} to {d['latest']}")
        if d.get("pending"):
            click.echo(f"warning: {d['pending']['message']}", err=True)

    emit(data, as_json, human)


@click.command()
@click.argument("case_ids", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the records are erased (kept in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@store_options
@json_option
def erase(case_ids: tuple[str, ...], reason: str, yes: bool, db: Path | None, user: str | None, as_json: bool) -> None:
    """Erase cases and all their versions. The audit log keeps ids and counts, never content."""
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("erase asks for confirmation, and there is no terminal to ask on: "
                                   "pass --yes to erase without asking")
        click.confirm(f"Erase {len(case_ids)} case(s) and all their history?", abort=True)
    with open_store(db, user, complete_pending=True) as store:
        n = store.erase(list(case_ids), reason)
    emit({"erased": n, "case_ids": list(case_ids)}, as_json, lambda d: click.echo(f"{d['erased']} case(s) erased"))


COMMANDS = [ingest, show, history, stats, erase]  # export: cli/export.py
