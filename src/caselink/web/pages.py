"""The web UI's routes: mounting, log in / out, the purpose form. Area pages live beside this."""

from __future__ import annotations

import importlib
import secrets
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from caselink.accounts.errors import LoginFailed
from caselink.api.context import SESSION_COOKIE, Ctx, authenticate, open_ctx, state_of
from caselink.web.render import part_installed, render

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
LOGIN_COOKIE = "caselink_login"

# (page module, module it needs)
PAGE_MODULES = [
    ("caselink.web.case_pages", None),
    ("caselink.web.linkage_pages", "caselink.linkage"),
    ("caselink.web.intel_pages", "caselink.intel"),
    ("caselink.web.analysis_pages", "caselink.disparity"),
    ("caselink.web.entity_pages", "caselink.entities"),
]


def mount_web(app: FastAPI) -> None:
    static = resources.files("caselink.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(router)
    for module_name, needs in PAGE_MODULES:
        if part_installed(needs):
            app.include_router(importlib.import_module(module_name).router)


def safe_next(target: str | None) -> str:
    """Only a local path: never another site (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", next=safe_next(next), login_csrf=token, error=None)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=state_of(request).settings.secure_cookies)
    return response


@router.post("/login")
def login(
    ctx: CtxDep,
    user_name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    login_csrf: Annotated[str, Form(max_length=100)],
    purpose: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    request = ctx.request
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie, login_csrf):
        ctx.deny("login form without its CSRF cookie", detail={"user": user_name[:64]})
        return render(request, "login.html", 403, next=safe_next(next), login_csrf=cookie,
                      error="The login form expired; please try again.")
    try:
        user = ctx.accounts.login(user_name, password, request.client.host if request.client else None)
    except LoginFailed as exc:
        return render(request, "login.html", 401, next=safe_next(next), login_csrf=cookie, error=str(exc))
    raw, _ = ctx.accounts.start_session(user, purpose.strip() or None)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="strict", path="/",
                        secure=state_of(request).settings.secure_cookies)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(ctx: CtxDep, csrf: Annotated[str, Form(max_length=100)]) -> Response:
    ctx.accounts.end(authenticate(ctx, csrf))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/purpose")
def set_purpose(
    ctx: CtxDep,
    csrf: Annotated[str, Form(max_length=100)],
    purpose: Annotated[str, Form(min_length=1, max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Set the investigation reference recorded with this session's reads."""
    principal = authenticate(ctx, csrf)
    ctx.principal = ctx.accounts.set_purpose(principal, purpose)
    return RedirectResponse(safe_next(next), status_code=303)
