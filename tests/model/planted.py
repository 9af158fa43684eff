"""A small synthetic world with planted structure, for parameter-recovery and calibration tests.

Series (one offender each, 3 cases) are tight in space (~300 m) and time (~10 days) and usually
share one rare circumstance; background cases are spread uniformly over 20 km and two years and
share only common facts (and, now and then, a rare one by chance). Every case is solved: series
cases carry their offender, background cases a unique one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def planted_frame(n_series: int = 120, n_background: int = 900, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    t0 = pd.Timestamp("2016-01-01")
    common = ["mo:forced_entry", "mo:night", "mo:weekend"]

    def facts(rare: str | None) -> list[str]:
        out = [c for c in common if rng.random() < 0.5]
        if rare is not None:
            out.append(rare)
        return out

    for s in range(n_series):
        cx, cy = rng.uniform(0, 20_000, 2)
        day0 = rng.uniform(0, 700)
        rare = f"rare:{s}"
        for k in range(3):
            rows.append({"case_id": f"s{s}-{k}", "x": cx + rng.normal(0, 300), "y": cy + rng.normal(0, 300),
                         "day": day0 + rng.normal(0, 10),
                         "circumstances": facts(rare if rng.random() < 0.8 else None),
                         "series_ids": [f"o:{s}"]})
    for i in range(n_background):
        rare = f"rare:{rng.integers(0, n_series)}" if n_series and rng.random() < 0.1 else None
        rows.append({"case_id": f"b{i}", "x": rng.uniform(0, 20_000), "y": rng.uniform(0, 20_000),
                     "day": rng.uniform(0, 730), "circumstances": facts(rare), "series_ids": [f"bg:{i}"]})
    df = pd.DataFrame(rows)
    df["t_from"] = t0 + pd.to_timedelta(df.pop("day"), unit="D")
    df["t_to"] = df["t_from"] + pd.to_timedelta(rng.exponential(0.3, len(df)), unit="D")
    df["incident_type"] = "burglary"
    return df
