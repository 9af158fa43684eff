"""Missed-action findings and the disparity report, limited to the user's scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from caselink.accounts.scope import Scope
from caselink.api import queries, scoped
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import FindingOut
from caselink.api.paging import PAGED, CursorParam, page
from caselink.errors import CaselinkError

router = APIRouter(tags=["analysis"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
Expr = Annotated[str | None, Query(max_length=500)]


def findings(ctx: Ctx, case_id: str | None, limit: int = 1000) -> list[dict[str, Any]]:
    """Missed actions on one visible case, or on every case the user may see."""
    from caselink.checks import run_checks

    purpose = ctx.purpose()
    if case_id is not None:
        queries.check_visible(ctx, case_id)
    found = run_checks(ctx.store, case_id, purpose=purpose, command=ctx.command)
    return scoped.restrict(ctx, "finding", [f.to_dict() for f in found])[:limit]


def scope_filter(scope: Scope) -> str | None:
    """The scope in the filter language, to restrict an analysis to visible cases."""
    if scope.unrestricted:
        return None
    parts = []
    for key, values in sorted(scope.allowed.items()):
        if any('"' in v for v in values):
            raise CaselinkError(f"scope value with a quote cannot be used in an analysis ({key})")
        parts.append(f"{key} in ({', '.join(chr(34) + v + chr(34) for v in sorted(values))})")
    return " and ".join(parts)


def disparity(ctx: Ctx, outcome: str, by: str, adjust: str | None, where: str | None,
              reference: str | None) -> dict[str, Any]:
    from caselink.disparity import DisparitySpec, run

    limit = scope_filter(ctx.user.scope)
    combined = " and ".join(f"({w})" for w in (where, limit) if w) or None
    spec = DisparitySpec(outcome=outcome, by=by, where=combined, reference=reference or None,
                         adjust=tuple(a.strip() for a in (adjust or "").split(",") if a.strip()))
    result = run(ctx.store, spec, purpose=ctx.purpose()).to_dict()
    result["where"] = where
    return result


@router.get("/checks", response_model=list[FindingOut], responses=PAGED)
def list_findings(ctx: CtxDep, response: Response, case_id: Annotated[str | None, Query(max_length=200)] = None,
                  limit: Annotated[int, Query(ge=1, le=10_000)] = 1000, cursor: CursorParam = None) -> list[dict[str, Any]]:
    """Missed actions (e.g. a death with no next of kin informed) on one case or on all visible cases."""
    authenticate(ctx)
    ctx.need("checks:read")
    return page(ctx.request, response, findings(ctx, case_id), limit=limit, cursor=cursor,
                key=lambda f: (-f["score"], f["case_id"], f["rule"]))


@router.get("/disparity", response_model=dict[str, Any])
def get_disparity(
    ctx: CtxDep,
    outcome: Annotated[str, Query(min_length=1, max_length=500, description='e.g. "classification = non_suspicious"')],
    by: Annotated[str, Query(min_length=1, max_length=200, description="a field, list field or condition")],
    adjust: Expr = None, where: Expr = None, reference: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Outcome rates by victim group with intervals and tests, over the cases the user may see."""
    authenticate(ctx)
    ctx.need("disparity:read")
    return disparity(ctx, outcome, by, adjust, where, reference)
