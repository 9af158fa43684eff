"""The server: REST API under /api/v1 and the web pages on one FastAPI app over one store.

Example:
    >>> from caselink.api import Settings, create_app     # doctest: +SKIP
    >>> app = create_app(Settings(db_path=Path("caselink.duckdb")))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware

from caselink import __version__
from caselink.accounts import Clock, SystemClock
from caselink.api import errors
from caselink.api.context import ServerState, Settings
from caselink.api.openapi import install as install_openapi
from caselink.api.openapi import operation_id
from caselink.api.routes import routers
from caselink.api.routes.health import router as health_router
from caselink.api.uploads import BodyLimit
from caselink.errors import CaselinkError
from caselink.intel.schedule import Wait
from caselink.store.store import Store

API_PREFIX = "/api/v1"


def content_security_policy(settings: Settings) -> str:
    """No inline scripts or styles, nothing from elsewhere (except a configured tile server)."""
    img = "'self' data:"
    if settings.tile_url:
        from urllib.parse import urlsplit

        parts = urlsplit(settings.tile_url.replace("{s}", "a"))
        img += f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1) if '{s}' in settings.tile_url else parts.netloc}"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src {img}; connect-src 'self'; font-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


class SecurityHeaders(BaseHTTPMiddleware):
    def __init__(self, app: Any, csp: str) -> None:
        super().__init__(app)
        self.csp = csp

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        h = response.headers
        h["Content-Security-Policy"] = self.csp
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            h["Cache-Control"] = "no-store"
        return response


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _install_handlers(app: FastAPI) -> None:
    from caselink.web.render import error_page

    async def on_caselink(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CaselinkError)
        if _is_api(request):
            return errors.caselink_error(request, exc)
        return error_page(request, errors.status_for(exc), exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        resp: JSONResponse = errors.validation_error(request, exc)
        if _is_api(request):
            return resp
        return error_page(request, 422, CaselinkError("the request was not valid"))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _is_api(request):
            return errors.http_error(request, exc)
        return error_page(request, exc.status_code, CaselinkError(
            "page not found" if exc.status_code == 404 else "request refused"))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        resp = errors.unexpected_error(request, exc)
        if _is_api(request):
            return resp
        return error_page(request, 500, CaselinkError("internal error; the server log has the details"))

    app.add_exception_handler(CaselinkError, on_caselink)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


ESCALATION_USER = "caselink (scheduled escalation)"


def escalation_pass(state: ServerState) -> int:
    """One escalation pass over the server's store, taking turns with requests; how many steps."""
    from caselink.intel import escalate, load_policy
    from caselink.intel.alert_deadlines import escalate_alerts

    policy = load_policy(state.settings.intel_policy)
    with state.lock:
        cursor = state.store.con.cursor()
        try:
            store = Store(cursor, state.store.path, ESCALATION_USER)
            now = state.clock.now().replace(microsecond=0)
            done = escalate(store, policy=policy, clock=lambda: now, command="serve: scheduled escalation")
            alerts = escalate_alerts(store, policy=policy, clock=lambda: now, command="serve: scheduled escalation")
        finally:
            cursor.close()
    return len(done) + len(alerts)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs, escalate on its own schedule (``Settings.escalate_every``)."""
    state: ServerState = app.state.caselink
    every = state.settings.escalate_every
    if every is None:
        yield
        return
    from caselink.intel.schedule import Escalator

    escalator = Escalator(lambda: escalation_pass(state), every, app.state.escalation_wait)
    app.state.escalator = escalator
    stop = asyncio.Event()
    task = asyncio.create_task(escalator.loop(stop))
    try:
        yield
    finally:
        stop.set()
        await task


def create_app(settings: Settings, *, clock: Clock | None = None, store: Store | None = None,
               escalation_wait: Wait | None = None) -> FastAPI:
    """The ASGI app. Opens (and migrates) the store unless one is given; the app holds it.

    ``escalation_wait`` replaces how the escalation schedule waits between passes (tests).
    """
    from caselink.intel.schedule import real_wait
    from caselink.web.pages import mount_web

    app = FastAPI(
        lifespan=lifespan,
        title="caselink", version=__version__, openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None, redoc_url=None,
        generate_unique_id_function=operation_id,
        description="Cases, similar cases, series, alerts, intel and audit, with accounts and scopes. "
                    "Authenticate with POST /api/v1/auth/login and send 'Authorization: Bearer <token>'. "
                    "Reads of case detail need a purpose: set it with PUT /api/v1/me/purpose or send "
                    "the X-Caselink-Purpose header.",
    )
    app.state.escalation_wait = escalation_wait or real_wait
    app.state.caselink = ServerState(settings, store or Store.open(settings.db_path, user="caselink-server"),
                                     clock or SystemClock())
    app.include_router(health_router)
    for router in routers():
        app.include_router(router, prefix=API_PREFIX)
    install_openapi(app)
    mount_web(app)
    _install_handlers(app)
    app.add_middleware(SecurityHeaders, csp=content_security_policy(settings))
    app.add_middleware(BodyLimit, max_body=settings.max_body_bytes, max_upload=settings.max_upload_bytes)
    return app
