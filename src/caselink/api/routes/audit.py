"""The audit log for admins: entries (filtered) and verification of the hash chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from caselink import audit as audit_log
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import AuditEntryOut, VerifyOut

router = APIRouter(tags=["audit"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]


@router.get("/audit/log", response_model=list[AuditEntryOut])
def log_entries(
    ctx: CtxDep,
    case_id: Annotated[str | None, Query(max_length=200)] = None,
    user: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[str | None, Query(max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Entries newest first (admins). Reading the log is itself logged."""
    authenticate(ctx)
    ctx.need("audit:read")
    rows = [e.to_dict() for e in audit_log.entries(
        ctx.store.con, case_id=case_id, user=user, action=action, since=since, limit=limit)]
    ctx.store.audit("administration", ctx.command, [], None, {"audit_rows_read": len(rows)})
    return rows


@router.get("/audit/verify", response_model=VerifyOut)
def verify(ctx: CtxDep) -> dict[str, Any]:
    """Check the hash chain and name the first bad row if it does not verify (admins)."""
    authenticate(ctx)
    ctx.need("audit:read")
    return audit_log.verify(ctx.store.con).to_dict()
