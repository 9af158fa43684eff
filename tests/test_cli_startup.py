"""`caselink --help` loads no heavy library; a command loads only its own module; INDEX is complete."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from caselink import cli

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("duckdb", "pyarrow", "numba", "numpy", "pandas", "scipy", "sklearn", "fastapi", "statsmodels",
         "matplotlib", "splink", "uvicorn")


def _loaded_after(*argv: str) -> set[str]:
    probe = ("import runpy, sys\nsys.argv = ['caselink', *sys.argv[1:]]\ntry:\n"
             "    runpy.run_module('caselink', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('LOADED', *sorted(sys.modules), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"}, timeout=60)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("LOADED")][-1]
    return set(line.split()[1:])


@pytest.mark.parametrize("argv", [("--help",), ("--version",), ("export", "--help"), ("links", "export", "--help"),
                                  ("audit", "log", "--help"), ("serve", "--help")])
def test_help_loads_no_heavy_library(argv: tuple[str, ...]) -> None:
    loaded = _loaded_after(*argv)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}, sorted(m for m in loaded if m.split(".")[0] in HEAVY)[:5]


def test_a_command_imports_only_its_own_module() -> None:
    loaded = _loaded_after("stats", "--help")
    assert "caselink.cli.cases" in loaded
    assert not {m for m in loaded if m.startswith("caselink.cli.") and m not in ("caselink.cli.cases", "caselink.cli.common")}


def test_index_names_every_command_of_every_module() -> None:
    found = {}
    for name in cli.command_modules():
        for command in getattr(importlib.import_module(f"caselink.cli.{name}"), "COMMANDS", []):
            found[command.name] = name
    assert found == cli.INDEX


def test_help_lists_every_command() -> None:
    from click.testing import CliRunner

    out = CliRunner().invoke(cli.main, ["--help"]).output
    for name in cli.INDEX:
        assert f"  {name} " in out, name
