"""The store context of linkage: what a CaseTable of a few cases needs to know about the store.

A link run after an ingest compares a handful of new cases with their candidate partners. Rather
than rebuilding a CaseTable of the whole store, it builds one of just those cases and passes the
store's context (value counts, neighbour structures, case counts; ``compare.table.store_context``)
so every pair gets the features a full rebuild would give.

The narrative model (TF-IDF vocabulary + SVD) is fitted once and kept next to the store file as
``<store>.text-model.npz``: plain arrays written by ``numpy.savez`` and read with
``allow_pickle=False``, versioned (``compare.context.TEXT_MODEL_VERSION``). A full ``link`` refits
it; erasing cases deletes it (its vocabulary may hold words of an erased narrative), and the next
link run fits a new one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from caselink.compare.context import TEXT_MODEL_VERSION, StoreContext, TextModel
from caselink.store.store import on_erase

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from caselink.store.store import Store

SUFFIX = ".text-model.npz"


def text_model_path(store_path: str | os.PathLike[str]) -> Path | None:
    """Where the store's narrative model lives; None for an in-memory store."""
    text = str(store_path)
    if not text or text == ":memory:":
        return None
    return Path(text).with_name(Path(text).name + SUFFIX)


def load_text_model(store: Store) -> TextModel | None:
    """The kept narrative model, or None when there is none yet (or it is of an older version)."""
    path = text_model_path(store.path)
    if path is None or not path.exists():
        return None
    with np.load(path, allow_pickle=False) as arrays:
        if int(arrays["version"][0]) != TEXT_MODEL_VERSION:
            return None  # an older format: fitted again by the caller
        return TextModel.from_arrays({k: arrays[k] for k in arrays.files})


def save_text_model(store: Store, model: TextModel | None) -> None:
    """Keep ``model`` next to the store (atomically); None removes any kept model."""
    path = text_model_path(store.path)
    if path is None:
        return
    if model is None:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_name(path.name + ".tmp.npz")
    arrays = model.to_arrays()
    np.savez(tmp, version=arrays["version"], terms=arrays["terms"], idf=arrays["idf"],
             components=arrays["components"], stop_words=arrays["stop_words"])
    os.replace(tmp, path)


def store_context_for(store: Store, frame: pd.DataFrame, entities: pd.DataFrame | None, *,
                      refit_text: bool = False, purpose: str = "linkage of cases (caselink link)",
                      command: str = "link") -> StoreContext:
    """The context of the store whose cases are ``frame``: the kept narrative model (fitted and
    kept when there is none, or when ``refit_text``) and statistics of ``frame``. When ``frame``
    has no narratives and a model must be fitted, they are read (audited) from the store."""
    from caselink.compare.table import store_context

    text = None if refit_text else load_text_model(store)
    if text is None:
        texts = (frame["narrative"] if "narrative" in frame else
                 store.frame(["narrative"], purpose=purpose, command=command, action="combination")["narrative"])
        text = TextModel.fit(texts.tolist())
        save_text_model(store, text)
    return store_context(frame, entities, text=text, fit_text=False)


@on_erase
def forget_text_model(con: duckdb.DuckDBPyConnection, case_ids: list[str]) -> None:
    """Erase hook: drop the kept narrative model, which may hold words of the erased narratives."""
    rows = con.execute("SELECT file FROM pragma_database_list WHERE name = current_database()").fetchall()
    if rows and rows[0][0]:
        path = text_model_path(rows[0][0])
        if path is not None:
            path.unlink(missing_ok=True)
