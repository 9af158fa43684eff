"""The ``caselink`` command: a group of thin commands over the library.

Every module in this package that defines ``COMMANDS`` (a list of click commands) is
registered automatically. Errors a user can act on are printed without a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import click

from caselink import __version__
from caselink.errors import CaselinkError, ValidationFailed


class _Group(click.Group):
    """Turns CaselinkError into a clear message and an exit code, never a traceback."""

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


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            main.add_command(command)


_register()
