"""Candidates (blocking): the pairs of cases worth comparing, never all pairs.

A pair is a candidate when any block puts the two cases together:

- **space-time**: within ``space_m`` metres and ``time_days`` days of each other (grid cells of
  ``space_m`` on the ground and time buckets of ``time_days``, neighbouring cells included,
  then the exact distance and interval gap are checked);
- **same place**: within ``near_m`` metres at any time;
- **same MO**: the same incident type and a shared circumstance, within ``mo_space_m`` metres
  and ``mo_time_days`` days;
- **no location**: a case with no location is paired with its ``no_location_neighbours``
  nearest cases in time on each side (within ``no_location_days``, in the same ``area`` when it
  has one), so it is never dropped from linkage;
- **rare fact**: sharing a circumstance or substance that at most ``rare_max_count`` cases
  (and at most ``rare_max_fraction`` of them) have;
- **entity**: sharing an entity value (person, phone, vehicle...) that at most
  ``entity_max_count`` cases have.

Every block is bounded per case, so the number of pairs grows near-linearly with the number of
cases: where cases are dense, the space-time and same-place windows shrink (estimated on a fixed
sample) until a case has at most ``max_partners`` (``max_partners_same_place``) partners on
average; the windows used are reported in ``CandidatePairs.windows``. The joins run in DuckDB on an
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

    space_m: float = 5_000.0
    time_days: float = 365.0
    near_m: float = 500.0
    max_partners: int = 150
    max_partners_same_place: int = 30
    mo_space_m: float = 15_000.0
    mo_time_days: float = 730.0
    max_partners_same_mo: int = 100
    no_location_neighbours: int = 25
    no_location_days: float = 90.0
    rare_max_count: int = 50
    rare_max_fraction: float = 0.02
    rare_fields: tuple[str, ...] = ("circumstances", "substances")
    entity_max_count: int = 50

    def __post_init__(self) -> None:
        for name in ("space_m", "time_days", "near_m", "no_location_days", "rare_max_fraction", "mo_space_m",
                     "mo_time_days"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"blocking setting {name} must be positive, got {getattr(self, name)!r}")
        for name in ("no_location_neighbours", "rare_max_count", "entity_max_count", "max_partners",
                     "max_partners_same_place", "max_partners_same_mo"):
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
    windows: dict[str, float] = field(default_factory=dict)  # the windows used after adapting to density

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


def _spatial_sql(size_m: float, time_days: float | None, probe: str, ordered: bool, count: bool) -> str:
    """SQL for a grid join: probe rows expanded to their neighbouring cells (and time buckets)."""
    dt = "range(-1, 2)" if time_days is not None else "range(0, 1)"
    tb = "tb" if time_days is not None else "0"
    gap = f" AND {_GAP_SQL} <= {time_days!r}" if time_days is not None else ""
    order = " AND p.row < c.row" if ordered else ""
    select = "count(*) AS n" if count else "least(p.row, c.row) AS a, greatest(p.row, c.row) AS b"
    return f"""
        WITH probe AS (
            SELECT row, key, kind, u, v, lo, hi, cu + du.d AS cu, cv + dv.d AS cv, {tb} + dtt.d AS tb
            FROM _blk, (SELECT unnest(range(-1, 2)) AS d) du, (SELECT unnest(range(-1, 2)) AS d) dv,
                 (SELECT unnest({dt}) AS d) dtt
            WHERE {probe}
        )
        SELECT {select}
        FROM probe p JOIN _blk c
          ON p.key = c.key AND p.kind = c.kind AND p.cu = c.cu AND p.cv = c.cv AND p.tb = {'c.tb' if time_days is not None else '0'}
        WHERE p.row <> c.row{order} AND {_DIST_SQL.format(r=EARTH_RADIUS_M)} <= {size_m!r}{gap}
    """


class _Located:
    """The located cases' coordinates and times, registered as ``_blk`` for one grid size."""

    def __init__(self, kind: np.ndarray, u: np.ndarray, v: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 is_new: np.ndarray, keys: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        import pandas as pd

        n_all = len(kind)
        sample = np.random.default_rng(0).random(n_all) < min(1.0, 3_000 / max(int((kind >= 0).sum()), 1))
        rows, key = keys if keys is not None else (np.arange(n_all), np.zeros(n_all, dtype=np.int64))
        mask = kind[rows] >= 0
        rows, key = rows[mask], key[mask]
        self.sampled = max(1, int(len(np.unique(rows[sample[rows]]))))
        self.frame = pd.DataFrame({
            "row": rows, "key": key, "kind": kind[rows], "u": u[rows], "v": v[rows], "lo": lo[rows],
            "hi": hi[rows], "is_new": is_new[rows], "sample": sample[rows]})

    def register(self, con: duckdb.DuckDBPyConnection, size_m: float, time_days: float | None) -> None:
        f = self.frame
        f["cu"], f["cv"] = _cells(f["kind"].to_numpy(), f["u"].to_numpy(), f["v"].to_numpy(), size_m)
        f["tb"] = np.floor((f["lo"].to_numpy() + f["hi"].to_numpy()) / 2 / (time_days or 1.0)).astype(np.int64)
        con.register("_blk", f)


def _adapt(con: duckdb.DuckDBPyConnection, cases: _Located, size_m: float, time_days: float | None,
           max_partners: int) -> tuple[float, float | None]:
    """Shrink the windows until the mean number of partners per case is at most ``max_partners``.

    Estimated on a fixed sample of the cases, so a full and an incremental run on the same store
    use the same windows. Partners grow with area times duration, so both shrink together.
    """
    power = 3.0 if time_days is not None else 2.0
    for _ in range(4):
        cases.register(con, size_m, time_days)
        found = con.execute(_spatial_sql(size_m, time_days, "sample", False, True)).fetchall()[0][0]
        partners = found / cases.sampled
        if partners <= max_partners * 1.05:
            break
        f = (max_partners / partners) ** (1.0 / power)
        size_m, time_days = size_m * f, (time_days * f if time_days is not None else None)
    return size_m, time_days


def _type_fact_keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) for every (incident type, circumstance) of every case: the "same MO" block."""
    import pandas as pd

    if "circumstances" not in frame or "incident_type" not in frame:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    col = frame["circumstances"].reset_index(drop=True).explode().dropna()
    rows = col.index.to_numpy(np.int64)
    labels = frame["incident_type"].astype(str).to_numpy()[rows] + "\x1f" + col.astype(str).to_numpy()
    return rows, pd.factorize(labels)[0].astype(np.int64)


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
        plain = _Located(kind, u, v, lo, hi, is_new)
        by_mo = _Located(kind, u, v, lo, hi, is_new, _type_fact_keys(frame))
        parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        windows: dict[str, float] = {}
        for name, cases, size, window, cap in (
                ("space_time", plain, cfg.space_m, cfg.time_days, cfg.max_partners),
                ("same_place", plain, cfg.near_m, None, cfg.max_partners_same_place),
                ("same_mo", by_mo, cfg.mo_space_m, cfg.mo_time_days, cfg.max_partners_same_mo)):
            if cap == 0 or cases.frame.empty:
                continue
            size, window = _adapt(con, cases, size, window, cap)
            windows[f"{name}_m"] = round(size, 1)
            if window is not None:
                windows[f"{name}_days"] = round(window, 2)
            cases.register(con, size, window)
            parts[name] = _fetch(con, _spatial_sql(size, window, "is_new" if incremental else "TRUE",
                                                   not incremental, False))
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
    return _union(parts, n, windows)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[np.ndarray, np.ndarray]:
    res = con.execute(sql).fetchnumpy()
    return np.asarray(res["a"], dtype=np.int64), np.asarray(res["b"], dtype=np.int64)


def _union(parts: dict[str, tuple[np.ndarray, np.ndarray]], n: int, windows: dict[str, float]) -> CandidatePairs:
    """Unique pairs over all blocks, sorted; ``by_block`` counts each block's pairs before union."""
    keys = np.concatenate([a * n + b for a, b in parts.values()]) if parts else np.empty(0, np.int64)
    keys = np.unique(keys)
    return CandidatePairs(keys // max(n, 1), keys % max(n, 1),
                          {name: int(len(a)) for name, (a, _) in parts.items()}, windows)


__all__ = ["BlockingConfig", "CandidatePairs", "candidate_pairs"]
