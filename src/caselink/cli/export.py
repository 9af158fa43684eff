"""Data out: ``caselink export`` (cases) and ``caselink links export`` (links for i2 / Gephi).

Both need a purpose and are audited as disclosures naming every case that left the store.
"""

from __future__ import annotations

from pathlib import Path

import click

from caselink.cli.common import echo_err, open_store, purpose_option, store_options

CASE_FORMATS = ("jsonl", "csv", "parquet", "geojson", "xlsx")
LINK_FORMATS = ("csv", "parquet", "graphml")


@click.command()
@click.option("--format", "fmt", type=click.Choice(CASE_FORMATS), default="jsonl", show_default=True,
              help="jsonl/csv (formula-safe), parquet (typed), geojson (WGS84 points; names the CRS), "
                   "xlsx (text never a formula).")
@click.option("--where", default=None, help='Which cases, in the filter language, e.g. "incident_type = death and year >= 2014".')
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (CSV: also writes OUTPUT's .entities.csv). Default: standard output (text formats).")
@store_options
@purpose_option
def export(fmt: str, where: str | None, output: Path | None, db: Path | None, user: str | None,
           purpose: str | None) -> None:
    """Export cases (needs --purpose; audited as a disclosure of every case written)."""
    from caselink.errors import ConfigError
    from caselink.export.formats import BINARY_FORMATS, write_cases
    from caselink.filters import compile_filter

    if fmt in BINARY_FORMATS and output is None:
        raise ConfigError(f"--format {fmt} is binary: give --output FILE")
    selected = compile_filter(where) if where else None
    with open_store(db, user) as store:
        records = store.iter_records(
            purpose=purpose, where=selected.sql if selected else "TRUE",
            params=selected.params if selected else (),
            detail={"format": fmt, **({"where": where} if where else {})})
        n = write_cases(fmt, records, output)
    if output is not None:
        echo_err(f"{n} cases written to {output}")


@click.group()
def links() -> None:
    """Stored links out of caselink (for i2 Analyst's Notebook, Gephi, Cytoscape, networkx)."""


@links.command("export")
@click.option("--format", "fmt", type=click.Choice(LINK_FORMATS), default="csv", show_default=True)
@click.option("--min-probability", type=float, default=0.0, show_default=True,
              help="Only links at least this probable.")
@click.option("--series", "with_series", is_flag=True,
              help="Add each end's candidate series (source_series, target_series; GraphML: a node attribute).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here. Default: standard output (csv, graphml).")
@store_options
@purpose_option
def links_export(fmt: str, min_probability: float, with_series: bool, output: Path | None,
                 db: Path | None, user: str | None, purpose: str | None) -> None:
    """Export stored links as an edge list: Source, Target, Type, Weight, Label, probability,
    log_odds, top_evidence, model, scored_at (needs --purpose; audited as a disclosure)."""
    from caselink.errors import ConfigError
    from caselink.export.links import link_rows, write_links

    if fmt == "parquet" and output is None:
        raise ConfigError("--format parquet is binary: give --output FILE")
    with open_store(db, user) as store:
        rows = link_rows(store, min_probability=min_probability, purpose=purpose, series=with_series)
    n = write_links(fmt, rows, output, series=with_series)
    if output is not None:
        echo_err(f"{n} links written to {output}")


COMMANDS = [export, links]
