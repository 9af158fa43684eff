"""The audit log for admins: entries (filtered) and verification of the hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from caselink import audit as audit_log
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import AuditEntryOut, VerifyOut
from caselink.api.paging import PAGED, CursorParam, key_values, set_next

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]


@router.get("/audit/log", response_model=list[AuditEntryOut], responses=PAGED)
def log_entries(
    ctx: CtxDep,
    response: Response,
    case_id: Annotated[str | None, Query(max_length=200)] = None,
    user: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[str | None, Query(max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: CursorParam = None,
) -> list[dict[str, Any]]:
    """Entries newest first (admins). Reading the log is itself logged. Paged by sequence number:
    the next page's cursor is in the X-Next-Cursor / Link headers."""
    authenticate(ctx)
    ctx.need("audit:read")
    before = -key_values(ctx.request, cursor, (int,))[0] if cursor else None
    rows = [e.to_dict() for e in audit_log.entries(
        ctx.store.con, case_id=case_id, user=user, action=action, since=since, limit=limit + 1,
        before_seq=before)]
    more = len(rows) > limit
    rows = rows[:limit]
    set_next(ctx.request, response, (-rows[-1]["seq"],) if more else None)
    ctx.store.audit("administration", ctx.command, [], None, {"audit_rows_read": len(rows)})
    return rows


@router.get("/audit/verify", response_model=VerifyOut)
def verify(ctx: CtxDep) -> dict[str, Any]:
    """Check the hash chain and name the first bad row if it does not verify (admins)."""
    authenticate(ctx)
    ctx.need("audit:read")
    return audit_log.verify(ctx.store.con).to_dict()
