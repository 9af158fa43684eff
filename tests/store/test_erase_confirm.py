"""`erase` never erases without a yes: it asks on a terminal and refuses without one."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from tests.corpus import valid_record

from caselink.cli import main
from caselink.store import Store


def _load(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(valid_record(i)) + "\n" for i in range(2)))
    assert cli.invoke(main, ["ingest", str(path), "--no-link"]).exit_code == 0


def _cases(db_path: Path) -> int:
    with Store.open(db_path, user="t") as s:
        return int(s.con.execute("SELECT count(*) FROM cases").fetchone()[0])


def test_erase_without_yes_and_without_a_terminal_refuses(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    case_id = valid_record(0)["case_id"]
    result = cli.invoke(main, ["erase", case_id, "--reason", "test"], input="y\n")  # stdin is not a terminal
    assert result.exit_code != 0
    assert "--yes" in result.output
    assert _cases(db_path) == 2


def test_erase_with_yes_erases(cli: CliRunner, db_path: Path, tmp_path: Path) -> None:
    _load(cli, tmp_path)
    result = cli.invoke(main, ["erase", valid_record(0)["case_id"], "--reason", "test", "--yes"])
    assert result.exit_code == 0, result.output
    assert _cases(db_path) == 1
