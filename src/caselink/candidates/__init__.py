"""Candidates (blocking): the pairs of cases worth comparing, never all pairs.

A pair is a candidate when any block puts the two cases together:

- **space-time**: within ``space_m`` metres and ``time_days`` days of each other (grid cells of
  ``space_m`` on the ground and time buckets of ``time_days``, neighbouring cells included,
  then the exact distance and interval gap are checked);
- **same place**: within ``near_m`` metres at any time;
- **same MO**: the same incident type and a shared circumstance, within ``mo_space_m`` metres
  and ``mo_time_days`` days;
- **keyed MO** (``caselink.candidates.keyed``): the same incident type and a shared circumstance,
  one block per rarity level of the (type, circumstance) key (``keyed_levels``: upper bounds on
  the share of cases with the key), each starting from ``keyed_space_m`` / ``keyed_time_days``:
  rare keys keep windows of tens of km and years, common ones shrink to the same-MO block's;
- **same type**: the same incident type, within windows starting at twice ``space_m`` and
  ``time_days`` (when the cases have at least two types);
- **no location**: a case with no location is paired with its ``no_location_neighbours``
  nearest cases in time on each side: in the same ``area`` when it has one (any time gap),
  else among all cases within ``no_location_days``; so it is never dropped from linkage;
- **rare fact**: sharing a circumstance or substance that at most ``rare_max_count`` cases
  (and at most ``rare_max_fraction`` of them) have;
- **entity**: sharing an entity value (person, phone, vehicle...) that at most
  ``entity_max_count`` cases have.

Every block is bounded per case, so the number of pairs grows near-linearly with the number of
cases: where cases are dense, each grid block's windows shrink (estimated on a fixed sample)
until a case has at most ``max_partners`` (``max_partners_same_place``, ``max_partners_same_mo``,
``max_partners_keyed`` per level, ``max_partners_same_type``) partners on average; the windows used are reported in ``CandidatePairs.windows``. The joins run in DuckDB on an
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

from caselink.candidates.grid import Located, adapt
from caselink.candidates.keyed import keyed_levels
from caselink.errors import ConfigError
from caselink.lists import flatten

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

_DAY_NS = 86_400e9


@dataclass(frozen=True)
class BlockingConfig:
    """Windows of each block; see the module docstring. All distances in metres, times in days."""

    space_m: float = 5_000.0
    time_days: float = 365.0
    near_m: float = 500.0
    max_partners: int = 100
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
    keyed_levels: tuple[float, ...] = (0.002, 0.01, 0.05, 0.2)
    keyed_space_m: float = 50_000.0
    keyed_time_days: float = 1_095.0
    max_partners_keyed: int = 50
    max_partners_same_type: int = 200

    def __post_init__(self) -> None:
        for name in ("space_m", "time_days", "near_m", "no_location_days", "rare_max_fraction", "mo_space_m",
                     "mo_time_days", "keyed_space_m", "keyed_time_days"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"blocking setting {name} must be positive, got {getattr(self, name)!r}")
        for name in ("no_location_neighbours", "rare_max_count", "entity_max_count", "max_partners",
                     "max_partners_same_place", "max_partners_same_mo", "max_partners_keyed",
                     "max_partners_same_type"):
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


def _times(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Interval start and end in days since the epoch."""
    lo = frame["t_from"].to_numpy(dtype="datetime64[ns]").astype(np.int64) / _DAY_NS
    hi = frame["t_to"].to_numpy(dtype="datetime64[ns]").astype(np.int64) / _DAY_NS
    return lo, np.maximum(hi, lo)


def _located(kind: np.ndarray, u: np.ndarray, v: np.ndarray, lo: np.ndarray, hi: np.ndarray,
             frame: pd.DataFrame) -> tuple[Located, Located]:
    """The located cases as they are, and keyed by (incident type, circumstance)."""
    import pandas as pd

    ll = kind == 0
    max_lat = min(float(np.max(np.abs(v[ll]))), float(np.radians(89.0))) if ll.any() else 0.0
    rows = np.flatnonzero(kind >= 0)
    plain = Located(rows, kind[rows].astype(np.int64), kind, u, v, lo, hi, max_lat)
    mo_rows, mo_key = _type_fact_keys(frame)
    keep = kind[mo_rows] >= 0
    mo_rows, mo_key = mo_rows[keep], mo_key[keep]
    group = pd.factorize(mo_key * 2 + kind[mo_rows])[0].astype(np.int64) if len(mo_rows) else mo_key
    return plain, Located(mo_rows, group, kind, u, v, lo, hi, max_lat)


def _by_type(plain: Located, frame: pd.DataFrame) -> Located:
    """The located cases grouped by incident type (and coordinate system); none when the frame has
    fewer than two types (the block would only repeat the space-time block with wider windows)."""
    import pandas as pd

    t = pd.factorize(frame["incident_type"].astype(str))[0].astype(np.int64) if "incident_type" in frame \
        else np.zeros(len(frame), np.int64)
    rows = plain.rows if len(t) and t.max() > 0 else plain.rows[:0]
    group = pd.factorize(t[rows] * 2 + plain.kind[rows])[0].astype(np.int64)
    return Located(rows, group, plain.kind, plain.u, plain.v, plain.lo, plain.hi, plain.max_lat)


def _type_fact_keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row, key) for every (incident type, circumstance) of every case: the "same MO" block."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if "circumstances" not in frame or "incident_type" not in frame:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows, values = flatten(frame["circumstances"])
    kinds = pa.array(frame["incident_type"].astype(str).to_numpy(dtype=object), type=pa.string())
    labels = pc.binary_join_element_wise(kinds.take(pa.array(rows)), values, "\x1f")
    return rows, pc.dictionary_encode(labels).indices.to_numpy().astype(np.int64)  # ids by first appearance


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
        # within an area, the area bounds the distance: any time gap; else a time window too
        valid &= (group[other] == group[seeker]) & ((gap <= cfg.no_location_days) | (key == "area"))
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
        rows, values = flatten(frame[name])
        parts.append(pd.DataFrame({"row": rows, "key": name, "value": values.to_numpy(zero_copy_only=False)}))
    if not parts:
        return pd.DataFrame({"row": np.empty(0, np.int64), "key": [], "value": [], "is_new": np.empty(0, bool)})
    facts = pd.concat(parts, ignore_index=True).drop_duplicates()
    facts["is_new"] = is_new[facts["row"].to_numpy()]
    return facts


def _entity_table(frame: pd.DataFrame, entities: pd.DataFrame | None, is_new: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    if entities is None or entities.empty:
        return pd.DataFrame({"row": np.empty(0, np.int64), "key": [], "value": [], "is_new": np.empty(0, bool)})
    rows = pd.Index(frame["case_id"].astype(object)).get_indexer(entities["case_id"].astype(object))
    ent = entities[rows >= 0]
    out = pd.DataFrame({"row": rows[rows >= 0].astype(np.int64),
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
    plain, by_mo = _located(kind, u, v, lo, hi, frame)
    levels = keyed_levels(frame, kind, u, v, lo, hi, plain.max_lat, cfg.keyed_levels) \
        if cfg.max_partners_keyed else []
    con = duckdb.connect(":memory:")
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        parts: dict[str, np.ndarray] = {}  # pair keys a * n + b per block
        windows: dict[str, float] = {}
        for name, cases, size, window, cap in (
                ("space_time", plain, cfg.space_m, cfg.time_days, cfg.max_partners),
                ("same_place", plain, cfg.near_m, None, cfg.max_partners_same_place),
                ("same_mo", by_mo, cfg.mo_space_m, cfg.mo_time_days, cfg.max_partners_same_mo),
                ("same_type", _by_type(plain, frame), cfg.space_m * 2, cfg.time_days * 2, cfg.max_partners_same_type),
                *((f"keyed_mo_{i}", cases, cfg.keyed_space_m, cfg.keyed_time_days, cfg.max_partners_keyed)
                  for i, cases in enumerate(levels))):
            if cap == 0 or len(cases.rows) == 0:
                continue
            serve = np.flatnonzero(is_new[cases.rows]) if incremental else None
            grid, size, window = adapt(cases, size, window, cap, serve=serve)
            windows[f"{name}_m"] = round(size, 1)
            if window is not None:
                windows[f"{name}_days"] = round(window, 2)
            if grid is None:  # no new case in this block
                parts[name] = np.empty(0, np.int64)
                continue
            probes = np.flatnonzero(is_new[grid.rows]) if incremental else np.arange(len(grid.rows))
            parts[name] = grid.join(probes, ordered=not incremental, n=n)
        na, nb = _no_location_pairs(kind, lo, hi, area, is_new, cfg)
        parts["no_location"] = na * n + nb
        max_rare = int(min(cfg.rare_max_count, max(2, cfg.rare_max_fraction * n)))
        for name, table, cap in (("rare_fact", _facts_table(frame, cfg.rare_fields, is_new), max_rare),
                                 ("entity", _entity_table(frame, entities, is_new), cfg.entity_max_count)):
            con.register("_vals", table)
            va, vb = _fetch(con, _shared_value_block("_vals", cap, incremental))
            parts[name] = va * n + vb
            con.unregister("_vals")
    finally:
        con.close()
    return _union(parts, n, windows)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[np.ndarray, np.ndarray]:
    res = con.execute(sql).fetchnumpy()
    return np.asarray(res["a"], dtype=np.int64), np.asarray(res["b"], dtype=np.int64)


def _union(parts: dict[str, np.ndarray], n: int, windows: dict[str, float]) -> CandidatePairs:
    """Unique pairs over all blocks, sorted; ``by_block`` counts each block's pairs before union.
    Rows come back as int32 when they fit (half the memory of 100M+ pairs). Each block's keys are
    released as soon as they are copied, and rows are split from keys in slices, so the peak is
    about one copy of the keys plus the result."""
    counts = {name: int(len(k)) for name, k in parts.items()}
    keys = np.empty(sum(counts.values()), dtype=np.int64)
    pos = 0
    for name in list(parts):
        block = parts.pop(name)
        keys[pos:pos + len(block)] = block
        pos += len(block)
        del block
    keys.sort()  # sort + neighbour compare: much faster than np.unique's hashing for int64 keys
    if len(keys):
        fresh = np.empty(len(keys), dtype=bool)
        fresh[0] = True
        np.not_equal(keys[1:], keys[:-1], out=fresh[1:])
        keys = keys[fresh]
        del fresh
    dtype = np.int32 if n < 2**31 else np.int64
    n = max(n, 1)
    a, b = np.empty(len(keys), dtype=dtype), np.empty(len(keys), dtype=dtype)
    step = 1 << 22
    for start in range(0, len(keys), step):
        a[start:start + step], b[start:start + step] = np.divmod(keys[start:start + step], n)
    return CandidatePairs(a, b, counts, windows)


__all__ = ["BlockingConfig", "CandidatePairs", "candidate_pairs"]
