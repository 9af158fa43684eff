"""Store-wide value counts: how many cases have each value of a field (for rarity weights).

Every link run counts the values of the whole store, so at a million cases these counts were a
quarter of the time it took to link one new case. The grouping runs in an in-memory DuckDB over
Arrow copies of the columns (no access to the store); anything that must agree with the Python
encoders (``sets.as_list``, ``entity_tokens``'s cleaning of kind and value) is computed the way
those encoders compute it, on the distinct raw values only. The pandas ``*_general`` versions
are the reference the tests hold the fast path to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from caselink.compare import victim
from caselink.compare.context import ValueCounts
from caselink.lists import flatten

if TYPE_CHECKING:
    import pandas as pd


def count_sets(column: pd.Series) -> ValueCounts:
    """Cases having each value of a list field (as ``sets.encode`` counts them): None and empty
    values are left out, a value repeated in one case counts once."""
    import pyarrow as pa

    rows, values = flatten(column)
    with _duck(flat=pa.table({"r": rows, "v": values})) as con:
        found = con.execute("SELECT v, count(DISTINCT r) FROM flat WHERE v <> '' GROUP BY v").fetchall()
        known = con.execute("SELECT count(DISTINCT r) FROM flat WHERE v <> ''").fetchone()
    return ValueCounts({str(v): int(c) for v, c in found}, int(known[0]) if known else 0)


def count_sets_general(column: pd.Series) -> ValueCounts:
    """``count_sets`` in pandas alone: the reference the fast path is tested against."""
    import pandas as pd

    flat = column.reset_index(drop=True).explode()
    flat = flat[flat.notna()].map(str)
    flat = flat[flat != ""]
    pairs = pd.DataFrame({"row": flat.index.to_numpy(), "value": flat.to_numpy(dtype=object)}).drop_duplicates()
    counts = pairs["value"].value_counts()
    return ValueCounts({str(k): int(v) for k, v in counts.items()}, int(pairs["row"].nunique()))


def count_categorical(column: pd.Series) -> ValueCounts:
    """Cases having each value of a single-valued field, cleaned as ``victim.encode_categorical``
    cleans it (the cleaning runs on the distinct raw values only)."""
    raw = column.value_counts(dropna=True)
    col = victim.encode_categorical(raw.index.tolist())
    counts = np.bincount(col.codes[col.codes >= 0], weights=raw.to_numpy()[col.codes >= 0],
                         minlength=len(col.vocab))
    return ValueCounts({v: int(c) for v, c in zip(col.vocab, counts, strict=True)},
                       int(raw.to_numpy()[col.codes >= 0].sum()))


def among(entities: pd.DataFrame, case_ids: Sequence[object]) -> npt.NDArray[np.bool_]:
    """Which rows of ``entities`` belong to one of ``case_ids`` (a hash join, not a Python loop)."""
    import pandas as pd

    index = pd.Index(np.asarray([str(c) for c in case_ids], dtype=object))
    return np.asarray(index.get_indexer(entities["case_id"].astype(object).map(str).to_numpy(dtype=object)) >= 0)


def count_entities(entities: pd.DataFrame, case_ids: Sequence[object]) -> ValueCounts:
    """Cases among ``case_ids`` having each entity token, written as ``entity_tokens`` writes them
    (``kind:value``, value stripped, both lower case; empty values left out)."""
    import pyarrow as pa

    raw = pa.table({"case_id": _strings(entities["case_id"]), "kind": _strings(entities["kind"]),
                    "value": _strings(entities["value"])})
    ids = pa.table({"case_id": pa.array([str(c) for c in case_ids], type=pa.string())})
    with _duck(raw=raw, ids=ids) as con:
        distinct = con.execute("SELECT DISTINCT kind, value FROM raw WHERE value IS NOT NULL").df()
        # the cleaning of the pandas path, on each distinct (kind, value) once
        value = distinct["value"].map(str).str.strip()
        token = distinct["kind"].map(str).str.lower() + ":" + value.str.lower()
        keep = (value != "").to_numpy()
        con.register("tokens", pa.table({
            "kind": pa.array(distinct["kind"].to_numpy(dtype=object)[keep], type=pa.string()),
            "value": pa.array(distinct["value"].to_numpy(dtype=object)[keep], type=pa.string()),
            "token": pa.array(token.to_numpy(dtype=object)[keep], type=pa.string())}))
        matched = ("FROM raw JOIN tokens ON raw.kind IS NOT DISTINCT FROM tokens.kind AND raw.value = tokens.value "
                   "SEMI JOIN ids ON raw.case_id = ids.case_id")
        found = con.execute(f"SELECT token, count(DISTINCT raw.case_id) {matched} GROUP BY token").fetchall()
        known = con.execute(f"SELECT count(DISTINCT raw.case_id) {matched}").fetchone()
    return ValueCounts({str(t): int(c) for t, c in found}, int(known[0]) if known else 0)


def count_entities_general(entities: pd.DataFrame, case_ids: Sequence[object]) -> ValueCounts:
    """``count_entities`` in pandas alone: the reference the fast path is tested against."""
    import pandas as pd

    ent = entities[among(entities, case_ids) & entities["value"].notna().to_numpy()]
    value = ent["value"].map(str).str.strip()
    ent, value = ent[value != ""], value[value != ""]
    tokens = pd.DataFrame({"case": ent["case_id"].astype(str).to_numpy(),
                           "token": (ent["kind"].map(str).str.lower() + ":" + value.str.lower()).to_numpy()})
    tokens = tokens.drop_duplicates()
    return ValueCounts({str(k): int(v) for k, v in tokens["token"].value_counts().items()},
                       int(tokens["case"].nunique()))


def _strings(column: pd.Series) -> Any:
    """A column as Arrow strings, values written with ``str`` (missing stays missing)."""
    import pyarrow as pa

    try:
        return pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all strings: write each with str
        missing = column.isna().to_numpy()
        return pa.array([None if m else str(v) for v, m in zip(column.to_numpy(dtype=object), missing, strict=True)],
                        type=pa.string())


@contextmanager
def _duck(**tables: Any) -> Iterator[Any]:
    """A fresh in-memory DuckDB (no file, no store) with ``tables`` registered under their names."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        for name, table in tables.items():
            con.register(name, table)
        yield con
    finally:
        con.close()
