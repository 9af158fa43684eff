"""The entities part of ``caselink demo``: the people the bundled cases share, resolved across
spellings, and what that adds as evidence between two cases."""

from __future__ import annotations

from caselink.entities.evidence import explain_shared
from caselink.entities.queries import list_entities
from caselink.entities.stored import resolve_store
from caselink.store.store import Store

PURPOSE = "caselink demo: entity resolution"


def demo_step(store: Store) -> str:
    """Resolve (if ingest has not), then show the person seen in most cases, how their name was
    written, and the shared-entity evidence between two of their cases."""
    if not store.con.execute("SELECT count(*) FROM entity_mentions").fetchall()[0][0]:
        resolve_store(store, purpose=PURPOSE, command="demo")
    stats = store.con.execute(
        "SELECT count(*), count(DISTINCT entity_id), count(*) FILTER (WHERE match_weight IS NOT NULL) "
        "FROM entity_mentions").fetchall()[0]
    lines = [f"{stats[0]} entity mentions resolved into {stats[1]} entities "
             f"({stats[2]} person mentions joined by the splink model)."]
    people = list_entities(store, kind="person", min_sources=2, limit=1, purpose=PURPOSE, command="demo")
    if not people:
        return "\n".join([*lines, "No person appears in more than one case."])
    top = people[0]
    spellings = [r[0] for r in store.con.execute(
        "SELECT DISTINCT value FROM entity_mentions WHERE entity_id = ? ORDER BY value LIMIT 6",
        [top["entity_id"]]).fetchall()]
    lines.append(f"{top['display']} appears in {len(top['cases'])} cases, written as: {'; '.join(spellings)}.")
    if len(top["cases"]) >= 2:
        lines.extend(explain_shared(store.con, top["cases"][0], top["cases"][1])[:3])
    lines.append(f"See: caselink entities show {top['entity_id']} --purpose \"...\"")
    return "\n".join(lines)
