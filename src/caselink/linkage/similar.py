"""Similar cases: the ``limit`` candidates most likely to share an offender with one case, with the
reasons, whatever the kept-link threshold.

Each answer says whether it is a stored link (``stored``). A case covered by a link run is
answered from the ``links`` table when the stored links are sure to be its top ``limit``
(every link at or above the run's ``store_probability`` is stored, and every case's
``keep_top`` most probable partners: ``caselink.linkage.partners``); otherwise, and for a case
not linked yet, its candidates are scored on the fly (nothing is stored then).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from caselink.errors import ConfigError, NotFound
from caselink.linkage.link import (
    LIGHT_COLUMNS,
    LinkConfig,
    explanations,
    link_runs,
    partner_table,
    resolve_model,
    with_details,
)
from caselink.store.store import require_purpose

if TYPE_CHECKING:
    from caselink.store.store import Store

#: how many candidates ``similar`` lists unless asked: every case keeps that many top partners
#: (``LinkConfig.keep_top``), so the default answer comes from the links table (fast at any size);
#: a larger ``limit`` may need the case's candidates scored on the fly (seconds at a million cases)
DEFAULT_LIMIT = LinkConfig().keep_top
#: which of some case ids a user may see (an API scope); None = all
Visible = Callable[[list[str]], Collection[str]] | None


def similar(
    store: Store, case_id: str, *, limit: int = DEFAULT_LIMIT, purpose: str | None, command: str = "similar",
    model: Any = None, config: LinkConfig | None = None, visible: Visible = None,
    min_probability: float | None = None,
) -> list[dict[str, Any]]:
    """``[{"case_id", "probability", "log_odds", "stored", "explanation": [...]}]``, most probable
    first: the top ``limit`` candidates of ``case_id`` (of those ``visible`` lets through; with
    ``min_probability``, only those at or above it, e.g. the links a series ranking sums). The
    audit row names exactly the cases returned."""
    purpose = require_purpose(purpose, "finding similar cases")
    if limit < 1:
        raise ConfigError(f"--limit must be at least 1, got {limit}")
    rows = store.con.execute("SELECT batch_id FROM cases WHERE case_id = ?", [case_id]).fetchall()
    if not rows:
        store.audit("consultation", command, [case_id], purpose, {"found": False})
        raise NotFound(f"no case {case_id!r} in {store.path}")
    runs = link_runs(store)
    results = None
    stored = _from_links(store, case_id) if rows[0][0] in runs.batches else []
    if rows[0][0] in runs.batches:
        if min_probability is not None and min_probability >= runs.store_probability:
            results = _exact_top([r for r in stored if r["probability"] >= min_probability], limit, 1.0,
                                 1 << 30, visible)  # every link above the run's threshold is stored
        else:
            results = _exact_top(stored, limit, runs.store_probability, runs.keep_top, visible)
    source = "links"
    if results is None:
        results = _score_now(store, case_id, limit, purpose, command, model, config, visible,
                             {r["case_id"] for r in stored}, min_probability)
        source = "scored"
    store.audit("consultation", command, [case_id] + [r["case_id"] for r in results], purpose,
                {"limit": limit, "results": len(results), "source": source})
    return results


def kept_threshold(store: Store) -> float:
    """The probability at or above which every link is stored (the link runs' threshold, or the
    default before any run): what a ranking over a case's *links* passes as ``min_probability``."""
    return link_runs(store).store_probability or LinkConfig().store_probability


def _from_links(store: Store, case_id: str) -> list[dict[str, Any]]:
    """Every stored link of ``case_id``, most probable first."""
    rows = store.con.execute(
        "SELECT case_a, case_b, probability, log_odds, explanation FROM links "
        "WHERE case_a = ? OR case_b = ? ORDER BY probability DESC, case_a, case_b",
        [case_id, case_id]).fetchall()
    return [{"case_id": b if a == case_id else a, "probability": float(p), "log_odds": float(lo), "stored": True,
             "explanation": orjson.loads(ex)} for a, b, p, lo, ex in rows]


def _exact_top(stored: list[dict[str, Any]], limit: int, threshold: float, keep_top: int,
               visible: Visible) -> list[dict[str, Any]] | None:
    """The top ``limit`` (visible) candidates from the stored links, or None when the store cannot
    be sure of them. Sure when: the case has fewer stored links than every case keeps (then every
    candidate it has is stored); or the last one shown is among the top ``keep_top`` of all its
    stored links, or at or above the threshold (every candidate above it is stored)."""
    shown_ok = visible([r["case_id"] for r in stored]) if visible is not None else None
    ranked = [(i, r) for i, r in enumerate(stored) if shown_ok is None or r["case_id"] in shown_ok]
    top = ranked[:limit]
    if len(stored) < keep_top:
        return [r for _, r in top]
    if len(top) < limit:
        return None
    rank, last = top[-1]
    if rank < keep_top or last["probability"] >= threshold:
        return [r for _, r in top]
    return None


def _score_now(
    store: Store, case_id: str, limit: int, purpose: str, command: str, model: Any, config: LinkConfig | None,
    visible: Visible, stored: Collection[str], min_probability: float | None,
) -> list[dict[str, Any]]:
    """Score every candidate of ``case_id`` now; the top ``limit`` with their explanations."""
    from caselink.candidates import candidate_pairs
    from caselink.compare import compare_pairs

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
    feats = compare_pairs(table, pa, pb)
    scores = mdl.score(feats)
    me = int(np.searchsorted(rows, row[0]))
    other = tab_ids[np.where(pa == me, pb, pa)].astype(str)
    order = np.lexsort((other, -scores.probability))
    if min_probability is not None:
        order = order[scores.probability[order] >= min_probability]
    if visible is not None:
        ok = visible([str(c) for c in other[order]])
        order = np.array([i for i in order if other[i] in ok], dtype=np.intp)
    order = order[:limit]
    notes = explanations(mdl, feats, order, cfg.explain_top)
    return [{"case_id": str(other[i]), "probability": float(scores.probability[i]),
             "log_odds": float(scores.log_odds[i]), "stored": str(other[i]) in stored, "explanation": e}
            for i, e in zip(order, notes, strict=True)]


__all__ = ["DEFAULT_LIMIT", "kept_threshold", "similar"]
