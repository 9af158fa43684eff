"""Glue between the store and the scan: read the selected cases (audited), scan, raise alerts.

Example:
    >>> with Store.open("caselink.duckdb", user="analyst1") as store:          # doctest: +SKIP
    ...     run = run_scan(store, ScanSettings(max_radius_km=1, max_days=60, seed=1),
    ...                    where="substances has ghb", purpose="OP-ROSE review")
    ...     run.result.clusters[0].p_value
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from caselink import audit
from caselink.alerts import raise_alert
from caselink.scan.geometry import ScanError
from caselink.scan.permutation import ScanCluster, ScanResult, ScanSettings, permutation_scan
from caselink.store import Store, require_purpose


@dataclass(frozen=True)
class ScanInput:
    """The cases a scan sees: ids, coordinates in one system, times; and how many had no place."""

    case_ids: list[str]
    coords: np.ndarray
    system: str
    days: np.ndarray
    without_location: int


@dataclass(frozen=True)
class ScanRun:
    """A scan of the store: the result, what was scanned, and the alerts it raised (ids)."""

    result: ScanResult
    where: str | None
    without_location: int
    alert_ids: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.result.to_dict(), "where": self.where, "without_location": self.without_location,
                "alert_ids": list(self.alert_ids)}


def load_points(store: Store, where: str | None, *, purpose: str | None, command: str) -> ScanInput:
    """Cases matching the filter, with lat/lon (or x/y when more cases have those) and t_from.

    A case counts at ``occurred_from``, its earliest possible time. Cases with no coordinates in
    the chosen system cannot be scanned and are only counted.
    """
    from caselink.filters import compile_filter

    sql, params = "TRUE", []
    if where is not None and where.strip():
        compiled = compile_filter(where)
        sql, params = compiled.sql, list(compiled.params)
    frame = store.frame(["lat", "lon", "x", "y", "t_from"], where=sql, params=params,
                        purpose=purpose, command=command)
    if frame.empty:
        raise ScanError(f"no cases match {where!r}" if where else "the store has no cases to scan")
    latlon = frame["lat"].notna() & frame["lon"].notna()
    planar = frame["x"].notna() & frame["y"].notna()
    system, keep = ("latlon", latlon) if latlon.sum() >= planar.sum() else ("xy", planar)
    cols = ["lat", "lon"] if system == "latlon" else ["x", "y"]
    chosen = frame[keep]
    if len(chosen) < 2:
        raise ScanError(f"only {len(chosen)} of {len(frame)} selected cases have a location "
                        "(lat/lon or x/y): the scan needs at least 2")
    return ScanInput(
        case_ids=chosen["case_id"].tolist(), coords=chosen[cols].to_numpy(dtype=np.float64),
        system=system, days=chosen["t_from"].to_numpy().astype("datetime64[D]"),
        without_location=int(len(frame) - len(chosen)))


def run_scan(
    store: Store, settings: ScanSettings, *, where: str | None = None, purpose: str | None,
    command: str = "scan", alert: bool = False, alert_p: float = 0.05,
    progress: Callable[[int], None] | None = None,
) -> ScanRun:
    """Scan the cases selected by ``where``; with ``alert``, raise a scan alert per cluster at p <= alert_p."""
    purpose = require_purpose(purpose, "scanning cases")
    points = load_points(store, where, purpose=purpose, command=command)
    result = permutation_scan(points.case_ids, points.coords, points.system, points.days, settings, progress)
    alert_ids: tuple[int, ...] = ()
    if alert:
        latest = dict(zip(points.case_ids, points.days.tolist(), strict=True))
        alert_ids = raise_scan_alerts(store, result.clusters, latest, where=where, purpose=purpose,
                                      command=command, alert_p=alert_p)
    return ScanRun(result, where, points.without_location, alert_ids)


def _key(prefix: str, parts: Sequence[str]) -> str:
    return f"{prefix}:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def raise_scan_alerts(
    store: Store, clusters: Sequence[ScanCluster], day_of: dict[str, Any], *, where: str | None,
    purpose: str, command: str, alert_p: float,
) -> tuple[int, ...]:
    """One ``scan`` alert per significant cluster, named by its latest case; idempotent by members."""
    significant = [c for c in clusters if c.p_value <= alert_p]
    new: list[int] = []
    with store.transaction() as con:
        for c in significant:
            latest = max(c.case_ids, key=lambda cid: (day_of[cid], cid))
            title = (f"space-time cluster: {c.observed} cases where {c.expected:.2f} expected, "
                     f"{c.start.isoformat()} to {c.end.isoformat()} within {c.radius_km:.2f} km "
                     f"(p = {c.p_value:.3g})")
            alert_id = raise_alert(
                con, kind="scan", title=title, case_id=latest, related_ids=list(c.case_ids),
                score=1.0 - c.p_value, detail={**c.to_dict(), "where": where},
                dedupe_key=_key("scan", [*c.case_ids, c.start.isoformat(), c.end.isoformat()]))
            if alert_id is not None:
                new.append(alert_id)
        ids = sorted({cid for c in significant for cid in c.case_ids})
        audit.append(con, user=store.user, action="combination", command=command, case_ids=ids,
                     purpose=purpose, detail={"scan_alerts": len(new), "clusters": len(significant)})
    return tuple(new)
