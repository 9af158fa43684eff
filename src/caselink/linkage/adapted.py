"""The store's own adapted link model: fitted to its candidate pairs without labels, kept beside it.

``caselink train --unsupervised`` (or ``adapt_store``) fits the default model to the store's
candidate pairs by EM (``caselink.model.unsupervised``) and keeps the result next to the store
file as ``<store>.link-model.json`` (versioned JSON, like the narrative model's
``<store>.text-model.npz``). From then on ``caselink link`` and ``similar`` score with it unless
given another model; ``link --full`` refits it (the store has changed), and so does another
``train --unsupervised``. Every fit is on the audit log (an "administration" row naming the
model file, its estimated link rate and the data it saw). Solved series, where the store has
some, are held fixed in the EM (pairs of two solved cases: linked if they share a series, else
unlinked), which makes the fit semi-supervised.

Erasing cases deletes the kept model, as it does the narrative model: it was fitted on data that
included the erased cases. ``link`` then scores with the default model again (its report names
the model) until ``train --unsupervised`` or ``link --full`` fits a new one; ``link --full``
refits when the audit log shows the store had an adapted model kept.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from caselink.errors import ModelError
from caselink.model.unsupervised import MAX_PARTNERS_PER_CASE, credibility
from caselink.store.store import on_erase

if TYPE_CHECKING:
    import duckdb

    from caselink.model import LinkModel
    from caselink.store.store import Store

SUFFIX = ".link-model.json"


class AdaptationRefused(ModelError):
    """The EM's fit was not credible, so it was not kept (the reason is in the message)."""

COMMAND_MARK = "adapted_link_model"


def model_path(store_path: str | os.PathLike[str]) -> Path | None:
    """Where the store's adapted model lives; None for an in-memory store."""
    text = str(store_path)
    if not text or text == ":memory:":
        return None
    return Path(text).with_name(Path(text).name + SUFFIX)


def load_store_model(store: Store) -> LinkModel | None:
    """The store's adapted model, or None when it has none (never fitted, or dropped by erasure)."""
    from caselink.model import load_model

    path = model_path(store.path)
    if path is None or not path.exists():
        return None
    return load_model(path)


def had_adapted_model(store: Store) -> bool:
    """Whether an adapted model was ever fitted and kept for this store (per its audit log; a
    refused fit does not count, so ``link --full`` does not retry one on every run)."""
    rows = store.con.execute("SELECT count(*) FROM audit_log WHERE action = 'administration' AND "
                             "contains(detail, ?) AND contains(detail, '\"kept\":true')", [COMMAND_MARK]).fetchall()
    return bool(rows[0][0])


def pair_labels(series: list[list[str]] | Any, a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Per pair: 1 if both cases are solved and share a series, 0 if both solved and do not, -1
    (unknown) if either is unsolved."""
    out = np.full(len(np.asarray(a)), -1, dtype=np.int64)
    for k, (p, q) in enumerate(zip(np.asarray(a).tolist(), np.asarray(b).tolist(), strict=True)):
        sp, sq = series[p], series[q]
        if sp and sq:
            out[k] = 1 if set(sp) & set(sq) else 0
    return out


def fit_for_store(store: Store, table: Any, a: npt.ArrayLike, b: npt.ArrayLike, *, command: str, purpose: str,
                  base: LinkModel | None = None, sample: int | None = None, random_pairs: int | None = None,
                  seed: int = 0, use_labels: bool = True,
                  max_partners: float | None = MAX_PARTNERS_PER_CASE) -> LinkModel:
    """Fit the store's adapted model on (a sample of) its candidate pairs (a, b) over ``table``
    (the whole store's CaseTable), keep it beside the store and record the fit on the audit log.

    A fit that is not credible (``unsupervised.credibility``; ``max_partners`` None skips the
    partners-per-case check) is recorded on the audit log, not kept, and raised as
    ``AdaptationRefused``; the store keeps scoring with the model it had."""
    from caselink import audit
    from caselink.compare import compare_pairs
    from caselink.model import default_model
    from caselink.model.unsupervised import DEFAULT_RANDOM, DEFAULT_SAMPLE, adapt

    base = base or default_model()
    rng = np.random.default_rng(seed)
    ia, ib = np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp)
    n_sample = DEFAULT_SAMPLE if sample is None else int(sample)
    pick = np.sort(rng.choice(len(ia), size=n_sample, replace=False)) if len(ia) > n_sample else np.arange(len(ia))
    sa, sb = ia[pick], ib[pick]
    n = len(table)
    ra = rng.integers(0, n, DEFAULT_RANDOM if random_pairs is None else int(random_pairs))
    rb = rng.integers(0, n, len(ra))
    keep = ra != rb
    labels = pair_labels(table.series, sa, sb) if use_labels else None
    fitted_at = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    described: dict[str, Any] = {"store": Path(str(store.path)).name, "cases": int(n), "candidate_pairs": int(len(ia)),
                 "fitted_at": fitted_at,
                 "source": "the store's own candidate pairs, no labels" + (
                     " (pairs of solved cases held at their label)" if use_labels else "")}
    model = adapt(base, compare_pairs(table, sa, sb), compare_pairs(table, ra[keep], rb[keep]), labels=labels,
                  name=f"{base.name}-adapted", version=fitted_at, trained_on=described)
    path = model_path(store.path)
    why = credibility(model, n, len(ia), max_partners if max_partners is not None else float("inf"))
    if why is None and path is not None:
        model.save(path)
    with store.transaction() as con:
        adaptation = model.adaptation or {}
        audit.append(con, user=store.user, action="administration", command=command, purpose=purpose,
                     detail={COMMAND_MARK: str(path) if path else None, "kept": why is None, "refused": why,
                             "lambda": adaptation.get("lambda"), "em": adaptation.get("em"),
                             "trained_on": model.trained_on})
    if why is not None:
        raise AdaptationRefused(f"the model fitted to this store without labels was not kept: {why}. "
                                "`caselink link` keeps scoring with "
                                f"{'its earlier adapted model' if path is not None and path.exists() else 'the default model'}; "
                                "solved series (series_ids) or `caselink train` on labelled data give it more to go on")
    return model


def adapt_store(store: Store, *, purpose: str, command: str = "train", base: LinkModel | None = None,
                sample: int | None = None, use_labels: bool = True, seed: int = 0,
                max_partners: float | None = MAX_PARTNERS_PER_CASE) -> LinkModel:
    """Read the store (audited), build its candidate pairs and fit its adapted model."""
    from caselink.candidates import candidate_pairs
    from caselink.linkage.context import store_context_for
    from caselink.linkage.link import build_table, load_cases

    frame, entities = load_cases(store, purpose=purpose, command=command)
    context = store_context_for(store, frame, entities, purpose=purpose, command=command)
    pairs = candidate_pairs(frame, entities=entities)
    table = build_table(frame, entities, context)
    return fit_for_store(store, table, pairs.a, pairs.b, command=command, purpose=purpose, base=base,
                         sample=sample, use_labels=use_labels, seed=seed, max_partners=max_partners)


@on_erase
def forget_adapted_model(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> None:
    """Erase hook: drop the adapted model, which was fitted on data that included the erased cases."""
    rows = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchall()
    if rows and rows[0][0]:
        path = model_path(rows[0][0])
        if path is not None:
            path.unlink(missing_ok=True)
