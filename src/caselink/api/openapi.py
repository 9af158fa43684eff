"""What the OpenAPI document says beyond FastAPI's defaults: the bearer and cookie schemes, the
purpose header on every operation that reads case detail, and operationIds named after the route
function (``list_cases``, ``get_case``), so generated clients read well."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from caselink.api.context import PURPOSE_HEADER, SESSION_COOKIE

#: Operations that need no login (the rest declare the bearer or session scheme).
PUBLIC = frozenset({"login", "healthz"})
#: Operations that read no case detail, so the purpose header means nothing to them.
NO_PURPOSE_TAGS = frozenset({"auth", "health"})


def operation_id(route: APIRoute) -> str:
    """The route's function name: ``GET /api/v1/cases`` -> ``list_cases``."""
    return route.name


def purpose_parameter() -> dict[str, Any]:
    return {"name": PURPOSE_HEADER, "in": "header", "required": False,
            "description": "Why case detail is read (e.g. an investigation reference); recorded in "
                           "the audit log. Else the session's purpose (PUT /api/v1/me/purpose) is used.",
            "schema": {"type": "string", "maxLength": 500}}


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that adds the security schemes and the purpose header."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=app.routes, servers=app.servers)
        components = doc.setdefault("components", {})
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "A token from POST /api/v1/auth/login: 'Authorization: Bearer <token>'"},
            "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                        "description": "The web session cookie (changes also need the X-CSRF-Token header)"},
        }
        for methods in doc.get("paths", {}).values():
            for op in methods.values():
                if op.get("operationId") in PUBLIC:
                    op["security"] = []
                    continue
                op["security"] = [{"bearer": []}, {"session": []}]
                if not NO_PURPOSE_TAGS & set(op.get("tags", [])):
                    op.setdefault("parameters", []).append(purpose_parameter())
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
