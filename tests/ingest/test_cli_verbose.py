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


def test_history_reads_as_text_not_python(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    first = valid_record(0)
    first.pop("substances", None)
    path.write_text(json.dumps(first) + "\n")
    assert cli.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0
    path.write_text(json.dumps({**first, "substances": ["ghb", "alcohol"]}) + "\n")
    assert cli.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0
    out = cli.invoke(main, ["history", first["case_id"], "--purpose", "review"])
    assert out.exit_code == 0, out.output
    assert "    substances: (none) -> alcohol, ghb" in out.output
    assert "None" not in out.output and "['" not in out.output


def test_show_reads_as_text_not_json(cli: CliRunner, tmp_path: Path) -> None:
    record = {**valid_record(0), "entities": [{"kind": "phone", "role": "reporter", "value": "07700 900654"}]}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert cli.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0
    out = cli.invoke(main, ["show", record["case_id"], "--purpose", "review"]).output
    assert "phone reporter 07700 900654" in out
    assert "{" not in out and "['" not in out
    data = json.loads(cli.invoke(main, ["show", record["case_id"], "--purpose", "review", "--json"]).output)
    assert data["entities"][0]["value"] == "07700 900654"
