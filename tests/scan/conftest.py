"""Synthetic case data for the scan tests: uniform background plus planted clusters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pytest

from caselink.store import Store

ORIGIN = np.datetime64("2020-01-01")


@dataclass(frozen=True)
class Synthetic:
    """Cases on a square of ``side_m`` metres over ``days`` days; ``planted`` are row indices."""

    case_ids: list[str]
    coords: np.ndarray
    days: np.ndarray
    planted: frozenset[int]


def make_cases(
    rng: np.random.Generator, *, n: int, side_m: float = 10_000.0, days: int = 200,
    plant: int = 0, plant_at: tuple[float, float] | None = None, plant_radius_m: float = 400.0,
    plant_day: int | None = None, plant_span: int = 7,
) -> Synthetic:
    """``n`` background cases uniform in space and time, plus ``plant`` cases close in both."""
    coords = rng.uniform(0, side_m, size=(n, 2))
    when = rng.integers(0, days, n)
    if plant:
        cx, cy = plant_at if plant_at is not None else rng.uniform(0.2 * side_m, 0.8 * side_m, 2)
        angle = rng.uniform(0, 2 * np.pi, plant)
        radius = plant_radius_m * np.sqrt(rng.uniform(0, 1, plant))
        pts = np.column_stack([cx + radius * np.cos(angle), cy + radius * np.sin(angle)])
        start = int(rng.integers(0, days - plant_span)) if plant_day is None else plant_day
        coords = np.vstack([coords, pts])
        when = np.concatenate([when, start + rng.integers(0, plant_span, plant)])
    ids = [f"c{i:05d}" for i in range(len(coords))]
    return Synthetic(ids, coords, ORIGIN + when, frozenset(range(n, n + plant)))


@pytest.fixture
def synthetic() -> Callable[..., Synthetic]:
    return make_cases


def write_jsonl(path: Path, data: Synthetic, *, latlon: bool = False, extra: dict | None = None) -> Path:
    """The synthetic cases as contract records (x/y metres, or lat/lon near London)."""
    lines = []
    for i, cid in enumerate(data.case_ids):
        x, y = data.coords[i]
        rec = {"case_id": cid, "incident_type": "death", "occurred_from": str(data.days[i])}
        if latlon:
            rec.update(lat=float(51.5 + y / 111_320.0),
                       lon=float(-0.1 + x / (111_320.0 * np.cos(np.radians(51.5)))))
        else:
            rec.update(x=float(x), y=float(y))
        rec.update(extra or {})
        lines.append(orjson.dumps(rec))
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.fixture
def loaded_store(store: Store, tmp_path: Path) -> Callable[..., Store]:
    """Load synthetic cases into the test store; returns it."""

    def load(data: Synthetic, **kwargs: object) -> Store:
        store.ingest([write_jsonl(tmp_path / "cases.jsonl", data, **kwargs)], run_hooks=False)
        return store

    return load
