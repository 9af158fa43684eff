"""Importer for London (Metropolitan Police) homicide victims 2003-2023 (``met_homicides_2003_2023.csv``).

Input: the CSV or its folder; columns Age_Group, Sex, Method_of_Killing, Domestic_Abuse,
Solved_Status, Borough, Ethnicity, Year, BCU. One case per row (per victim). The file has no
dates, places finer than borough, or offender fields. Mapping:

- ``case_id`` = ``met:<n>``, n the victim's 1-based data row (CSV row n + 1, the header being
  row 1), the row number the upstream R data frame gives it. The file has no id of its own, so
  ids are stable only for this file as published.
- ``incident_type`` = ``homicide``; ``occurred_from`` = ``Year``-01-01, ``occurred_to`` =
  ``Year``-12-31 (the year is all the file gives).
- ``area`` = ``Borough``; ``victim_sex``: Male/Female -> M/F.
- ``victim_ethnicity`` = the ``Ethnicity`` label as given (White, Black, Asian, Other,
  Not Reported/Not Known): the labels are the police's, and disparity reports should show them.
- ``weapon`` = ``Method_of_Killing`` label (including "Not Known/Not Recorded", as recorded).
- ``circumstances`` = ``domestic_abuse`` when ``Domestic_Abuse`` is "Domestic Abuse", else none.
- ``status``: Solved -> ``cleared_other`` (the file does not say how it was solved), Unsolved ->
  ``unsolved``.
- Extras: ``x_age_group`` (Age_Group), ``x_bcu`` (BCU, the Basic Command Unit).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from caselink.ingest.importers import lookup, map_rows
from caselink.ingest.readers import SourceRecord

WHAT = "the Met homicide victims file"
COLUMNS = ("Age_Group", "Sex", "Method_of_Killing", "Domestic_Abuse", "Solved_Status", "Borough",
           "Ethnicity", "Year", "BCU")
SEX = {"Male": "M", "Female": "F"}
STATUS = {"Solved": "cleared_other", "Unsolved": "unsolved"}
DOMESTIC = {"Domestic Abuse": ["domestic_abuse"], "Not Domestic Abuse": []}


def read(paths: list[Path]) -> Iterator[SourceRecord]:
    """Yield one record per victim row."""
    yield from map_rows(paths, (".csv",), WHAT, COLUMNS,
                        lambda raw, problems: _case(raw.data or {}, raw.line - 1, problems))


def _case(row: dict[str, str], n: int, problems: list[tuple[str, str]]) -> dict[str, Any]:
    year = row["Year"].strip()
    if not (year.isdigit() and len(year) == 4):
        problems.append(("Year", f"{year!r} is not a four-digit year"))
    domestic = lookup(row, "Domestic_Abuse", DOMESTIC, problems)
    return {
        "case_id": f"met:{n}",
        "incident_type": "homicide",
        "occurred_from": f"{year}-01-01",
        "occurred_to": f"{year}-12-31",
        "area": row["Borough"],
        "victim_sex": lookup(row, "Sex", SEX, problems),
        "victim_ethnicity": row["Ethnicity"],
        "weapon": row["Method_of_Killing"],
        "circumstances": list(domestic or ()),
        "status": lookup(row, "Solved_Status", STATUS, problems),
        "x_age_group": row["Age_Group"].strip(),
        "x_bcu": row["BCU"].strip(),
    }
