"""``caselink entities resolve|list|show|search|evaluate``: people, phones and vehicles across cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from caselink.cli.common import emit, json_option, open_store, purpose_option, store_options


@click.group("entities")
def entities() -> None:
    """People, phones, vehicles, e-mails and handles resolved across cases and intel reports."""


@entities.command("resolve")
@store_options
@purpose_option
@click.option("--threshold", type=float, default=0.5, show_default=True, help="Match probability to join two people.")
@click.option("--region", default="GB", show_default=True, help="Region for national phone numbers.")
@json_option
def resolve_cmd(db: Path | None, user: str | None, purpose: str | None, threshold: float, region: str,
                as_json: bool) -> None:
    """Re-resolve every mention in the store (trains the person model without labels)."""
    from caselink.entities.resolve import ResolveConfig
    from caselink.entities.stored import resolve_store

    with open_store(db, user, complete_pending=True) as store:
        stats = resolve_store(store, purpose=purpose or "", config=ResolveConfig(threshold=threshold, region=region))
    emit(stats, as_json, lambda s: click.echo(
        f"{s['mentions']} mentions -> {s['entities']} entities ({s['person_links']} person links) in {s['seconds']} s"))


def _table(items: list[dict[str, Any]]) -> None:
    if not items:
        click.echo("no entities")
    for e in items:
        cases = ", ".join(e["cases"][:6]) + ("..." if len(e["cases"]) > 6 else "")
        click.echo(f"{e['entity_id']:<34} {e['kind']:<8} {e['display'][:30]:<30} {e['sources']:>3} source(s)  {cases}")
        for m in e.get("possible_same", []):
            where = ", ".join([*m["cases"][:6], *m["reports"][:4]])
            click.echo(f"    {m['label']}: {m['entity_id']} {m['name']} in {where}")


@entities.command("list")
@store_options
@purpose_option
@click.option("--kind", type=click.Choice(["person", "phone", "vehicle", "email", "handle", "address"]))
@click.option("--min-sources", type=int, default=2, show_default=True, help="Seen in at least this many cases/reports.")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
def list_cmd(db: Path | None, user: str | None, purpose: str | None, kind: str | None, min_sources: int,
             limit: int, as_json: bool) -> None:
    """Entities seen in several cases or reports, most widely seen first."""
    from caselink.entities.queries import list_entities

    with open_store(db, user) as store:
        items = list_entities(store, kind=kind, min_sources=min_sources, limit=limit, purpose=purpose)
    emit(items, as_json, _table)


@entities.command("show")
@click.argument("entity_id")
@store_options
@purpose_option
@json_option
def show_cmd(entity_id: str, db: Path | None, user: str | None, purpose: str | None, as_json: bool) -> None:
    """One entity and every mention of it, with the match weight that joined each."""
    from caselink.entities.queries import get_entity

    with open_store(db, user) as store:
        item = get_entity(store, entity_id, purpose=purpose)

    def human(e: dict[str, Any]) -> None:
        click.echo(f"{e['entity_id']}  {e['kind']}  {e['display']}  ({e['sources']} source(s))")
        for m in e["mention_list"]:
            w = f"weight {m['match_weight']:+.1f}" if m["match_weight"] is not None else ""
            click.echo(f"  {m['source']} {m['source_id']:<16} {m['role']:<10} {m['value']!r} {m['dob'] or ''} {w}")
    emit(item, as_json, human)


@entities.command("search")
@click.argument("text")
@store_options
@purpose_option
@click.option("--limit", type=int, default=20, show_default=True)
@json_option
def search_cmd(text: str, db: Path | None, user: str | None, purpose: str | None, limit: int, as_json: bool) -> None:
    """Entities matching a name (fuzzy) or a phone, plate, e-mail or handle (normalised)."""
    from caselink.entities.queries import search_entities

    with open_store(db, user) as store:
        items = search_entities(store, text, limit=limit, purpose=purpose)
    emit(items, as_json, _table)


@entities.command("evaluate")
@click.option("--cases", "n_cases", type=int, default=20_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threshold", type=float, default=0.5, show_default=True)
@click.option("--linkage", is_flag=True, help="Instead: linkage AUC without, with raw and with resolved entities.")
@json_option
def evaluate_cmd(n_cases: int, seed: int, threshold: float, linkage: bool, as_json: bool) -> None:
    """Pairwise precision/recall of person resolution on synthetic mentions with known identities
    (or, with --linkage, what shared entities add to case linkage)."""
    from caselink.entities.evaluate import evaluate_synthetic
    from caselink.entities.resolve import ResolveConfig

    if linkage:
        from caselink.entities.linkage_eval import linkage_gain

        emit(linkage_gain(n_cases, seed), as_json, _gain_lines)
        return
    result = evaluate_synthetic(n_cases, seed, ResolveConfig(threshold=threshold))
    emit(result, as_json, lambda r: click.echo(
        f"name + identifier: precision {r['name_and_identifier']['precision']:.4f} recall "
        f"{r['name_and_identifier']['recall']:.4f}; comparable pairs recall {r['comparable']['recall']:.4f}"))


def _gain_lines(g: dict[str, Any]) -> None:
    for k in ("no_entities", "raw_entities", "resolved_entities"):
        click.echo(f"{k:<18} AUC {g[k]['auc']:.4f}  AUPRC {g[k]['auprc']:.4f}  hit@1 {g[k]['hit_at_1']:.4f}")


COMMANDS = [entities]
