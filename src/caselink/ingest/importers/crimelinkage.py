"""Importer for the crimelinkage example data (Porter & Reich, R package crimelinkage 0.0.4).

Input: ``crimes.csv`` (one burglary per row) and ``offenders.csv`` (one row per offender-crime
link), given as the dataset folder or as the two files; they are told apart by their headers,
and both are needed. Mapping, one case per row of ``crimes.csv``:

- ``case_id`` = ``crimeID`` as given (``C:1``), so ids match the package's own.
- ``x``, ``y`` = ``X``, ``Y``: planar coordinates that the package treats as metres.
- ``occurred_from``/``occurred_to`` = ``DT.FROM``/``DT.TO`` (``YYYY-MM-DD HH:MM:SS``, stored in
  UTC; the contract reads a time without offset as UTC).
- ``incident_type`` = ``burglary`` (the package's data are burglary-style incidents).
- ``circumstances`` = the MO codes as namespaced tags ``mo1:12``, ``mo2:a``, ``mo3:b``: the codes
  only mean something within their variable, so the prefix keeps ``mo2:a`` and ``mo3:a`` apart.
  ``NA`` is a missing value and gives no tag (it is also missing in X, Y and the times).
- ``series_ids`` = every offender linked to the crime in ``offenders.csv`` (a co-offended crime
  gets several). The 5 duplicate rows there count once; offenders' crimes that are not in
  ``crimes.csv`` (987 of them) have no incident record and are ignored.
- ``status`` = ``cleared_arrest`` when the crime has an offender (the package calls these
  solved), ``unsolved`` otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from caselink.errors import InputError
from caselink.ingest.importers import expand_paths, has_columns, mapped
from caselink.ingest.readers import SourceRecord, read_csv

CRIME_COLUMNS = ("crimeID", "X", "Y", "MO1", "MO2", "MO3", "DT.FROM", "DT.TO")
OFFENDER_COLUMNS = ("offenderID", "crimeID")
MO_COLUMNS = ("MO1", "MO2", "MO3")
NA = "NA"
WHAT = "the crimelinkage data (crimes.csv and offenders.csv)"


def read(paths: list[Path]) -> Iterator[SourceRecord]:
    """Yield one record per crime, with its offenders as ``series_ids``."""
    crimes, offenders = _pick_files(expand_paths(paths, (".csv",), WHAT))
    series: dict[str, set[str]] = {}
    for raw in read_csv(offenders, check_header=False):
        if raw.data is None:
            yield raw  # a malformed offenders row is a problem of the whole input
            continue
        offender, crime = raw.data["offenderID"].strip(), raw.data["crimeID"].strip()
        if offender and crime:
            series.setdefault(crime, set()).add(offender)
    for raw in read_csv(crimes, check_header=False):
        if raw.data is None:
            yield raw
            continue
        yield mapped(raw, _case(raw.data, series), [])


def _pick_files(files: list[Path]) -> tuple[Path, Path]:
    crimes = [f for f in files if has_columns(f, CRIME_COLUMNS)]
    offenders = [f for f in files if has_columns(f, OFFENDER_COLUMNS) and f not in crimes]
    if len(crimes) != 1 or len(offenders) != 1:
        names = ", ".join(f.name for f in files)
        raise InputError(
            f"{WHAT} needs exactly one crimes file (columns {', '.join(CRIME_COLUMNS)}) and one "
            f"offenders file (columns {', '.join(OFFENDER_COLUMNS)}); found {len(crimes)} and "
            f"{len(offenders)} among: {names}")
    return crimes[0], offenders[0]


def _value(text: str) -> str | None:
    text = text.strip()
    return None if text in ("", NA) else text


def _case(row: dict[str, str], series: dict[str, set[str]]) -> dict[str, Any]:
    crime_id = row["crimeID"].strip()
    offenders = sorted(series.get(crime_id, ()))
    circumstances = [f"{col.lower()}:{v}" for col in MO_COLUMNS if (v := _value(row[col])) is not None]
    return {
        "case_id": crime_id,
        "incident_type": "burglary",
        "occurred_from": _value(row["DT.FROM"]),
        "occurred_to": _value(row["DT.TO"]),
        "x": _value(row["X"]),
        "y": _value(row["Y"]),
        "circumstances": circumstances,
        "series_ids": offenders,
        "status": "cleared_arrest" if offenders else "unsolved",
    }
