"""One JSON error shape for the API, ``{"error": code, "message": text}``; nothing else leaks.

No stack trace, SQL or internal path ever reaches a client: unexpected exceptions become a
generic 500 and are logged on the server. Refusals (401/403) are written to the audit log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from caselink.accounts.errors import Forbidden, Unauthenticated
from caselink.errors import CaselinkError, NotFound, PurposeRequired, StoreError, ValidationFailed

log = logging.getLogger("caselink.api")


class ErrorOut(BaseModel):
    error: str
    message: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text} for status, text in [
        (400, "bad request (e.g. no purpose set for a read of case detail)"),
        (401, "not logged in, or the session or token has ended"),
        (403, "the role does not allow this"),
        (404, "no such object, or not visible to this user"),
        (409, "conflict with the current state"),
        (413, "request body too large"),
        (422, "invalid parameters"),
        (503, "store busy or unavailable"),
    ]
}


def status_for(exc: CaselinkError) -> int:
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, ValidationFailed):
        return 422
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, PurposeRequired):
        return 400
    return int(getattr(exc, "status", 409))


def error_response(status: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=headers)


#: What an API client is told when a read needs a purpose (the CLI's wording names --purpose).
PURPOSE_MESSAGE = ("this read of case detail needs a purpose for the audit log: send the "
                   "X-Caselink-Purpose header (e.g. an investigation reference) or set one for the "
                   "session with PUT /api/v1/me/purpose")


def caselink_error(request: Request, exc: CaselinkError) -> JSONResponse:
    message = str(exc).splitlines()[0] if str(exc) else exc.code
    if isinstance(exc, PurposeRequired):
        message = PURPOSE_MESSAGE
    return error_response(status_for(exc), exc.code, message)


def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return error_response(422, "invalid_request", "; ".join(parts) or "invalid request")


def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    response = error_response(exc.status_code, codes.get(exc.status_code, "http_error"), message)
    allow = (exc.headers or {}).get("Allow")
    if exc.status_code == 405 and allow:  # which methods the path does take (RFC 9110)
        response.headers["Allow"] = allow
    return response


def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "internal error; the server log has the details")
