"""Candidates (blocking): the pairs of cases worth comparing, never all pairs.

A pair is a candidate when any block puts the two cases together:

- **space-time**: within ``space_m`` metres and ``time_days`` days of each other (grid cells of
  ``space_m`` on the ground and time buckets of ``time_days``, neighbouring cells included,
  then the exact distance and interval gap are checked);
- **same place**: within ``near_m`` metres at any time;
- **no location**: a case with no location is paired with its ``no_location_neighbours``
  nearest cases in time on each side (within ``no_location_days``, in the same ``area`` when it
  has one), so it is never dropped from linkage;
- **rare fact**: sharing a circumstance or substance that at most ``rare_max_count`` cases
  (and at most ``rare_max_fraction`` of them) have;
- **entity**: sharing an entity value (person, phone, vehicle...) that at most
  ``entity_max_count`` cases have.

Every block is bounded per case at a fixed density of cases in space and time, so the number
of pairs grows near-linearly with the number of cases. The joins run in DuckDB on an
in-memory copy of the few columns needed; the result is two int arrays of row positions in
the frame given (the row order of a ``caselink.compare.CaseTable`` built from it).

Example:
    >>> pairs = candidate_pairs(frame)              # doctest: +SKIP
    >>> pairs.a, pairs.b, pairs.by_block            # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from caselink.errors import ConfigError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

EARTH_RADIUS_M = 6_371_008.8
_DAY_NS = 86_400e9


@dataclass(frozen=True)
class BlockingConfig:
    """Windows of each block; see the module docstring. All distances in metres, times in days."""

    space_m: float = 2_000.0
    time_days: float = 365.0
    near_m: float = 300.0
    no_location_neighbours: int = 25
    no_location_days: float = 90.0
    rare_max_count: int = 50
    rare_max_fraction: float = 0.02
    rare_fields: tuple[str, ...] = ("circumstances", "substances")
    entity_max_count: int = 50

    def __post_init__(self) -> None:
        for name in ("space_m", "time_days", "near_m", "no_location_days", "rare_max_fraction"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"blocking setting {name} must be positive, got {getattr(self, name)!r}")
        for name in ("no_location_neighbours", "rare_max_count", "entity_max_count"):
            if getattr(self, name) < 0:
                raise ConfigError(f"blocking setting {name} must be zero or more, got {getattr(self, name)!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CandidatePairs:
    """Candidate pairs as row positions, ``a < b``, unique, sorted by (a, b)."""

    a: np.ndarray
    b: np.ndarray
    by_block: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.a.shape[0])


def _coords(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame id (0 lat/lon, 1 x/y, -1 none) and coordinates (radians for lat/lon, metres for x/y)."""
    lat = frame["lat"].to_numpy(dtype=float, na_value=np.nan)
    lon = frame["lon"].to_numpy(dtype=float, na_value=np.nan)
    x = frame["x"].to_numpy(dtype=float, na_value=np.nan) if "x" in frame else np.full(len(frame), np.nan)
    y = frame["y"].to_numpy(dtype=float, na_value=np.nan) if "y" in frame else np.full(len(frame), np.nan)
    has_ll = ~(np.isnan(lat) | np.isnan(lon))
    has_xy = ~(np.isnan(x) | np.isnan(y)) & ~has_ll
    kind = np.where(has_ll, 0, np.where(has_xy, 1, -1)).astype(np.int8)
    u = np.where(has_ll, np.radians(lon), np.where(has_xy, x, np.nan))
    v = np.where(has_ll, np.radians(lat), np.where(has_xy, y, np.nan))
    return kind, u, v


def _cells(kind: np.ndarray, u: np.ndarray, v: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Grid cell indices. Lat/lon cells are ``size_m`` wide at the highest latitude present, so
    a pair within ``size_m`` is always in neighbouring cells (wider cells only add pairs that the
    exact distance check then removes)."""
    cu = np.zeros(len(kind), dtype=np.int64)
    cv = np.zeros(len(kind), dtype=np.int64)
    ll, xy = kind == 0, kind == 1
    if ll.any():
        max_lat = min(float(np.max(np.abs(v[ll]))), np.radians(89.0))
        step_v = size_m / EARTH_RADIUS_M
        step_u = step_v / np.cos(max_lat)
        cu[ll] = np.floor(u[ll] / step_u).astype(np.int64)
        cv[ll] = np.floor(v[ll] / step_v).astype(np.int64)
    if xy.any():
        cu[xy] = np.floor(u[xy] / size_m).astype(np.int64)
        cv[xy] = np.floor(v[xy] / size_m).astype(np.int64)
    return cu, cv


def _times(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Interval start and end in days since the epoch."""
    lo = frame["t_from"].to_numpy(dtype="datetime64[ns]").astype(np.int64) / _DAY_NS
    hi = frame["t_to"].to_numpy(dtype="datetime64[ns]").astype(np.int64) / _DAY_NS
    return lo, np.maximum(hi, lo)


_DIST_SQL = """CASE WHEN p.kind = 0 THEN
    2 * {r} * asin(sqrt(least(1.0, pow(sin((c.v - p.v) / 2), 2)
        + cos(p.v) * cos(c.v) * pow(sin((c.u - p.u) / 2), 2))))
  ELSE sqrt(pow(c.u - p.u, 2) + pow(c.v - p.v, 2)) END"""
_GAP_SQL = "greatest(0.0, c.lo - p.hi, p.lo - c.hi)"


def _spatial_block(con: duckdb.DuckDBPyConnection, size_m: float, time_days: float | None,
                   incremental: bool) -> str:
    """SQL for a grid join: probe rows expanded to their neighbouring cells (and time buckets)."""
    dt = "range(-1, 2)" if time_days is not None else "range(0, 1)"
    tb = "tb" if time_days is not None else "0"
    gap = f" AND {_GAP_SQL} <= {time_days!r}" if time_days is not None else ""
    probe_filter = "WHERE is_new" if incremental else ""
    order = "" if incremental else " AND p.row < c.row"
    return f"""
        WITH probe AS (
            SELECT row, kind, u, v, lo, hi, cu + du.d AS cu, cv + dv.d AS cv, {tb} + dtt.d AS tb
            FROM _blk, (SELECT unnest(range(-1, 2)) AS d) du, (SELECT unnest(range(-1, 2)) AS d) dv,
                 (SELECT unnest({dt}) AS d) dtt
            {probe_filter}
        )
        SELECT least(p.row, c.row) AS a, greatest(p.row, c.row) AS b
        FROM probe p JOIN _blk c
          ON p.kind = c.kind AND p.cu = c.cu AND p.cv = c.cv AND p.tb = {'c.tb' if time_days is not None else '0'}
        WHERE p.row <> c.row{order} AND {_DIST_SQL.format(r=EARTH_RADIUS_M)} <= {size_m!r}{gap}
    """


def _no_location_pairs(kind: np.ndarray, lo: np.ndarray, hi: np.ndarray, area: np.ndarray,
                       is_new: np.ndarray, cfg: BlockingConfig) -> tuple[np.ndarray, np.ndarray]:
    """Each case with no location paired with its nearest cases in time (same area if known)."""
    k = cfg.no_location_neighbours
    seekers = np.flatnonzero(kind < 0) if k else np.empty(0, dtype=np.int64)
    if len(seekers) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    mid = (lo + hi) / 2
    out_a, out_b = [], []
    offsets = np.concatenate([np.arange(-k, 0), np.arange(1, k + 1)])
    # Cases with an area look within that area; cases with none look at every case.
    for key, group in (("area", area), ("all", np.zeros(len(area), dtype=np.int64))):
        use = seekers[area[seekers] >= 0] if key == "area" else seekers[area[seekers] < 0]
        if len(use) == 0:
            continue
        order = np.lexsort((mid, group))
        pos = np.empty(len(order), dtype=np.int64)
        pos[order] = np.arange(len(order))
        cand = pos[use][:, None] + offsets[None, :]
        valid = (cand >= 0) & (cand < len(order))
        other = order[np.clip(cand, 0, len(order) - 1)]
        seeker = np.broadcast_to(use[:, None], other.shape)
        gap = np.maximum(0.0, np.maximum(lo[other] - hi[seeker], lo[seeker] - hi[other]))
        valid &= (group[other] == group[seeker]) & (gap <= cfg.no_location_days)
        valid &= is_new[seeker] | is_new[other]  # incremental: keep pairs touching a new case
        out_a.append(np.minimum(seeker, other)[valid])
        out_b.append(np.maximum(seeker, other)[valid])
    return np.concatenate(out_a), np.concatenate(out_b)


def _shared_value_block(table: str, max_count: int, incremental: bool) -> str:
    """SQL: pairs sharing a (key, value) that at most ``max_count`` cases have."""
    keep_new = "WHERE f1.is_new OR f2.is_new" if incremental else ""
    return f"""
        WITH df AS (SELECT key, value FROM {table} GROUP BY key, value
                    HAVING count(*) BETWEEN 2 AND {int(max_count)}),
             f AS (SELECT t.row, t.key, t.value, t.is_new FROM {table} t JOIN df USING (key, value))
        SELECT f1.row AS a, f2.row AS b FROM f f1 JOIN f f2
          ON f1.key = f2.key AND f1.value = f2.value AND f1.row < f2.row
        {keep_new}
    """


def _facts_table(frame: pd.DataFrame, fields: tuple[str, ...], is_new: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    parts = []
    for name in fields:
        if name not in frame:
            continue
        col = frame[name].reset_index(drop=True).explode().dropna()
        parts.append(pd.DataFrame({"row": col.index.to_numpy(np.int64), "key": name, "value": col.astype(str).values}))
    if not parts:
        return pd.DataFrame({"row": np.empty(0, np.int64), "key": [], "value": [], "is_new": np.empty(0, bool)})
    facts = pd.concat(parts, ignore_index=True).drop_duplicates()
    facts["is_new"] = is_new[facts["row"].to_numpy()]
    return facts


def _entity_table(frame: pd.DataFrame, entities: pd.DataFrame | None, is_new: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    if entities is None or entities.empty:
        return pd.DataFrame({"row": np.empty(0, np.int64), "key": [], "value": [], "is_new": np.empty(0, bool)})
    pos = pd.Series(np.arange(len(frame)), index=frame["case_id"].to_numpy())
    ent = entities[entities["case_id"].isin(pos.index)]
    out = pd.DataFrame({"row": pos[ent["case_id"].to_numpy()].to_numpy(np.int64),
                        "key": ent["kind"].astype(str).to_numpy(),
                        "value": ent["value"].astype(str).str.strip().str.lower().to_numpy()}).drop_duplicates()
    out["is_new"] = is_new[out["row"].to_numpy()]
    return out


def candidate_pairs(
    frame: pd.DataFrame, *, entities: pd.DataFrame | None = None, config: BlockingConfig | None = None,
    new_rows: np.ndarray | None = None, threads: int | None = None,
) -> CandidatePairs:
    """Candidate pairs over the rows of ``frame`` (columns of the ``cases`` table).

    ``entities`` is the ``case_entities`` table (case_id, kind, value), optional. With
    ``new_rows`` (row positions), only pairs with at least one new row are returned: the
    incremental case of linking newly ingested cases against the store.
    """
    import duckdb
    import pandas as pd

    cfg = config or BlockingConfig()
    n = len(frame)
    is_new = np.ones(n, dtype=bool)
    if new_rows is not None:
        is_new = np.zeros(n, dtype=bool)
        is_new[np.asarray(new_rows, dtype=np.int64)] = True
    incremental = new_rows is not None
    kind, u, v = _coords(frame)
    lo, hi = _times(frame)
    area_codes = pd.Series(frame["area"]).astype("string").str.strip().str.lower() if "area" in frame else None
    area = (pd.factorize(area_codes, use_na_sentinel=True)[0].astype(np.int64) if area_codes is not None
            else np.full(n, -1, np.int64))
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        located = kind >= 0
        base = {"row": np.arange(n, dtype=np.int64)[located], "kind": kind[located], "u": u[located],
                "v": v[located], "lo": lo[located], "hi": hi[located], "is_new": is_new[located]}
        parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for name, size, window in (("space_time", cfg.space_m, cfg.time_days), ("same_place", cfg.near_m, None)):
            cu, cv = _cells(kind[located], u[located], v[located], size)
            tb = np.floor((lo[located] + hi[located]) / 2 / (window or 1.0)).astype(np.int64)
            blk = pd.DataFrame({**base, "cu": cu, "cv": cv, "tb": tb})
            con.register("_blk", blk)
            parts[name] = _fetch(con, _spatial_block(con, size, window, incremental))
            con.unregister("_blk")
        parts["no_location"] = _no_location_pairs(kind, lo, hi, area, is_new, cfg)
        max_rare = int(min(cfg.rare_max_count, max(2, cfg.rare_max_fraction * n)))
        for name, table, cap in (("rare_fact", _facts_table(frame, cfg.rare_fields, is_new), max_rare),
                                 ("entity", _entity_table(frame, entities, is_new), cfg.entity_max_count)):
            con.register("_vals", table)
            parts[name] = _fetch(con, _shared_value_block("_vals", cap, incremental))
            con.unregister("_vals")
    finally:
        con.close()
    return _union(parts, n)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[np.ndarray, np.ndarray]:
    res = con.execute(sql).fetchnumpy()
    return np.asarray(res["a"], dtype=np.int64), np.asarray(res["b"], dtype=np.int64)


def _union(parts: dict[str, tuple[np.ndarray, np.ndarray]], n: int) -> CandidatePairs:
    """Unique pairs over all blocks, sorted; ``by_block`` counts each block's pairs before union."""
    keys = np.concatenate([a * n + b for a, b in parts.values()]) if parts else np.empty(0, np.int64)
    keys = np.unique(keys)
    return CandidatePairs(keys // max(n, 1), keys % max(n, 1),
                          {name: int(len(a)) for name, (a, _) in parts.items()})


__all__ = ["BlockingConfig", "CandidatePairs", "candidate_pairs"]
