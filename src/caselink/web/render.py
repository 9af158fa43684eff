"""Rendering pages: one autoescaping Jinja2 environment, navigation, and the error page."""

from __future__ import annotations

import importlib.util
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from caselink.accounts.roles import can
from caselink.errors import CaselinkError, PurposeRequired

ENV = Environment(loader=PackageLoader("caselink.web", "templates"),
                  autoescape=select_autoescape(default=True, default_for_string=True))

# (label, path, permission, module the page needs): pages of parts not installed are absent.
NAV: list[tuple[str, str, str, str | None]] = [
    ("Dashboard", "/", "", None),
    ("Cases", "/cases", "cases:read", None),
    ("Alerts", "/alerts", "alerts:read", None),
    ("Series", "/series", "series:read", "caselink.linkage"),
    ("Entities", "/entities", "entities:read", "caselink.entities"),
    ("Intel", "/intel", "intel:read", "caselink.intel"),
    ("Checks", "/checks", "checks:read", "caselink.checks"),
    ("Disparity", "/disparity", "disparity:read", "caselink.disparity"),
    ("Audit log", "/audit", "audit:read", None),
]


def part_installed(module: str | None) -> bool:
    return module is None or importlib.util.find_spec(module) is not None


def nav_for(role: str | None) -> list[tuple[str, str]]:
    if role is None:
        return []
    return [(label, path) for label, path, perm, needs in NAV
            if (not perm or can(role, perm)) and part_installed(needs)]


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    ctx = getattr(request.state, "ctx", None)
    me = ctx.principal if ctx is not None else None
    values.setdefault("me", me)
    values.setdefault("csrf", me.csrf_token if me is not None else None)
    values.setdefault("nav", nav_for(me.role if me else None))
    role = me.role if me is not None else None
    values.setdefault("can", lambda perm: role is not None and can(role, perm))
    values["path"] = request.url.path
    html = ENV.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status: int, exc: CaselinkError) -> Response:
    """HTML for an error: 401 goes to the login page; a missing purpose asks for one."""
    if status == 401:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    message = str(exc).splitlines()[0] if str(exc) else "error"
    return render(request, "error.html", status, status=status, message=message,
                  need_purpose=isinstance(exc, PurposeRequired))
