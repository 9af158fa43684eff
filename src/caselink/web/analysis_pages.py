"""Pages for missed-action findings (the checks page, a case page section) and the disparity report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from caselink.accounts import can
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.routes.analysis import disparity, findings
from caselink.errors import CaselinkError
from caselink.web.render import render

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
Text = Annotated[str, Query(max_length=500)]
EXAMPLES = [
    ("classification = non_suspicious", "victim_tags has gay", "deaths classified non-suspicious, by whether the victim was gay"),
    ("status in (unsolved, open)", "victim_ethnicity", "cases still unsolved, by victim ethnicity"),
]


def findings_section(ctx: Ctx, record: dict[str, Any]) -> dict[str, Any] | None:
    if not can(ctx.user.role, "checks:read"):
        return None
    return {"id": "checks", "title": "Missed actions", "template": "_findings.html",
            "findings": findings(ctx, record["case_id"])}


@router.get("/checks")
def checks_page(ctx: CtxDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> Response:
    """Missed actions on every case the user may see, most serious first (needs a purpose)."""
    authenticate(ctx)
    ctx.need("checks:read")
    found = findings(ctx, None, limit=100_000)
    return render(ctx.request, "checks.html", findings=found[:limit], total=len(found),
                  cases=len({f["case_id"] for f in found}), limit=limit)


@router.get("/disparity")
def disparity_page(ctx: CtxDep, outcome: Text = "", by: Text = "", adjust: Text = "", where: Text = "") -> Response:
    authenticate(ctx)
    ctx.need("disparity:read")
    result, error = None, None
    if outcome and by:
        try:
            result = disparity(ctx, outcome, by, adjust or None, where or None, None)
        except CaselinkError as exc:  # a bad expression is shown on the form, not as an error page
            error = str(exc).splitlines()[0]
    return render(ctx.request, "disparity.html", result=result, error=error, examples=EXAMPLES,
                  form={"outcome": outcome, "by": by, "adjust": adjust, "where": where})
