"""`caselink serve`: the web UI and the REST API over one store."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from caselink.cli.common import db_option, open_store

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--tile-url", default=None, envvar="CASELINK_TILE_URL",
              help="Map tile server URL template, e.g. https://tiles.example/{z}/{x}/{y}.png "
                   "(default: the bundled offline basemap).")
@click.option("--idle-minutes", type=click.IntRange(1, 24 * 60), default=30, show_default=True,
              help="End sessions and login tokens after this long without a request.")
@click.option("--secure-cookies", is_flag=True, help="Mark cookies Secure (when served over HTTPS).")
@click.option("--escalate-minutes", type=click.IntRange(0, 24 * 60), default=5, show_default=True,
              help="Record the escalations of overdue intel reports and alerts this often while serving "
                   "(0: never; then run `caselink intel overdue --escalate` from cron).")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False, path_type=Path),
              default=lambda: os.environ.get("CASELINK_INTEL_POLICY") or None,
              help="Intel policy file (default: $CASELINK_INTEL_POLICY or the shipped policy).")
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="warning", show_default=True,
              envvar="CASELINK_LOG_LEVEL", help="Server log level (also $CASELINK_LOG_LEVEL).")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Log one line per request (method, path, status; never bodies or tokens).")
@click.option("--root-path", default="", envvar="CASELINK_ROOT_PATH",
              help="Path prefix a reverse proxy serves caselink under, e.g. /caselink (also $CASELINK_ROOT_PATH).")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips (behind a reverse proxy).")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="With --proxy-headers: the proxies' addresses (comma-separated, or *).")
@db_option
def serve(host: str, port: int, tile_url: str | None, idle_minutes: int, secure_cookies: bool,
          escalate_minutes: int, policy_path: Path | None, log_level: str, access_log: bool, root_path: str,
          proxy_headers: bool, forwarded_allow_ips: str, db: Path | None) -> None:
    """Serve the web UI and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json).

    The server holds the store open: DuckDB allows one writing process per file, so other
    `caselink` commands on the same store fail with "store in use" until it stops. Create
    accounts first with `caselink users add`.
    """
    import uvicorn

    from caselink.api import Settings, create_app
    from caselink.intel import load_policy
    from caselink.store import resolve_db_path

    load_policy(policy_path)   # a bad policy file stops the server before it starts
    settings = Settings(db_path=resolve_db_path(db), tile_url=tile_url,
                        idle_timeout=timedelta(minutes=idle_minutes), secure_cookies=secure_cookies,
                        escalate_every=timedelta(minutes=escalate_minutes) if escalate_minutes else None,
                        intel_policy=policy_path)
    store = open_store(settings.db_path, "caselink-server", complete_pending=True)
    app = create_app(settings, store=store)
    click.echo(f"caselink serving {settings.db_path} on http://{host}:{port}/ (API: /api/v1) — Ctrl-C stops", err=True)
    uvicorn.run(app, **uvicorn_options(host, port, log_level=log_level, access_log=access_log,
                                       root_path=normal_root_path(root_path), proxy_headers=proxy_headers,
                                       forwarded_allow_ips=forwarded_allow_ips))


def normal_root_path(text: str) -> str:
    """``caselink/`` -> ``/caselink``; empty stays empty."""
    text = text.strip().strip("/")
    return f"/{text}" if text else ""


def uvicorn_options(host: str, port: int, *, log_level: str, access_log: bool, root_path: str,
                    proxy_headers: bool, forwarded_allow_ips: str) -> dict[str, Any]:
    """What ``uvicorn.run`` is given (proxy headers are trusted only when asked for)."""
    return {"host": host, "port": port, "log_level": log_level, "access_log": access_log, "root_path": root_path,
            "server_header": False, "proxy_headers": proxy_headers,
            "forwarded_allow_ips": forwarded_allow_ips if proxy_headers else None}


COMMANDS = [serve]
