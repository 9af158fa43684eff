"""`caselink demo`: the bundled data in a fresh store, walked through every stage."""

from __future__ import annotations

from pathlib import Path

import click

from caselink.cli.common import json_option, to_json, user_option


@click.command()
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Demo store (default: ./caselink-demo.duckdb; recreated each run).")
@click.option("--force", is_flag=True, help="Replace --db even if it is not a demo store.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=Path("caselink-demo-disparity.html"),
              show_default=True, help="Where to write the disparity report (HTML).")
@click.option("--serve", is_flag=True, help="Then serve the demo store in the web UI.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port for --serve.")
@user_option
@json_option
def demo(db: Path | None, force: bool, report: Path, serve: bool, port: int, user: str | None, as_json: bool) -> None:
    """Load the bundled synthetic data into a fresh store and show each stage on it."""
    from caselink.demo import DEFAULT_DB, Step, run_demo

    path = db or DEFAULT_DB

    def show(step: Step) -> None:
        if not as_json:
            click.echo(f"\n== {step.title}\n{step.text}")

    steps = run_demo(path, user=user, force=force, report=report, on_step=show)
    if as_json:
        click.echo(to_json({"db": str(path), "steps": [{"title": s.title, "text": s.text, "data": s.data} for s in steps]}))
    else:
        click.echo(f"\nThe demo store is {path}: try `caselink similar <CASE_ID> --db {path} --purpose demo`"
                   + ("" if serve else " or `caselink demo --serve`"))
    if serve:
        _serve(path, port)


def _serve(path: Path, port: int) -> None:
    from caselink.cli.serve import serve

    ctx = click.get_current_context()
    ctx.invoke(serve, host="127.0.0.1", port=port, tile_url=None, idle_minutes=30, secure_cookies=False,
               escalate_minutes=5, policy_path=None, db=path)


COMMANDS = [demo]
