"""Pages for intel: the queue with deadlines and escalations, one report, the case page section,
the dashboard's overdue panel, and the forms that record a report and move it on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from caselink.accounts import can
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.routes.intel import add_report, do_step, overdue, read_report, visible_reports
from caselink.web.pages import safe_next
from caselink.web.render import render

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
ReportId = Annotated[str, PathParam(min_length=1, max_length=40)]
NEXT_STEP = {"received": "acknowledge", "acknowledged": "assess", "assessed": "action", "actioned": "close"}


def _policy() -> dict[str, Any]:
    from caselink.intel import load_policy

    p = load_policy()
    return {"outcomes": list(p.outcomes)}


def intel_section(ctx: Ctx, record: dict[str, Any]) -> dict[str, Any] | None:
    if not can(ctx.user.role, "intel:read"):
        return None
    reports = visible_reports(ctx, case_id=record["case_id"])
    return {"id": "intel", "title": "Intel reports", "template": "_intel_case.html", "reports": reports,
            "case_id": record["case_id"], "next_step": NEXT_STEP, "policy": _policy()}


def overdue_panel(ctx: Ctx) -> dict[str, Any] | None:
    if not can(ctx.user.role, "intel:read"):
        return None
    from caselink.api.routes.alerts import overdue_alerts

    late_alerts = overdue_alerts(ctx, 10) if can(ctx.user.role, "alerts:read") else []
    return {"title": "Overdue intel", "template": "_intel_overdue.html", "overdue": overdue(ctx)[:10],
            "overdue_alerts": late_alerts}


@router.get("/intel")
def queue(ctx: CtxDep) -> Response:
    authenticate(ctx)
    ctx.need("intel:read")
    reports = visible_reports(ctx, open_only=True)
    late = {o["report_id"]: o for o in overdue(ctx)}
    return render(ctx.request, "intel.html", reports=reports, late=late, next_step=NEXT_STEP, policy=_policy())


@router.get("/intel/{report_id}")
def report_page(ctx: CtxDep, report_id: ReportId) -> Response:
    authenticate(ctx)
    ctx.need("intel:read")
    report = read_report(ctx, report_id)
    return render(ctx.request, "intel_report.html", r=report, next_step=NEXT_STEP, policy=_policy(),
                  name_only=_name_only(ctx, report_id))


def _name_only(ctx: Ctx, report_id: str) -> list[dict[str, Any]]:
    """The report's people that other visible cases or reports name by the same name alone."""
    import importlib.util

    if not can(ctx.user.role, "entities:read") or importlib.util.find_spec("caselink.entities") is None:
        return []
    from caselink.api.routes.entities import visible_for
    from caselink.entities.queries import case_entities

    found = case_entities(ctx.store, report_id, purpose=ctx.purpose(), command=ctx.command,
                          visible=visible_for(ctx), source="intel")
    return [m for e in found for m in e["possible_same"]]


@router.post("/intel")
def add(
    ctx: CtxDep, csrf: Annotated[str, Form(max_length=100)], text: Annotated[str, Form(min_length=1, max_length=100_000)],
    reporter_relation: Annotated[str, Form(min_length=1, max_length=60)],
    channel: Annotated[str, Form(min_length=1, max_length=60)],
    reporter_name: Annotated[str, Form(max_length=200)] = "", case_id: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/intel",
) -> Response:
    authenticate(ctx, csrf)
    ctx.need("intel:create")
    report = add_report(ctx, {"text": text, "reporter_relation": reporter_relation, "channel": channel,
                              "reporter_name": reporter_name or None, "case_ids": [case_id] if case_id else []})
    return RedirectResponse(safe_next(next) + f"#report-{report['report_id']}", status_code=303)


@router.post("/intel/{report_id}/step")
def step(
    ctx: CtxDep, report_id: ReportId, csrf: Annotated[str, Form(max_length=100)],
    step: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(min_length=1, max_length=2000)],
    outcome: Annotated[str, Form(max_length=60)] = "", next: Annotated[str, Form(max_length=500)] = "/intel",
) -> Response:
    authenticate(ctx, csrf)
    do_step(ctx, report_id, step, reason, outcome or None)
    return RedirectResponse(safe_next(next), status_code=303)
