"""CaseTable: per-case arrays precomputed once, so comparing a pair is a few array lookups.

Build it from ``Store.frame(CaseTable.COLUMNS, purpose=..., command=...)``; row positions in the
table are what ``compare_pairs`` takes. Entities (table ``case_entities``) can be attached later
with ``with_entities``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import numpy.typing as npt

from caselink.compare import context, geo, sets, text, victim
from caselink.compare import time as ctime
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

    @property
    def located(self) -> int:
        """Number of cases with a location."""
        return int((self.loc_kind >= 0).sum())

    def __len__(self) -> int:
        return len(self.case_ids)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> CaseTable:
        """Precompute everything comparison needs from the ``cases`` columns (any order of rows)."""
        for required in ("case_id", "t_from"):
            if required not in df:
                raise CompareError(f"the cases frame has no {required!r} column; "
                                   f"select CaseTable.COLUMNS from the store")
        lat, lon, x, y = (_floats(df, c) for c in ("lat", "lon", "x", "y"))
        kind = geo.location_kind(lat, lon, x, y)
        px, py = geo.project(kind, lat, lon, x, y)
        t_from = _days(df["t_from"])
        t_to = _days(df["t_to"]) if "t_to" in df else t_from.copy()
        t_to = np.where(np.isfinite(t_to), np.maximum(t_to, t_from), t_from)
        tod = ctime.tod_histograms(t_from, t_to)
        dow = ctime.dow_histograms(t_from, t_to)
        tod_d = ctime.circular_distance_matrix(ctime.TOD_BINS, 24.0).astype(np.float32)
        dow_d = ctime.circular_distance_matrix(ctime.DOW_BINS, 7.0).astype(np.float32)
        vecs, has_text = text.narrative_vectors(_objects(df, "narrative"))
        series = [tuple(sorted({str(s).lower() for s in sets.as_list(v)})) for v in _objects(df, "series_ids")]
        return cls(
            case_ids=np.asarray(df["case_id"].astype(str).to_numpy(), dtype=object),
            series=series, loc_kind=kind,
            lat_r=np.deg2rad(lat), lon_r=np.deg2rad(lon), x=x, y=y,
            space_r=context.space_radius(px, py, kind),
            space_knn=context.space_neighbours(px, py, kind), mid_sorted=np.sort((t_from + t_to) / 2.0),
            t_from=t_from, t_to=t_to, time_r=context.time_radius((t_from + t_to) / 2.0),
            tod_hist=tod, tod_weighted=tod @ tod_d, dow_hist=dow, dow_weighted=dow @ dow_d,
            incident_type=victim.encode_categorical(_objects(df, "incident_type")),
            place_type=victim.encode_categorical(_objects(df, "place_type")),
            area=victim.encode_categorical(_objects(df, "area")),
            weapon=victim.encode_categorical(_objects(df, "weapon")),
            victim_sex=victim.encode_categorical(_objects(df, "victim_sex")),
            victim_ethnicity=victim.encode_categorical(_objects(df, "victim_ethnicity")),
            victim_age=_floats(df, "victim_age"),
            victim_tags=sets.encode(_objects(df, "victim_tags")),
            circumstances=sets.encode(_objects(df, "circumstances")),
            substances=sets.encode(_objects(df, "substances")),
            text_vecs=vecs, has_text=has_text,
        )

    def with_entities(self, entities: pd.DataFrame) -> CaseTable:
        """A copy with shared-entity evidence from rows of ``case_entities`` (case_id, kind, value)."""
        missing = {"case_id", "kind", "value"} - set(entities.columns)
        if missing:
            raise CompareError(f"the entities frame lacks column(s) {', '.join(sorted(missing))}")
        position = {cid: i for i, cid in enumerate(self.case_ids)}
        per_case: list[list[str]] = [[] for _ in range(len(self))]
        for cid, kind, value in entities[["case_id", "kind", "value"]].itertuples(index=False):
            i = position.get(str(cid))
            if i is not None and not _is_missing(value) and str(value).strip():
                per_case[i].append(f"{str(kind).lower()}:{str(value).strip().lower()}")
        return replace(self, entities=sets.encode(per_case))

    def position(self, case_id: str) -> int:
        """Row position of a case id (raises CompareError if absent)."""
        hits = np.flatnonzero(self.case_ids == case_id)
        if len(hits) == 0:
            raise CompareError(f"case {case_id!r} is not in this table")
        return int(hits[0])
