"""Frames of cases at a fixed density in space and time, for blocking tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

CASES_PER_100KM2_PER_5Y = 1_000


def uniform_frame(n: int, seed: int = 0, no_location: float = 0.05) -> pd.DataFrame:
    """``n`` cases spread uniformly over a square whose area grows with ``n`` (fixed density)."""
    rng = np.random.default_rng(seed)
    side = 10_000 * np.sqrt(n / CASES_PER_100KM2_PER_5Y)
    x, y = rng.uniform(0, side, n), rng.uniform(0, side, n)
    lat = 51.5 + y / 111_195
    lon = -0.1 + x / (111_195 * np.cos(np.radians(51.5)))
    t = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.uniform(0, 5 * 365, n), unit="D")
    missing = rng.random(n) < no_location
    lat[missing], lon[missing] = np.nan, np.nan
    return pd.DataFrame({
        "case_id": [f"C{i:08d}" for i in range(n)], "lat": lat, "lon": lon, "x": np.nan, "y": np.nan,
        "t_from": t, "t_to": t + pd.Timedelta(hours=6), "area": None,
        "circumstances": [None] * n, "substances": [None] * n,
    })
