"""CaseTable: per-case arrays precomputed once, so comparing a pair is a few array lookups.

Build it from ``Store.frame(CaseTable.COLUMNS, purpose=..., command=...)``; row positions in the
table are what ``compare_pairs`` takes. Entities (table ``case_entities``) can be attached later
with ``with_entities``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from caselink.compare import context as context_mod
from caselink.compare import entities as entities_mod
from caselink.compare import geo, sets, victim
from caselink.compare import time as ctime
from caselink.compare.context import StoreContext
from caselink.compare.counts import among, count_categorical, count_entities, count_sets
from caselink.errors import CaselinkError

if TYPE_CHECKING:
    import pandas as pd

FloatArray = npt.NDArray[np.floating[Any]]
DAY_US = 86_400e6


class CompareError(CaselinkError):
    """The cases given to the comparison stage are unusable (e.g. a required column is missing)."""

    code = "compare_error"


def _days(column: Any) -> FloatArray:
    """Timestamps (pandas/numpy datetimes, possibly NaT) as float days since 1970-01-01."""
    values = np.asarray(column, dtype="datetime64[us]")
    out = values.astype(np.int64).astype(np.float64) / DAY_US
    out[np.isnat(values)] = np.nan
    return out


def _floats(df: pd.DataFrame, name: str) -> FloatArray:
    if name not in df:
        return np.full(len(df), np.nan)
    return np.asarray(df[name].astype("float64").to_numpy(na_value=np.nan), dtype=np.float64)


def _objects(df: pd.DataFrame, name: str) -> list[object]:
    if name not in df:
        return [None] * len(df)
    return [None if _is_missing(v) else v for v in df[name].tolist()]


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


CATEGORICALS = ("incident_type", "place_type", "area", "weapon", "victim_sex", "victim_ethnicity")
SET_FIELDS = ("victim_tags", "circumstances", "substances")


def _interval(df: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
    t_from = _days(df["t_from"])
    t_to = _days(df["t_to"]) if "t_to" in df else t_from.copy()
    return t_from, np.where(np.isfinite(t_to), np.maximum(t_to, t_from), t_from)


def _categorical(values: list[object], counts: context_mod.ValueCounts | None) -> victim.Categorical:
    """``victim.encode_categorical`` with each value's info taken from the store's counts."""
    col = victim.encode_categorical(values)
    if counts is None:
        return col
    store = np.array([counts.counts.get(v, 0) for v in col.vocab], dtype=np.float64)
    share = (store + 0.5) / (max(counts.known, 1) + 1.0)
    return replace(col, info=np.append(-np.log2(share), 0.0))


def _set_column(values: list[object] | list[list[str]], counts: context_mod.ValueCounts | None) -> sets.SetColumn:
    """``sets.encode`` with each value's rarity taken from the store's counts (same ordering rule:
    per case the rarest ``MAX_VALUES`` values, ties by value)."""
    if counts is None:
        return sets.encode(values)
    rows = [sorted(set(sets.as_list(v))) for v in values]
    vocab = sorted({v for r in rows for v in r})
    index = {v: i for i, v in enumerate(vocab)}
    store = np.array([counts.counts.get(v, 0) for v in vocab], dtype=np.float64)
    share = (store + 0.5) / (max(counts.known, 1) + 1.0)
    info = np.append(-np.log2(share), 0.0).astype(np.float32)
    keys = sorted({v.split(":", 1)[0] for v in vocab if ":" in v})
    key_index = {k: i for i, k in enumerate(keys)}
    key = np.array([key_index[v.split(":", 1)[0]] if ":" in v else -1 for v in vocab] + [-1], dtype=np.int32)
    width = min(max((len(r) for r in rows), default=0), sets.MAX_VALUES)
    ids = np.full((len(rows), width), -1, dtype=np.int32)
    for i, r in enumerate(rows):
        codes = sorted((index[v] for v in r), key=lambda c: -info[c])[:width]
        ids[i, :len(codes)] = codes
    return sets._with_bits(sets.SetColumn(vocab, ids, info, key, share, (ids >= 0).sum(axis=1).astype(np.int32),
                                          sets._signature(ids), sets._keybits(ids, key, len(keys))))


def entity_tokens(entities: pd.DataFrame, case_ids: Sequence[object]) -> list[list[str]]:
    """Per case in ``case_ids``: its entity values as ``kind:value`` (rows of ``case_entities``)."""
    missing = {"case_id", "kind", "value"} - set(entities.columns)
    if missing:
        raise CompareError(f"the entities frame lacks column(s) {', '.join(sorted(missing))}")
    position = {str(cid): i for i, cid in enumerate(case_ids)}
    per_case: list[list[str]] = [[] for _ in range(len(case_ids))]
    for cid, kind, value in entities[["case_id", "kind", "value"]].itertuples(index=False):
        i = position.get(str(cid))
        if i is not None and not _is_missing(value) and str(value).strip():
            per_case[i].append(f"{str(kind).lower()}:{str(value).strip().lower()}")
    return per_case


def store_context(df: pd.DataFrame, entities: pd.DataFrame | None = None,
                  text: context_mod.TextModel | None = None, fit_text: bool = True) -> StoreContext:
    """The store-level context of the cases in ``df`` (the whole store): value counts, KD-trees of
    locations, sorted time midpoints and a narrative model (``text``, else fitted when ``fit_text``)."""
    lat, lon, x, y = (_floats(df, c) for c in ("lat", "lon", "x", "y"))
    kind = geo.location_kind(lat, lon, x, y)
    ll = kind == geo.LATLON
    lat0 = float(np.deg2rad(np.nanmean(lat[ll]))) if ll.any() else float("nan")
    px, py = _project(kind, lat, lon, x, y, lat0)
    trees = {int(g): cKDTree(np.column_stack([px[kind == g], py[kind == g]]))
             for g in np.unique(kind[kind >= 0])}
    t_from, t_to = _interval(df)
    values = {name: count_categorical(df[name]) for name in CATEGORICALS if name in df}
    values.update({name: count_sets(df[name]) for name in SET_FIELDS if name in df})
    if entities is not None and len(entities):
        values["entities"] = count_entities(entities, df["case_id"].tolist())
    if text is None and fit_text:
        text = context_mod.TextModel.fit(_objects(df, "narrative"))
    return StoreContext(len(df), int((kind >= 0).sum()), np.sort((t_from + t_to) / 2.0), trees, values, text,
                        lat0)


def _project(kind: npt.NDArray[np.int8], lat: FloatArray, lon: FloatArray, x: FloatArray, y: FloatArray,
             lat0: float) -> tuple[FloatArray, FloatArray]:
    """``geo.project`` around a given latitude (the store's), so a few rows project as in the store."""
    px = np.where(kind == geo.PLANAR, x, np.nan)
    py = np.where(kind == geo.PLANAR, y, np.nan)
    ll = kind == geo.LATLON
    px[ll] = geo.EARTH_RADIUS_M * np.deg2rad(lon[ll]) * np.cos(lat0)
    py[ll] = geo.EARTH_RADIUS_M * np.deg2rad(lat[ll])
    return px, py


@dataclass(frozen=True)
class CaseTable:
    """Per-case arrays for comparison. Construct with ``CaseTable.from_frame``."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "case_id", "incident_type", "t_from", "t_to", "t_found", "lat", "lon", "x", "y",
        "place_type", "area", "victim_age", "victim_sex", "victim_ethnicity", "victim_tags",
        "circumstances", "substances", "weapon", "classification", "status", "narrative",
        "series_ids", "actions", "agency",
    )

    case_ids: npt.NDArray[np.object_]
    series: list[tuple[str, ...]]
    loc_kind: npt.NDArray[np.int8]
    lat_r: FloatArray
    lon_r: FloatArray
    x: FloatArray
    y: FloatArray
    space_r: FloatArray
    space_knn: npt.NDArray[np.float32]
    mid_sorted: FloatArray
    t_from: FloatArray
    t_to: FloatArray
    time_r: FloatArray
    tod_hist: FloatArray
    tod_weighted: FloatArray
    dow_hist: FloatArray
    dow_weighted: FloatArray
    incident_type: victim.Categorical
    place_type: victim.Categorical
    area: victim.Categorical
    weapon: victim.Categorical
    victim_sex: victim.Categorical
    victim_ethnicity: victim.Categorical
    victim_age: FloatArray
    victim_tags: sets.SetColumn
    circumstances: sets.SetColumn
    substances: sets.SetColumn
    text_vecs: npt.NDArray[np.float32]
    has_text: npt.NDArray[np.bool_]
    entities: sets.SetColumn | None = None
    entity_roles: entities_mod.EntityRoles | None = None
    store_n: int = 0
    store_located: int = 0
    context: StoreContext | None = None

    def __len__(self) -> int:
        return len(self.case_ids)

    @property
    def located(self) -> int:
        """Number of cases with a location in the store this table was built against."""
        return self.store_located

    @property
    def store_cases(self) -> int:
        """Number of cases in the store this table was built against (>= its own rows)."""
        return self.store_n

    @classmethod
    def from_frame(cls, df: pd.DataFrame, context: StoreContext | None = None) -> CaseTable:
        """Precompute everything comparison needs from the ``cases`` columns (any order of rows).

        Without ``context`` the frame is the whole store. With the ``context`` of a store (see
        ``store_context``), the frame may hold just a few of its cases: pairs among them get the
        same features as in a table of the whole store.
        """
        for required in ("case_id", "t_from"):
            if required not in df:
                raise CompareError(f"the cases frame has no {required!r} column; "
                                   f"select CaseTable.COLUMNS from the store")
        ctx = context if context is not None else store_context(df)
        lat, lon, x, y = (_floats(df, c) for c in ("lat", "lon", "x", "y"))
        kind = geo.location_kind(lat, lon, x, y)
        px, py = _project(kind, lat, lon, x, y, ctx.lat0)
        t_from, t_to = _interval(df)
        tod = ctime.tod_histograms(t_from, t_to)
        dow = ctime.dow_histograms(t_from, t_to)
        tod_d = ctime.circular_distance_matrix(ctime.TOD_BINS, 24.0).astype(np.float32)
        dow_d = ctime.circular_distance_matrix(ctime.DOW_BINS, 7.0).astype(np.float32)
        texts = _objects(df, "narrative")
        vecs, has_text = (ctx.text.vectors(texts) if ctx.text is not None
                          else (np.zeros((len(df), 0), dtype=np.float32), np.zeros(len(df), dtype=bool)))
        knn = context_mod.neighbour_distances(ctx.trees, px, py, kind)
        series = [tuple(sorted({str(s).lower() for s in sets.as_list(v)})) for v in _objects(df, "series_ids")]
        def cat(name: str) -> victim.Categorical:
            return _categorical(_objects(df, name), ctx.values.get(name))

        def lists(name: str) -> sets.SetColumn:
            return _set_column(_objects(df, name), ctx.values.get(name))

        return cls(
            case_ids=np.asarray(df["case_id"].astype(str).to_numpy(), dtype=object),
            series=series, loc_kind=kind,
            lat_r=np.deg2rad(lat), lon_r=np.deg2rad(lon), x=x, y=y,
            space_r=context_mod.radius_from_neighbours(knn, ctx.group_sizes(kind)),
            space_knn=knn, mid_sorted=ctx.mid_sorted,
            t_from=t_from, t_to=t_to, time_r=context_mod.time_radius_at(ctx.mid_sorted, (t_from + t_to) / 2.0),
            tod_hist=tod, tod_weighted=tod @ tod_d, dow_hist=dow, dow_weighted=dow @ dow_d,
            victim_age=_floats(df, "victim_age"), text_vecs=vecs, has_text=has_text,
            incident_type=cat("incident_type"), place_type=cat("place_type"), area=cat("area"),
            weapon=cat("weapon"), victim_sex=cat("victim_sex"), victim_ethnicity=cat("victim_ethnicity"),
            victim_tags=lists("victim_tags"), circumstances=lists("circumstances"), substances=lists("substances"),
            store_n=ctx.cases, store_located=ctx.located, context=ctx,
        )

    def with_entities(self, entities: pd.DataFrame) -> CaseTable:
        """A copy with shared-entity evidence from rows of ``case_entities`` (case_id, kind, value and,
        when present, role): rarity as ``caselink.compare.entities`` counts it, and roles."""
        counts = self.context.values.get("entities") if self.context is not None else None
        ids = list(self.case_ids)
        if "case_id" in entities and len(entities) > 4 * len(ids):  # a few cases of a large store: theirs only
            entities = entities[among(entities, ids)]
        tokens = entity_tokens(entities, ids)
        raw, floor = entities_mod.floored(tokens, counts)
        col = _set_column(tokens, floor)
        roles = entities_mod.entity_roles(col, entities_mod.token_roles(entities, ids), raw)
        return replace(self, entities=col, entity_roles=roles)

    def position(self, case_id: str) -> int:
        """Row position of a case id (raises CompareError if absent)."""
        hits = np.flatnonzero(self.case_ids == case_id)
        if len(hits) == 0:
            raise CompareError(f"case {case_id!r} is not in this table")
        return int(hits[0])
