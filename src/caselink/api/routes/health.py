"""``GET /healthz``: is the server up and its store readable (for load balancers and probes).

No login, no case data, nothing audited: it answers ``{"status": "ok", "version", "schema"}``, or
503 with ``{"error": "unavailable"}`` when the store cannot be read.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from caselink import __version__
from caselink.api.context import state_of
from caselink.api.errors import ErrorOut

router = APIRouter(tags=["health"])


class HealthOut(BaseModel):
    status: str
    version: str
    schema_version: int


@router.get("/healthz", response_model=HealthOut, responses={503: {"model": ErrorOut, "description": "store unreadable"}})
def healthz(request: Request) -> Any:
    """Liveness and readiness: the store answers a query (no login; not audited)."""
    state = state_of(request)
    try:
        with state.lock:
            cursor = state.store.con.cursor()
            try:
                row = cursor.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
            finally:
                cursor.close()
    except Exception:
        return JSONResponse({"error": "unavailable", "message": "the store cannot be read"}, status_code=503)
    return {"status": "ok", "version": __version__, "schema_version": int(row[0]) if row else 0}
