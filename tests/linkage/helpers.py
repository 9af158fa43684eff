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


PLACES = ["residence", "street", "park", "hotel", "river", "shop", "pub"]
CIRCS = ["forced_entry", "robbery_motive", "argument", "domestic", "knife_wound", "blunt_force", "alcohol_party"]
SUBSTS = ["alcohol", "cocaine", "heroin", "cannabis"]


def background_records(n: int, seed: int = 1) -> list[dict[str, object]]:
    """Unrelated cases spread over London in 2013-2015 with varied, common attributes."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, object]] = []
    for i in range(n):
        day = pd.Timestamp("2013-01-01") + pd.Timedelta(days=int(rng.integers(0, 3 * 365)),
                                                        hours=int(rng.integers(0, 24)))
        rec: dict[str, object] = {
            "case_id": f"BG{i:05d}", "incident_type": str(rng.choice(["death", "assault", "robbery", "homicide"])),
            "occurred_from": day.isoformat(), "lat": float(51.35 + rng.random() * 0.3),
            "lon": float(-0.4 + rng.random() * 0.6), "place_type": str(rng.choice(PLACES)),
            "victim_age": int(rng.integers(16, 90)), "victim_sex": str(rng.choice(["M", "F"])),
            "circumstances": sorted({str(c) for c in rng.choice(CIRCS, size=int(rng.integers(0, 3)))}),
            "substances": sorted({str(s) for s in rng.choice(SUBSTS, size=int(rng.integers(0, 2)))}),
            "narrative": f"Victim found at a {rng.choice(PLACES)} after an {rng.choice(['argument', 'incident'])}.",
        }
        out.append(rec)
    return out


def barking_series() -> list[dict[str, object]]:
    """Four deaths like the Barking case: young gay men, GHB, met online, a few hundred metres apart."""
    base = [("2014-06-19T04:00", 51.5390, 0.0810, 23), ("2014-08-28T05:00", 51.5400, 0.0790, 22),
            ("2014-09-20T06:00", 51.5385, 0.0825, 21), ("2015-09-14T05:00", 51.5395, 0.0805, 25)]
    return [{
        "case_id": f"BARK-{k + 1}", "incident_type": "death", "occurred_from": t, "lat": lat, "lon": lon,
        "place_type": "churchyard" if k else "street", "area": "Barking and Dagenham", "victim_age": age,
        "victim_sex": "M", "victim_tags": ["gay"], "circumstances": ["drugged", "met_online", "body_moved"],
        "substances": ["ghb"], "classification": "non_suspicious",
        "narrative": "Young man found dead, GHB overdose suspected; met a man online the night before; body moved.",
    } for k, (t, lat, lon, age) in enumerate(base)]


def write_jsonl(path: object, records: list[dict[str, object]]) -> None:
    import json
    from pathlib import Path

    Path(str(path)).write_text("".join(json.dumps(r) + "\n" for r in records))
