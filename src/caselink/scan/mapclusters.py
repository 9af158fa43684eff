"""The Murder Accountability Project (MAP) rule: groups of homicides with very low solution rates.

MAP groups homicides by geography (county or metro area), victim sex and weapon/method, and
looks at groups whose solved share is very low; the Green River killings show as female victims
in King County, WA killed by "other or type unknown" means. Here "solved" is a status of
``cleared_arrest``, ``cleared_other`` or ``closed``.

Example:
    >>> found = map_clusters(store, MapSettings(level="county", victim_sex="F"),
    ...                      purpose="MAP review")                          # doctest: +SKIP
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from caselink import audit
from caselink.alerts import raise_alert
from caselink.errors import CaselinkError
from caselink.schema.fields import VICTIM_SEXES
from caselink.store import Store, require_purpose

SOLVED = ("cleared_arrest", "cleared_other", "closed")
LEVELS = {"county": "area", "msa": "x_msa"}


class ClusterRuleError(CaselinkError):
    """Settings of the MAP rule that cannot be used; the message says which and why."""

    code = "cluster_rule_error"


def parse_years(text: str | None) -> tuple[int, int] | None:
    """``"1976-2018"`` or ``"1982"`` to an inclusive year range."""
    if text is None or not text.strip():
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", text)
    if not m:
        raise ClusterRuleError(f"years must look like 1976-2018 or 1982, got {text!r}")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if first > last:
        raise ClusterRuleError(f"years: {first} is after {last}")
    return first, last


@dataclass(frozen=True)
class MapSettings:
    """Grouping level (``county``, ``msa`` or a field name), threshold, minimum and selection."""

    level: str = "county"
    threshold: float = 0.33
    min_victims: int = 10
    years: tuple[int, int] | None = None
    victim_sex: str | None = None
    where: str | None = None
    incident_type: str = "homicide"

    def __post_init__(self) -> None:
        if not 0 <= self.threshold <= 1:
            raise ClusterRuleError(f"threshold is a solved share in [0, 1], got {self.threshold}")
        if self.min_victims < 1:
            raise ClusterRuleError(f"minimum victims must be at least 1, got {self.min_victims}")
        if self.victim_sex is not None and self.victim_sex.upper() not in VICTIM_SEXES:
            raise ClusterRuleError(f"victim sex must be one of {', '.join(VICTIM_SEXES)}, "
                                   f"got {self.victim_sex!r}")


@dataclass(frozen=True)
class MapCluster:
    """One flagged group: its keys, victims, solved count and share, and the case ids."""

    level: str
    geography: str
    victim_sex: str | None
    weapon: str | None
    victims: int
    solved: int
    case_ids: tuple[str, ...]
    first_year: int
    last_year: int
    latest_case_id: str

    @property
    def unsolved(self) -> int:
        return self.victims - self.solved

    @property
    def solved_share(self) -> float:
        return self.solved / self.victims

    def to_dict(self) -> dict[str, Any]:
        return {
            "keys": {self.level: self.geography, "victim_sex": self.victim_sex, "weapon": self.weapon},
            "victims": self.victims, "solved": self.solved, "unsolved": self.unsolved,
            "solved_share": round(self.solved_share, 4), "first_year": self.first_year,
            "last_year": self.last_year, "case_ids": list(self.case_ids),
        }


def _geography_sql(level: str) -> str:
    from caselink.filters import FilterError, resolve_field

    name = LEVELS.get(level.lower(), level)
    try:
        column = resolve_field(name)
    except FilterError as exc:
        raise ClusterRuleError(f"--level {level!r}: {str(exc).split(': ', 2)[-1]}") from exc
    if column.kind == "list":
        raise ClusterRuleError(f"--level {level!r} is a list field; group by a single-valued field")
    return column.sql


def _selection(settings: MapSettings) -> tuple[str, list[Any]]:
    from caselink.filters import compile_filter

    parts: list[str] = ["incident_type = ?"]
    params: list[Any] = [settings.incident_type]
    if settings.years is not None:
        parts.append("year(t_from) BETWEEN ? AND ?")
        params += list(settings.years)
    if settings.victim_sex is not None:
        parts.append("victim_sex = ?")
        params.append(settings.victim_sex.upper())
    if settings.where and settings.where.strip():
        compiled = compile_filter(settings.where)
        parts.append(f"({compiled.sql})")
        params += list(compiled.params)
    return " AND ".join(parts), params


def map_clusters(store: Store, settings: MapSettings, *, purpose: str | None,
                 command: str = "clusters") -> list[MapCluster]:
    """Groups at or below the solved-share threshold with at least the minimum victims.

    Sorted by the number unsolved (most first), then victims. Cases with no value at the
    grouping level are left out (they belong to no place).
    """
    purpose = require_purpose(purpose, "looking for clusters")
    geo = _geography_sql(settings.level)
    where, params = _selection(settings)
    frame = store.frame(
        [f"{geo} AS geography", "victim_sex", "weapon", "status", "t_from", "year(t_from) AS year"],
        where=f"{where} AND {geo} IS NOT NULL", params=params, purpose=purpose, command=command)
    frame["is_solved"] = frame["status"].isin(SOLVED)
    found: list[MapCluster] = []
    keys = ["geography", "victim_sex", "weapon"]
    for (geography, sex, weapon), group in frame.groupby(keys, dropna=False, sort=True):
        victims, solved = len(group), int(group["is_solved"].sum())
        if victims < settings.min_victims or solved > settings.threshold * victims:
            continue
        found.append(MapCluster(
            level=settings.level, geography=str(geography), victim_sex=_none(sex), weapon=_none(weapon),
            victims=victims, solved=solved, case_ids=tuple(sorted(group["case_id"])),
            first_year=int(group["year"].min()), last_year=int(group["year"].max()),
            latest_case_id=str(group.sort_values(["t_from", "case_id"])["case_id"].iloc[-1])))
    found.sort(key=lambda c: (-c.unsolved, -c.victims, c.geography, c.weapon or ""))
    return found


def _none(value: Any) -> str | None:
    return None if value is None or value != value else str(value)  # NaN != NaN


def raise_cluster_alerts(store: Store, clusters: Sequence[MapCluster], *, purpose: str,
                         command: str = "clusters") -> tuple[int, ...]:
    """One ``cluster`` alert per flagged group; the same group with the same counts is one alert."""
    new: list[int] = []
    with store.transaction() as con:
        for c in clusters:
            title = (f"{c.unsolved} of {c.victims} unsolved: {c.victim_sex or 'any'} victims, "
                     f"{c.weapon or 'unknown means'}, {c.geography} ({c.first_year}-{c.last_year})")
            key = (f"cluster:map:{c.level}:{c.geography}|{c.victim_sex}|{c.weapon}:"
                   f"{c.victims}/{c.solved}")
            alert_id = raise_alert(con, kind="cluster", title=title, case_id=c.latest_case_id,
                                   related_ids=list(c.case_ids), score=1.0 - c.solved_share,
                                   detail={k: v for k, v in c.to_dict().items() if k != "case_ids"},
                                   dedupe_key=key)
            if alert_id is not None:
                new.append(alert_id)
        ids = sorted({cid for c in clusters for cid in c.case_ids})
        audit.append(con, user=store.user, action="combination", command=command, case_ids=ids,
                     purpose=purpose, detail={"cluster_alerts": len(new), "clusters": len(clusters)})
    return tuple(new)
