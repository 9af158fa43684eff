"""Link: score candidate pairs and keep the likely ones in the ``links`` table, with explanations.

``link(store)`` is incremental: it scores only the cases no link run has covered yet (new or
changed since, recognised by their ingest batch) against the whole store; ``full=True``
rescores everything. An incremental run builds the CaseTable of only the new cases and their
candidate partners, with the store's context (``caselink.linkage.context``: value counts,
neighbour structures, case counts, the kept narrative model), so each pair gets the features a
whole-store table gives at a cost of O(new cases x partners) plus a few vectorised passes over
the store's columns (100k cases: ~2.4 s, was ~64 s; ``bench/link.py --incremental-sizes``). Pairs are compared and scored in chunks, so memory stays bounded; the
pairs with probability >= ``store_probability`` are written (with their explanation), and so
are every case's ``keep_top`` most probable partners whatever their probability
(``caselink.linkage.partners``), so ``similar`` always has them. Alerts look at the threshold
only. The write, its audit row (a "combination") and any alerts commit together.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from caselink import progress
from caselink.candidates import BlockingConfig, candidate_pairs
from caselink.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from caselink.linkage.partners import TopPartners
    from caselink.store.store import Store

DEFAULT_PURPOSE = "linkage of cases (caselink link)"
_BATCH_MARK = "linked_batches"
EXPLAIN_CHUNK = 20_000  # pairs explained at once (each explanation is ~9 dicts until written)


@dataclass(frozen=True)
class LinkConfig:
    """What to store and when to alert. Probabilities are of a common offender."""

    blocking: BlockingConfig = field(default_factory=BlockingConfig)
    store_probability: float = 0.05
    alert_probability: float = 0.5
    chunk_pairs: int = 250_000
    explain_top: int = 8
    #: links kept for every case whatever their probability: its ``keep_top`` most probable partners
    keep_top: int = 5

    def __post_init__(self) -> None:
        for name in ("store_probability", "alert_probability"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1, got {p!r}")
        if self.chunk_pairs < 1000:
            raise ConfigError(f"chunk_pairs must be at least 1000, got {self.chunk_pairs}")
        if self.keep_top < 0:
            raise ConfigError(f"keep_top must be 0 or more, got {self.keep_top}")


@dataclass
class LinkReport:
    """What one link run did."""

    cases: int
    linked_cases: int
    candidate_pairs: int
    stored_links: int
    alerts: int
    by_block: dict[str, int]
    model_name: str
    model_version: str
    incremental: bool
    seconds: dict[str, float]
    alert_ids: list[int] = field(default_factory=list)
    windows: dict[str, float] = field(default_factory=dict)  # blocking windows after adapting to density
    peak_mib: dict[str, float] = field(default_factory=dict)  # the process's peak memory at the end of each stage
    top_partner_links: int = 0  # links kept below the threshold as some case's top partners
    adaptation: str | None = None  # a full run's refit of the store's adapted model: "refitted" or why not

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def resolve_model(model: Any = None, store: Store | None = None) -> Any:
    """The model to score with: a LinkModel, a path to a model JSON, or None for the store's
    adapted model (``caselink.linkage.adapted``) when it has one, else the shipped default."""
    from caselink import model as model_mod
    from caselink.compare import FEATURE_SET_VERSION
    from caselink.errors import ModelError

    if model is None and store is not None:
        from caselink.linkage.adapted import load_store_model

        model = load_store_model(store)
    if model is None:
        return model_mod.default_model()
    if isinstance(model, str) or hasattr(model, "__fspath__"):
        model = model_mod.load_model(model)
    trained = getattr(model, "feature_set", FEATURE_SET_VERSION)
    if trained != FEATURE_SET_VERSION:
        raise ModelError(f"model {model.name} {model.version} was trained on comparison feature set {trained}; "
                         f"this caselink computes feature set {FEATURE_SET_VERSION} (see FEATURE_SET_VERSION in "
                         "caselink.compare.features for what changed): retrain it with `caselink train`")
    return model


@dataclass(frozen=True)
class LinkRuns:
    """What the store's link runs did: the ingest batches they covered, and what any case can count
    on finding in ``links`` (the highest threshold any run used, the fewest top partners any run
    kept: 0 for runs before ``keep_top``)."""

    batches: set[str]
    store_probability: float
    keep_top: int


def link_runs(store: Store) -> LinkRuns:
    """The store's link runs, read from their "combination" audit rows (a full run replaces all
    links, so what runs before it kept no longer counts)."""
    rows = store.con.execute(
        "SELECT detail FROM audit_log WHERE action = 'combination' AND contains(detail, ?) ORDER BY seq",
        [_BATCH_MARK]).fetchall()
    done: set[str] = set()
    threshold, keep = 0.0, None
    for (text,) in rows:
        detail = orjson.loads(text)
        done.update(detail.get(_BATCH_MARK, []))
        if detail.get("full"):
            threshold, keep = 0.0, None
        threshold = max(threshold, float(detail.get("store_probability", LinkConfig().store_probability)))
        keep = min(keep if keep is not None else 1 << 30, int(detail.get("keep_top", 0)))
    return LinkRuns(done, threshold, keep or 0)


def linked_batches(store: Store) -> set[str]:
    """Ingest batches whose cases some link run has already scored against the store."""
    return link_runs(store).batches


def pending_case_ids(store: Store) -> list[str]:
    """Cases not yet covered by a link run (new or changed since the last one)."""
    done = sorted(linked_batches(store))
    return [r[0] for r in store.con.execute(
        "SELECT case_id FROM cases WHERE NOT list_contains(?, batch_id) ORDER BY case_id", [done]).fetchall()]


def _covered_batches(batch_ids: np.ndarray, new_rows: np.ndarray | None) -> list[str]:
    """Batches all of whose current cases this run linked; only these are recorded, so the audit
    detail of each run stays small however many ingests came before."""
    if new_rows is None:
        return sorted(set(batch_ids.tolist()))
    linked = np.zeros(len(batch_ids), dtype=bool)
    linked[new_rows] = True
    return sorted(set(batch_ids[linked].tolist()) - set(batch_ids[~linked].tolist()))


#: what blocking and the store context read of every case; the rest is read for partners only
LIGHT_COLUMNS = ("case_id", "incident_type", "t_from", "t_to", "lat", "lon", "x", "y", "place_type", "area",
                 "victim_sex", "victim_ethnicity", "victim_tags", "circumstances", "substances", "weapon")


def load_cases(store: Store, *, purpose: str, command: str,
               light: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases frame (ordered by case_id) and the entities; audited. All of
    ``CaseTable.COLUMNS``, or with ``light`` only ``LIGHT_COLUMNS`` (see ``with_details``)."""
    from caselink.compare import CaseTable

    columns = LIGHT_COLUMNS if light else CaseTable.COLUMNS
    frame = store.frame(list(columns) + ["batch_id"], purpose=purpose, command=command, action="combination")
    from caselink.entities.evidence import (
        linkage_frame,  # resolved entities when resolution has run
    )

    entities = linkage_frame(store.con)
    return frame, entities


def with_details(store: Store, frame: pd.DataFrame, *, purpose: str, command: str,
                 action: str = "combination") -> pd.DataFrame:
    """``frame`` (a few cases) with the ``CaseTable.COLUMNS`` it lacks, read for those cases only."""
    from caselink.compare import CaseTable

    rest = [c for c in CaseTable.COLUMNS if c not in frame.columns]
    if not rest or frame.empty:
        return frame
    ids = frame["case_id"].astype(str).tolist()
    extra = store.frame(rest, where="list_contains(?, case_id)", params=[ids], purpose=purpose, command=command,
                        action=action)
    return frame.join(extra.set_index("case_id"), on="case_id")


def build_table(frame: pd.DataFrame, entities: pd.DataFrame, context: Any = None) -> Any:
    """A CaseTable of ``frame``; with the store's ``context``, ``frame`` may be a few of its cases."""
    from caselink.compare import CaseTable

    table = CaseTable.from_frame(frame, context=context)
    if len(entities):
        table = table.with_entities(entities)
    return table


def partner_table(frame: pd.DataFrame, entities: pd.DataFrame, context: Any, a: np.ndarray, b: np.ndarray,
                  keep: np.ndarray, details: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
                  ) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    """A CaseTable of only the rows in pairs (a, b) and ``keep``, built with the store's context,
    and (row positions of the table's cases in ``frame``, a, b as positions in the table).
    ``details`` adds columns a light ``frame`` lacks (``with_details``)."""
    rows = np.unique(np.concatenate([np.asarray(keep, np.int64), np.asarray(a, np.int64), np.asarray(b, np.int64)]))
    few = frame.iloc[rows].reset_index(drop=True)
    table = build_table(details(few) if details is not None else few, entities, context)
    return table, rows, np.searchsorted(rows, a), np.searchsorted(rows, b)


def explanations(model: Any, features: Any, rows: np.ndarray, top: int) -> list[list[dict[str, Any]]]:
    """The model's explanations of pairs ``rows``, as plain JSON-able dicts (largest first; with
    ``top`` > 0 the rest summed into one line so each still adds up). Values are already text (or
    None for the summed line); contributions are rounded for storage."""
    out = model.explain_many(features, rows, top=top)
    for items in out:
        for e in items:
            e["contribution"] = round(e["contribution"], 4)
    return out


def _watch(top: TopPartners, observe: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None,
           tab_ids: np.ndarray) -> Callable[[np.ndarray, np.ndarray, np.ndarray], None]:
    """What ``score_pairs`` shows every scored pair to: the top-partner list (kept whatever the
    threshold) and, given one, the caller's ``observe`` (by case id)."""

    def seen(ca: np.ndarray, cb: np.ndarray, p: np.ndarray) -> None:
        top.offer(ca, cb, p)
        if observe is not None:
            observe(tab_ids[ca], tab_ids[cb], p)

    return seen


def score_pairs(
    table: Any, model: Any, a: np.ndarray, b: np.ndarray, *, min_probability: float, chunk: int,
    explain_top: int = 8, sink: Callable[..., None] | None = None, advance: Callable[[int], None] | None = None,
    observe: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Score pairs in chunks; return the kept pairs (a, b, probability, log_odds, explanation JSON),
    or, given ``sink``, hand each chunk's kept pairs to it instead (and return nothing kept).
    ``advance(n)`` is told after each chunk how many pairs it scored (a progress bar);
    ``observe(a, b, probability)`` is shown every scored pair of each chunk, kept or not."""
    keep_a, keep_b, keep_p, keep_l = [], [], [], []
    keep_e: list[str] = []
    for start in range(0, len(a), chunk):
        ca, cb = a[start:start + chunk], b[start:start + chunk]
        feats = compare_pairs(table, ca, cb)
        scores = model.score(feats)
        prob = np.asarray(scores.probability, dtype=float)
        if observe is not None:
            observe(ca, cb, prob)
        idx = np.flatnonzero(prob >= min_probability)
        kept = (ca[idx], cb[idx], prob[idx], np.asarray(scores.log_odds, dtype=float)[idx],
                [orjson.dumps(e).decode() for e in explanations(model, feats, idx, explain_top)])
        if advance is not None:
            advance(len(ca))
        if sink is not None:
            sink(*kept)
            continue
        keep_a.append(kept[0])
        keep_b.append(kept[1])
        keep_p.append(kept[2])
        keep_l.append(kept[3])
        keep_e.extend(kept[4])
    if not keep_a:
        empty = np.empty(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty, empty, []
    return (np.concatenate(keep_a), np.concatenate(keep_b), np.concatenate(keep_p),
            np.concatenate(keep_l), keep_e)


def compare_pairs(table: Any, a: np.ndarray, b: np.ndarray) -> Any:
    from caselink.compare import compare_pairs as _compare

    return _compare(table, a, b)


def link(
    store: Store, *, full: bool = False, case_ids: Sequence[str] | None = None, model: Any = None,
    config: LinkConfig | None = None, purpose: str | None = None, command: str = "link",
    raise_alerts: bool = True, show_progress: bool | None = None,
    observe: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None, refit: bool | None = None,
) -> LinkReport:
    """Score candidate pairs of the pending (or given, or all) cases and store the likely links.
    A progress bar of the pairs scored shows on a terminal (``show_progress=None``), never when
    piped; ``False`` hides it. ``observe(case_ids_a, case_ids_b, probability)`` is shown every
    candidate pair scored, stored or not (the end-to-end evaluation's calibration and blocking).
    With no ``model``, the store's adapted model scores when it has one; ``refit`` (default: on a
    full run of a store that has or had one) fits it again first."""
    cfg = config or LinkConfig()
    mdl = resolve_model(model, store)
    adapt_note: str | None = None
    t0 = time.perf_counter()
    targets = None if full else (list(case_ids) if case_ids is not None else pending_case_ids(store))
    seconds: dict[str, float] = {}
    if targets is not None and not targets:
        return LinkReport(store.count(), 0, 0, 0, 0, {}, mdl.name, mdl.version, True, {"total": 0.0})
    # a few new cases: read only what blocking and the context need of every case (the rest for partners)
    light = targets is not None and len(targets) * 4 < store.count()
    frame, entities = load_cases(store, purpose=purpose or DEFAULT_PURPOSE, command=command, light=light)
    from caselink.linkage.context import store_context_for

    context = store_context_for(store, frame, entities, refit_text=targets is None,
                                purpose=purpose or DEFAULT_PURPOSE, command=command)
    seconds["load"] = time.perf_counter() - t0
    peak = {"load": _peak_mib()}
    ids = frame["case_id"].to_numpy()
    new_rows = None if targets is None else np.flatnonzero(np.isin(ids, np.asarray(targets, dtype=object)))
    pairs = candidate_pairs(frame, entities=entities, config=cfg.blocking, new_rows=new_rows)
    seconds["candidates"] = time.perf_counter() - t0 - seconds["load"]
    peak["candidates"] = _peak_mib()
    if new_rows is None:  # every case takes part: one table of the whole store
        table, tab_ids, pa, pb = build_table(frame, entities, context), ids, pairs.a, pairs.b
    else:  # only the new cases and their partners, with the store's context
        table, rows, pa, pb = partner_table(
            frame, entities, context, pairs.a, pairs.b, new_rows,
            details=lambda few: with_details(store, few, purpose=purpose or DEFAULT_PURPOSE, command=command))
        tab_ids = ids[rows]
    seconds["table"] = time.perf_counter() - t0 - seconds["load"] - seconds["candidates"]
    peak["table"] = _peak_mib()
    if new_rows is None and model is None and _should_refit(store, refit):
        from caselink.linkage.adapted import AdaptationRefused, fit_for_store

        try:
            mdl = fit_for_store(store, table, pa, pb, command=command, purpose=purpose or DEFAULT_PURPOSE)
            adapt_note = "refitted"
        except AdaptationRefused as exc:  # on the audit log; scoring goes on with the model it had
            adapt_note = str(exc)
        seconds["adapt"] = time.perf_counter() - t0 - sum(seconds.values())
    linked = ids if new_rows is None else ids[new_rows]
    batches = _covered_batches(frame["batch_id"].to_numpy(), new_rows)
    from caselink.linkage.partners import TopPartners, seed_from_store
    from caselink.linkage.store_links import LinkWriter

    with store.transaction() as con:  # links stream in as they are scored; all or nothing
        writer = LinkWriter(con, tab_ids, model=mdl, linked_ids=[str(c) for c in linked], full=new_rows is None,
                            alert_probability=cfg.alert_probability if raise_alerts else None)
        top = TopPartners(len(tab_ids), cfg.keep_top)
        if new_rows is not None:  # old partners keep the links they have: a new case must beat them
            seed_from_store(top, con, tab_ids, np.flatnonzero(~np.isin(tab_ids, linked)))
        with progress.bar("scoring candidate pairs", total=len(pa), show=show_progress) as bar:
            score_pairs(table, mdl, pa, pb, min_probability=cfg.store_probability, chunk=cfg.chunk_pairs,
                        explain_top=cfg.explain_top, sink=writer.add, advance=bar.advance,
                        observe=_watch(top, observe, tab_ids))
        n_pairs, by_block, windows = len(pairs), pairs.by_block, pairs.windows
        # the pairs are done with: free them before scoring the top partners again and the commit,
        # whose checkpoint of the new links is the run's last big allocation (at 1M cases ~1 GB)
        del pairs, pa, pb
        ea, eb = top.extra_pairs(cfg.store_probability)
        del top
        # every one of these is explained: smaller chunks keep the explanations' dicts few at a time
        score_pairs(table, mdl, ea, eb, min_probability=0.0, chunk=min(cfg.chunk_pairs, EXPLAIN_CHUNK),
                    explain_top=cfg.explain_top, sink=writer.add)
        written = writer.seconds
        seconds["score"] = time.perf_counter() - t0 - sum(seconds.values()) - written
        peak["score"] = _peak_mib()
        del table
        alert_ids = writer.finish(
            user=store.user, command=command, purpose=purpose or DEFAULT_PURPOSE, frame=frame,
            detail={"candidate_pairs": n_pairs, "by_block": by_block, "windows": windows,
                    _BATCH_MARK: batches, "blocking": cfg.blocking.to_dict(),
                    "store_probability": cfg.store_probability, "keep_top": cfg.keep_top,
                    "top_partner_links": len(ea)})
    seconds["write"] = time.perf_counter() - t0 - sum(seconds.values())
    seconds["total"] = time.perf_counter() - t0
    peak["write"] = _peak_mib()
    return LinkReport(len(frame), len(linked), n_pairs, writer.count, len(alert_ids), by_block, mdl.name,
                      mdl.version, new_rows is not None, {k: round(v, 3) for k, v in seconds.items()}, alert_ids,
                      windows, peak, len(ea), adapt_note)


def _should_refit(store: Store, refit: bool | None) -> bool:
    if refit is not None:
        return refit
    from caselink.linkage.adapted import had_adapted_model, model_path

    path = model_path(store.path)
    return path is not None and (path.exists() or had_adapted_model(store))


def _peak_mib() -> float:
    """The process's peak resident memory so far (MiB; Linux reports KiB)."""
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


__all__ = ["LIGHT_COLUMNS", "with_details", "LinkConfig", "LinkReport", "LinkRuns", "build_table", "link", "link_runs",
           "partner_table", "pending_case_ids", "score_pairs"]
