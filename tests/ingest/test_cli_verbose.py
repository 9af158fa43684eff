"""`ingest` prints what was loaded for a person; timings only with --verbose (always in --json)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.corpus import valid_record

from caselink.cli import main


def test_ingest_timings_only_when_asked(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(3)))
    plain = cli.invoke(main, ["ingest", str(path), "--no-link"])
    assert plain.exit_code == 0 and "3 records read: 3 new" in plain.output
    assert "seconds" not in plain.output
    path.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(4)))
    verbose = cli.invoke(main, ["ingest", str(path), "--no-link", "--verbose"])
    assert verbose.exit_code == 0 and "seconds: {" in verbose.output
    path.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(5)))
    data = json.loads(cli.invoke(main, ["ingest", str(path), "--no-link", "--json"]).output)
    assert "seconds" in data["extra"]
