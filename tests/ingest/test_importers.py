"""Dataset importers (crimelinkage, SHR, Met homicides) on the real files in ../shared/data."""

from __future__ import annotations

import csv
import gzip
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner

from caselink.cli import main
from caselink.errors import InputError, ValidationFailed
from caselink.store import Store

SHR_FILE = "map_shr_west_1976_2018.csv.gz"
MET_FILE = "met_homicides_2003_2023.csv"
DATASETS = {"crimelinkage": "crimelinkage", "shr": "shr", "met-homicides": "met_homicides"}


def load(store: Store, shared_data: Path, fmt: str) -> None:
    store.ingest([shared_data / DATASETS[fmt]], fmt=fmt, show_progress=False, run_hooks=False)


def frame(store: Store, columns: list[str], where: str = "TRUE", params: tuple[object, ...] = ()) -> pd.DataFrame:
    return store.frame(columns, where=where, params=params, purpose="importer test", command="test")


def items(value: object) -> list[str]:
    """A list cell from a frame: a missing list comes back as pandas NA."""
    if value is None or value is pd.NA:
        return []
    assert isinstance(value, list | tuple | np.ndarray), value
    return [str(v) for v in value]


def problem_places(exc: ValidationFailed) -> set[tuple[str, int, str]]:
    return {(p.source, p.line, p.field) for p in exc.problems}


@pytest.mark.parametrize(("fmt", "expected"), [("crimelinkage", 490), ("met-homicides", 2670)])
def test_counts_stored(store: Store, shared_data: Path, fmt: str, expected: int) -> None:
    load(store, shared_data, fmt)
    assert store.count() == expected


def test_crimelinkage_series_structure(store: Store, shared_data: Path) -> None:
    load(store, shared_data, "crimelinkage")
    df = frame(store, ["status", "series_ids", "x", "y", "circumstances", "occurred_from", "occurred_to"])
    assert Counter(df["status"]) == {"cleared_arrest": 390, "unsolved": 100}
    n_ids = df["series_ids"].map(lambda s: len(items(s)))
    assert ((n_ids > 0) == (df["status"] == "cleared_arrest")).all()
    # co-offending: 294 crimes with 1 offender, 78 with 2, 15 with 3, 3 with 4 (package README)
    assert Counter(n_ids[n_ids > 0]) == {1: 294, 2: 78, 3: 15, 4: 3}
    crimes_per_offender = Counter(s for ids in df["series_ids"] for s in items(ids))
    assert len(crimes_per_offender) == 387
    assert max(crimes_per_offender.values()) == 14
    assert Counter(crimes_per_offender.values()) == {1: 328, 2: 39, 3: 6, 4: 4, 5: 2, 6: 6, 7: 1, 14: 1}
    assert df["x"].notna().all() and df["y"].notna().all()
    c1 = df[df["case_id"] == "C:1"].iloc[0]
    assert sorted(items(c1["circumstances"])) == ["mo1:6", "mo2:a", "mo3:j"]
    assert (c1["occurred_from"], c1["occurred_to"]) == ("1993-01-06T23:55:00Z", "1993-01-07T04:39:00Z")
    c6 = df[df["case_id"] == "C:6"].iloc[0]  # MO2 and MO3 are NA
    assert items(c6["circumstances"]) == ["mo1:7"]


def test_crimelinkage_needs_both_files(store: Store, shared_data: Path, tmp_path: Path) -> None:
    shutil.copy(shared_data / "crimelinkage" / "crimes.csv", tmp_path / "crimes.csv")
    with pytest.raises(InputError, match="offenders file"):
        store.ingest([tmp_path], fmt="crimelinkage", show_progress=False)
    with pytest.raises(InputError, match="no such file"):
        store.ingest([tmp_path / "offenders.csv", tmp_path / "crimes.csv"], fmt="crimelinkage")
    assert store.count() == 0


def test_shr_loads_every_victim_with_sentinels_handled(store: Store, shared_data: Path) -> None:
    load(store, shared_data, "shr")
    assert store.count() == 56_075
    df = frame(store, ["victim_age", "victim_sex", "status", "classification", "area", "weapon",
                       "occurred_from", "occurred_to", "record"])
    assert df["victim_age"].isna().sum() == 828  # vic_age 999
    assert (df["victim_age"] == 0).sum() == 1_147  # infants: 0 is an age, not a missing value
    assert Counter(df["victim_sex"]) == {"M": 40_748, "F": 15_217, "U": 110}
    assert Counter(df["status"]) == {"cleared_other": 43_192, "unsolved": 12_883}
    assert Counter(df["classification"]) == {"homicide": 54_399, "accident": 1_676}
    assert (~df["record"].str.contains('"x_off_age"')).sum() == 14_753  # off_age 999 -> absent
    first = df[df["case_id"] == "shr:27475"].iloc[0]
    assert (first["occurred_from"], first["occurred_to"]) == ("1976-12-01", "1976-12-31")
    king = df[(df["area"] == "King, WA") & (df["victim_sex"] == "F") & (df["weapon"] == "other or type unknown")]
    assert len(king) == 110
    assert (king["status"] == "cleared_other").sum() == 31


def test_shr_month_ends_follow_the_calendar(store: Store, shared_data: Path, tmp_path: Path) -> None:
    header, row = _shr_rows(shared_data, 2)
    row[header.index("year")], row[header.index("month")] = "1984", "2"
    _write_gz(tmp_path / SHR_FILE, [header, row])
    store.ingest([tmp_path], fmt="shr", show_progress=False, run_hooks=False)
    df = frame(store, ["occurred_from", "occurred_to"])
    assert (df["occurred_from"].iloc[0], df["occurred_to"].iloc[0]) == ("1984-02-01", "1984-02-29")


def test_met_unsolved_share_by_ethnicity(store: Store, shared_data: Path) -> None:
    load(store, shared_data, "met-homicides")
    df = frame(store, ["victim_ethnicity", "status", "victim_sex", "circumstances", "occurred_from"])
    share = df.groupby("victim_ethnicity")["status"].apply(lambda s: round(100 * (s == "unsolved").mean(), 1))
    assert share["White"] == 8.8
    assert share["Asian"] == 9.2
    assert share["Black"] == 15.1
    assert share["Not Reported/Not Known"] == 34.8
    assert Counter(df["status"]) == {"cleared_other": 2362, "unsolved": 308}
    assert Counter(df["victim_sex"]) == {"M": 2025, "F": 645}
    domestic = df["circumstances"].map(lambda c: "domestic_abuse" in items(c))
    assert domestic.sum() == 472
    assert df["occurred_from"].min() == "2003-01-01"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", sorted(DATASETS))
def test_reingest_is_idempotent(store: Store, shared_data: Path, fmt: str) -> None:
    load(store, shared_data, fmt)
    before = store.count()
    report = store.ingest([shared_data / DATASETS[fmt]], fmt=fmt, show_progress=False, run_hooks=False)
    assert (report.new, report.updated, report.unchanged) == (0, 0, before)
    assert store.count() == before


def test_corrupted_crimes_file_names_file_line_field(store: Store, shared_data: Path, tmp_path: Path) -> None:
    shutil.copy(shared_data / "crimelinkage" / "offenders.csv", tmp_path / "offenders.csv")
    lines = (shared_data / "crimelinkage" / "crimes.csv").read_text().splitlines()
    assert lines[5].startswith('"C:5",')
    cells = lines[5].split(",")
    cells[1] = "east"  # X
    lines[5] = ",".join(cells)
    lines[9] = lines[9].replace("1993-", "1993-13-", 1)  # DT.FROM of row 10 is not a date
    (tmp_path / "crimes.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed) as info:
        store.ingest([tmp_path], fmt="crimelinkage", show_progress=False)
    assert problem_places(info.value) == {("crimes.csv", 6, "x"), ("crimes.csv", 10, "occurred_from")}
    assert store.count() == 0


def test_corrupted_shr_file_names_file_line_field(store: Store, shared_data: Path, tmp_path: Path) -> None:
    rows = _shr_rows(shared_data, 6)
    bad = {2: ("vic_sex", "Banana"), 4: ("vic_age", "forty"), 5: ("solved", "Maybe")}
    for row_no, (column, value) in bad.items():
        rows[row_no - 1][rows[0].index(column)] = value
    _write_gz(tmp_path / SHR_FILE, rows)
    with pytest.raises(ValidationFailed) as info:
        store.ingest([tmp_path / SHR_FILE], fmt="shr", show_progress=False)
    assert problem_places(info.value) == {(SHR_FILE, 2, "vic_sex"), (SHR_FILE, 4, "victim_age"),
                                          (SHR_FILE, 5, "solved")}
    assert "'Banana' is not one of Male, Female, Unknown" in str(info.value)
    assert store.count() == 0


def test_corrupted_met_file_names_file_line_field(store: Store, shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / "met_homicides" / MET_FILE).read_text().splitlines()
    lines[9] = lines[9].replace(",Solved,", ",Maybe,").replace(",Unsolved,", ",Maybe,")
    lines[19] = lines[19].replace(",2003,", ",20x3,")
    (tmp_path / MET_FILE).write_text("\n".join(lines) + "\n")
    with pytest.raises(ValidationFailed) as info:
        store.ingest([tmp_path], fmt="met-homicides", show_progress=False)
    assert problem_places(info.value) == {(MET_FILE, 10, "Solved_Status"), (MET_FILE, 20, "Year")}
    assert store.count() == 0


def test_cli_ingests_a_dataset_given_as_its_files(cli: CliRunner, shared_data: Path) -> None:
    folder = shared_data / "crimelinkage"
    args = ["ingest", "--format", "crimelinkage", "--no-link", "--json",
            str(folder / "offenders.csv"), str(folder / "crimes.csv")]
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.output)["new"] == 490
    missing = cli.invoke(main, ["ingest", "--format", "crimelinkage", str(folder / "crimes.csv")])
    assert missing.exit_code != 0
    assert "one offenders file" in missing.output


def test_wrong_file_for_format_is_an_input_error(store: Store, shared_data: Path) -> None:
    with pytest.raises(InputError, match="missing column"):
        store.ingest([shared_data / "met_homicides" / MET_FILE], fmt="shr", show_progress=False)


def _shr_rows(shared_data: Path, n: int) -> list[list[str]]:
    """The header and the first n - 1 data rows of the real SHR file, as cells."""
    with gzip.open(shared_data / "shr" / SHR_FILE, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        return [next(reader) for _ in range(n)]


def _write_gz(path: Path, rows: list[list[str]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
