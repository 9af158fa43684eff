"""Similar cases: the cases most likely to share an offender with one case, with the reasons.

A case already covered by a link run is answered from the ``links`` table; a case not yet
linked is scored on the fly against its candidates (nothing is stored then). Either way only
cases at or above ``LinkConfig.store_probability`` are listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from caselink.errors import ConfigError, NotFound
from caselink.linkage.link import (
    LIGHT_COLUMNS,
    LinkConfig,
    linked_batches,
    partner_table,
    resolve_model,
    score_pairs,
    with_details,
)
from caselink.store.store import require_purpose

if TYPE_CHECKING:
    from caselink.store.store import Store


def similar(
    store: Store, case_id: str, *, limit: int = 10, purpose: str | None, command: str = "similar",
    model: Any = None, config: LinkConfig | None = None,
) -> list[dict[str, Any]]:
    """``[{"case_id", "probability", "log_odds", "explanation": [...]}]``, most probable first."""
    purpose = require_purpose(purpose, "finding similar cases")
    if limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    rows = store.con.execute("SELECT batch_id FROM cases WHERE case_id = ?", [case_id]).fetchall()
    if not rows:
        store.audit("consultation", command, [case_id], purpose, {"found": False})
        raise NotFound(f"no case {case_id!r} in {store.path}")
    if rows[0][0] in linked_batches(store):
        results, source = _from_links(store, case_id, limit), "links"
    else:
        results, source = _score_now(store, case_id, limit, purpose, command, model, config), "scored"
    store.audit("consultation", command, [case_id] + [r["case_id"] for r in results], purpose,
                {"limit": limit, "results": len(results), "source": source})
    return results


def _from_links(store: Store, case_id: str, limit: int) -> list[dict[str, Any]]:
    rows = store.con.execute(
        "SELECT case_a, case_b, probability, log_odds, explanation FROM links "
        "WHERE case_a = ? OR case_b = ? ORDER BY probability DESC, case_a, case_b LIMIT ?",
        [case_id, case_id, limit]).fetchall()
    return [{"case_id": b if a == case_id else a, "probability": float(p), "log_odds": float(lo),
             "explanation": orjson.loads(ex)} for a, b, p, lo, ex in rows]


def _score_now(
    store: Store, case_id: str, limit: int, purpose: str, command: str, model: Any, config: LinkConfig | None,
) -> list[dict[str, Any]]:
    from caselink.candidates import candidate_pairs

    cfg = config or LinkConfig()
    mdl = resolve_model(model, store)
    frame = store.frame(list(LIGHT_COLUMNS), purpose=purpose, command=command)
    from caselink.entities.evidence import (
        linkage_frame,  # resolved entities when resolution has run
    )

    entities = linkage_frame(store.con)
    ids = frame["case_id"].to_numpy()
    row = np.flatnonzero(ids == case_id)
    pairs = candidate_pairs(frame, entities=entities, config=cfg.blocking, new_rows=row)
    if len(pairs) == 0:
        return []
    from caselink.linkage.context import store_context_for

    context = store_context_for(store, frame, entities, purpose=purpose, command=command)
    table, rows, pa, pb = partner_table(
        frame, entities, context, pairs.a, pairs.b, row,
        details=lambda few: with_details(store, few, purpose=purpose, command=command, action="consultation"))
    tab_ids = ids[rows]
    # the same cut as stored links, so a case answers the same before and after ``link``
    a, b, p, lo, ex = score_pairs(table, mdl, pa, pb, min_probability=cfg.store_probability,
                                  chunk=cfg.chunk_pairs, explain_top=cfg.explain_top)
    me = int(np.searchsorted(rows, row[0]))
    other = np.where(a == me, b, a)
    order = np.lexsort((tab_ids[other], -p))[:limit]
    return [{"case_id": str(tab_ids[other[i]]), "probability": float(p[i]), "log_odds": float(lo[i]),
             "explanation": orjson.loads(ex[i])} for i in order]


__all__ = ["similar"]
