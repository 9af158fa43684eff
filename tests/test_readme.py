"""The README does not fall behind the code: every `caselink ...` command line it shows names a real
command and only options that command has."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from caselink.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def _command_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("caselink "):
                lines.append(line)
    return lines


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = main
    rest = words
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        name = rest[0].split("|")[0]
        sub = command.get_command(click.Context(command), name)
        if sub is None:
            break
        command, rest = sub, rest[1:]
    return command, rest


def _options(command: click.Command) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


def test_readme_shows_commands() -> None:
    assert len(_command_lines()) >= 20


@pytest.mark.parametrize("line", _command_lines())
def test_readme_command_exists_with_its_options(line: str) -> None:
    words = shlex.split(line.replace("[", " ").replace("]", " ").replace("...", " "))[1:]
    command, rest = _resolve(words)
    assert command is not main, f"no command for: {line}"
    assert not isinstance(command, click.Group) or not rest or rest[0].startswith("-") or "|" in rest[0], (
        f"unknown subcommand in: {line}")
    known = _options(command)
    for word in rest:
        if word.startswith("--"):
            option = word.split("=")[0]
            assert option in known, f"{option} is not an option of '{command.name}' (in: {line})"
