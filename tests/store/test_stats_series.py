"""`stats` counts series of two or more cases apart from series ids that name one case."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.corpus import valid_record

from caselink.cli import main


def test_stats_separates_one_case_series_ids(cli: CliRunner, tmp_path: Path) -> None:
    records = [valid_record(0, series_ids=["S1"]), valid_record(1, series_ids=["S1", "S2"]),
               valid_record(2, series_ids=["S3"]), valid_record(3)]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert cli.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0
    data = json.loads(cli.invoke(main, ["stats", "--json"]).output)
    assert (data["series"], data["series_with_2_or_more_cases"], data["series_ids_with_one_case"]) == (3, 1, 2)
    human = cli.invoke(main, ["stats"]).output
    assert "(of 2 or more cases; 2 more series ids name one case)" in human
    assert [line.split()[:2] for line in human.splitlines() if line.startswith("series")] == [["series", "1"]]
