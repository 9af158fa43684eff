"""`caselink schema --json-schema`: the case contract as a JSON Schema, for editors and pipelines."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--json-schema", "as_schema", is_flag=True, required=True,
              help="Write the JSON Schema (draft 2020-12) of one case record.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (default: standard output).")
def schema(as_schema: bool, output: Path | None) -> None:
    """The case contract, generated from caselink.schema.fields (what ingest accepts, as far as a
    JSON Schema can say; the schema's description names what only ingest checks)."""
    import orjson

    from caselink.schema.jsonschema import case_json_schema

    text = orjson.dumps(case_json_schema(), option=orjson.OPT_INDENT_2).decode()
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"JSON Schema written to {output}", err=True)


COMMANDS = [schema]
