"""The ``caselink`` command: a group of thin commands over the library.

Every module in this package that defines ``COMMANDS`` (a list of click commands) is
registered automatically. Errors a user can act on are printed without a traceback.

The group is lazy: ``caselink show X`` imports only the module that defines ``show`` (found in
``INDEX``; a command missing from it is found by importing every module), and ``caselink --help``
imports the command modules but none of the heavy libraries, because command modules import
DuckDB, pyarrow, numba, pandas and the rest inside the command function (``tests/test_cli_startup.py``
holds both, and that ``INDEX`` matches the modules' ``COMMANDS``).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import click

from caselink import __version__
from caselink.errors import CaselinkError, ValidationFailed

#: command name -> the module of this package that defines it (kept equal to COMMANDS by a test).
INDEX: dict[str, str] = {
    "audit": "audit", "ingest": "cases", "show": "cases", "history": "cases", "stats": "cases",
    "erase": "cases", "checks": "checks", "demo": "demo", "disparity": "disparity",
    "entities": "entities", "export": "export", "links": "export", "intel": "intel", "link": "link",
    "similar": "link", "series": "link", "alerts": "link", "train": "model", "evaluate": "model",
    "repair": "repair", "scan": "scan", "clusters": "scan", "serve": "serve", "synth": "synth",
    "users": "users", "schema": "schema",
}


def command_modules() -> list[str]:
    """Every command module of this package, by name (without importing them)."""
    names = {entry.name.removesuffix(".py") for folder in __path__ for entry in os.scandir(folder)
             if entry.name.endswith(".py")}
    return sorted(n for n in names if not n.startswith("_") and n != "common")


def _commands_of(module_name: str) -> list[click.Command]:
    module = importlib.import_module(f"{__name__}.{module_name}")
    return list(getattr(module, "COMMANDS", []))


class _Group(click.Group):
    """Finds commands lazily; turns CaselinkError into a clear message and an exit code, never a
    traceback."""

    _all_loaded = False

    def _load_all(self) -> None:
        if not self._all_loaded:
            for name in command_modules():
                for command in _commands_of(name):
                    self.commands.setdefault(command.name or "", command)
            self._all_loaded = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in INDEX:
            for command in _commands_of(INDEX[cmd_name]):
                self.commands.setdefault(command.name or "", command)
        if cmd_name not in self.commands:
            self._load_all()
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["caselink.json"] = "--json" in args
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationFailed as exc:
            if ctx.meta.get("caselink.json"):
                from caselink.cli.common import to_json

                click.echo(to_json({"error": exc.code, "message": str(exc).splitlines()[0],
                                    "problems": [p.to_dict() for p in exc.problems]}))
            else:
                click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except CaselinkError as exc:
            if ctx.meta.get("caselink.json"):
                from caselink.cli.common import to_json

                click.echo(to_json({"error": exc.code, "message": str(exc)}))
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="caselink")
def main() -> None:
    """caselink: link cases that probably share an offender, keep intel on the record, audit outcomes."""

