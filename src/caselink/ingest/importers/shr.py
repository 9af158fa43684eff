"""Importer for the Murder Accountability Project's SHR extract (``map_shr_west_1976_2018.csv.gz``).

Input: the gzip (or plain) CSV, or its folder. Rows are streamed one at a time (no data frame),
so memory stays flat whatever the file's size. One case per row, i.e. per victim (victims of one
incident share ``mapid``, kept as ``x_mapid``). Mapping:

- ``case_id`` = ``shr:<rowid>``; ``incident_type`` = ``homicide``.
- ``occurred_from`` = the first day of ``year``/``month``, ``occurred_to`` = the last day of that
  month, both dates: SHR records no day of month. (``use_date`` is a processing date, not used.)
- ``area`` = ``cnty_name`` ("King, WA"); ``agency`` = ``agency``.
- ``status``: ``solved`` Yes -> ``cleared_other`` (MAP's "solved" means the offender is known to
  SHR, not a clearance by arrest), No -> ``unsolved``.
- ``classification``: "Murder and non-negligent manslaughter" -> ``homicide``, "Manslaughter by
  negligence" -> ``accident``.
- ``victim_age`` = ``vic_age``; 999 is SHR's "unknown" and becomes missing; 0 is kept (infants).
- ``victim_sex``: Male/Female/Unknown -> M/F/U; ``victim_ethnicity`` = the ``vic_race`` label.
- ``weapon`` = the ``weapon`` label; ``circumstances`` = the ``circumstance`` and ``situation``
  labels as tags (lower-cased by validation; "Circumstances undetermined" is kept: it is what
  the agency reported, and it is common enough to weigh little in linkage).
- Extras kept as ``x_`` fields: ``x_state`` (state_abbr), ``x_msa`` (msa_name), ``x_fip``,
  ``x_ori``, ``x_mapid``, ``x_homicide_type``, ``x_relationship``, ``x_off_age`` (999 -> absent),
  ``x_off_sex``, ``x_off_race``, ``x_vic_ethnic``. The "Unknown" labels are kept as given.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from caselink.ingest.importers import lookup, map_rows
from caselink.ingest.readers import SourceRecord

WHAT = "the MAP SHR extract"
UNKNOWN_AGE = "999"
SEX = {"Male": "M", "Female": "F", "Unknown": "U"}
STATUS = {"Yes": "cleared_other", "No": "unsolved"}
CLASSIFICATION = {
    "Murder and non-negligent manslaughter": "homicide",
    "Manslaughter by negligence": "accident",
}
# x_ field -> source column, copied as given.
EXTRAS = {
    "x_state": "state_abbr", "x_msa": "msa_name", "x_fip": "fip", "x_ori": "ori", "x_mapid": "mapid",
    "x_homicide_type": "homicide_type", "x_relationship": "relationship", "x_off_sex": "off_sex",
    "x_off_race": "off_race", "x_vic_ethnic": "vic_ethnic",
}
COLUMNS = (
    "rowid", "year", "month", "cnty_name", "agency", "solved", "homicide_type", "vic_age", "vic_sex",
    "vic_race", "off_age", "weapon", "circumstance", "situation", *EXTRAS.values(),
)


def read(paths: list[Path]) -> Iterator[SourceRecord]:
    """Yield one record per victim row of each SHR file given."""
    yield from map_rows(paths, (".csv.gz", ".csv"), WHAT, COLUMNS,
                        lambda raw, problems: _case(raw.data or {}, problems))


def _case(row: dict[str, str], problems: list[tuple[str, str]]) -> dict[str, Any]:
    first, last = _month_span(row["year"], row["month"], problems)
    data: dict[str, Any] = {
        "case_id": f"shr:{row['rowid'].strip()}",
        "incident_type": "homicide",
        "occurred_from": first,
        "occurred_to": last,
        "area": row["cnty_name"],
        "agency": row["agency"],
        "status": lookup(row, "solved", STATUS, problems),
        "classification": lookup(row, "homicide_type", CLASSIFICATION, problems),
        "victim_age": _age(row["vic_age"]),
        "victim_sex": lookup(row, "vic_sex", SEX, problems),
        "victim_ethnicity": row["vic_race"],
        "weapon": row["weapon"],
        "circumstances": [row["circumstance"], row["situation"]],
    }
    for name, column in EXTRAS.items():
        data[name] = row[column].strip()
    off_age = _age(row["off_age"])
    if off_age is not None:
        if off_age.isdigit():
            data["x_off_age"] = int(off_age)
        else:
            problems.append(("off_age", f"{off_age!r} is not an integer"))
    return data


def _age(text: str) -> str | None:
    """The age as given (validation checks it), or None for SHR's unknown-age code 999."""
    text = text.strip()
    return None if text in ("", UNKNOWN_AGE) else text


def _month_span(year: str, month: str, problems: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """First and last day of the month, as ISO dates."""
    try:
        y = int(year)
    except ValueError:
        problems.append(("year", f"{year!r} is not a year"))
        return None, None
    m = int(month) if month.strip().isdigit() else 0
    if not 1 <= m <= 12:
        problems.append(("month", f"{month!r} is not a month number 1-12"))
        return None, None
    try:
        first = date(y, m, 1)
    except ValueError:
        problems.append(("year", f"{year!r} is not a year"))
        return None, None
    last = first.replace(day=calendar.monthrange(y, m)[1])
    return first.isoformat(), last.isoformat()
