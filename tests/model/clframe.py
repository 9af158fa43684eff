"""The crimelinkage data as a ``cases`` frame, read straight from the CSVs.

Same mapping as the crimelinkage importer (x/y metres, DT.FROM/DT.TO, ``mo1:<v>`` circumstances,
offender ids as series), so model tests do not depend on the store or the importer.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def crimelinkage_frame(folder: Path) -> pd.DataFrame:
    crimes = pd.read_csv(folder / "crimes.csv", dtype=str, keep_default_na=False)
    offenders = pd.read_csv(folder / "offenders.csv", dtype=str).drop_duplicates()
    series = offenders.groupby("crimeID")["offenderID"].apply(lambda s: sorted(v.lower() for v in s))
    circ = [
        [f"{c.lower()}:{row[c].lower()}" for c in ("MO1", "MO2", "MO3") if row[c] not in ("", "NA")]
        for _, row in crimes.iterrows()
    ]
    return pd.DataFrame({
        "case_id": crimes["crimeID"],
        "incident_type": "burglary",
        "t_from": pd.to_datetime(crimes["DT.FROM"]),
        "t_to": pd.to_datetime(crimes["DT.TO"]),
        "x": pd.to_numeric(crimes["X"], errors="coerce"),
        "y": pd.to_numeric(crimes["Y"], errors="coerce"),
        "circumstances": circ,
        "series_ids": [series.get(c, []) for c in crimes["crimeID"]],
    })
