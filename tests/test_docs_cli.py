"""docs/cli.md agrees with the CLI: its commands, exit codes, environment variables and completion."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

import caselink.accounts.errors  # noqa: F401  (its error classes have exit codes too)
from caselink import cli
from caselink.errors import CaselinkError

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return DOC.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def test_every_command_in_help_is_documented_and_no_other() -> None:
    out = CliRunner().invoke(cli.main, ["--help"]).output
    in_help = set(re.findall(r"^  ([a-z][a-z-]*)  ", out.split("Commands:", 1)[1], flags=re.M))
    documented = set(re.findall(r"`([a-z][a-z-]*)[` ]", "\n".join(
        line.split("|")[1] for line in _section("Commands").splitlines() if line.startswith("| `"))))
    assert in_help == documented, (in_help ^ documented)


def _subclasses(cls: type) -> set[type]:
    return {cls} | {s for sub in cls.__subclasses__() for s in _subclasses(sub)}


def test_every_exit_code_is_documented() -> None:
    codes = {c.exit_code for c in _subclasses(CaselinkError)} | {0, 2}
    rows = {int(m) for m in re.findall(r"^\| (\d+) \|", _section("Exit codes"), flags=re.M)}
    assert codes == rows


def test_every_environment_variable_is_documented() -> None:
    used = {m for p in (ROOT / "src").rglob("*.py") for m in re.findall(r"CASELINK_[A-Z_]+", p.read_text(encoding="utf-8"))}
    documented = set(re.findall(r"`(CASELINK_[A-Z_]+)`", _section("Environment variables")))
    assert used == documented, used ^ documented


def test_the_documented_completion_line_produces_a_script() -> None:
    assert "_CASELINK_COMPLETE=bash_source caselink" in DOC
    result = CliRunner().invoke(cli.main, [], prog_name="caselink", env={"_CASELINK_COMPLETE": "bash_source"})
    assert "complete" in result.output and "_CASELINK_COMPLETE" in result.output
