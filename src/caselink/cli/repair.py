"""`caselink repair`: complete the follow-up steps (entity resolution, linkage) an ingest left pending."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink.cli.common import emit, json_option, open_store, store_options


@click.command()
@store_options
@json_option
def repair(db: Path | None, user: str | None, as_json: bool) -> None:
    """Run the entity resolution and linkage that an interrupted or failed ingest did not finish.

    The next ingest (and link, entities resolve, intel add, erase, serve) does this too;
    `caselink stats` and `caselink audit verify` say when something is pending. Exits 1 if a
    step still fails (its error is printed; run again once the cause is fixed)."""
    from caselink.ingest.pending import complete, summary

    with open_store(db, user) as store:
        done = complete(store)
        left = summary(store.con)
    data = {"completed": done, "pending": left}

    def human(d: dict[str, Any]) -> None:
        if not d["completed"]:
            click.echo("nothing pending: every ingest's follow-up steps have run")
        for item in d["completed"]:
            click.echo(f"batch {item['batch_id']}: {', '.join(item['steps'])} on {item['cases']} case(s)")
            for key, value in item["results"].items():
                click.echo(f"  {key}: {value}")
        if d["pending"]:
            click.echo(f"still pending: {d['pending']['message']}", err=True)

    emit(data, as_json, human)
    if left:
        raise SystemExit(1)


COMMANDS = [repair]
