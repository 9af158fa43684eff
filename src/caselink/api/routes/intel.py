"""Intel from families and the public: list, read, record, move through the lifecycle, overdue.

A report is visible to a scoped user when at least one case it is linked to is in scope;
reports linked to no case are visible only to users without a scope.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam

from caselink.accounts import require
from caselink.api import queries, scoped
from caselink.api.context import Ctx, authenticate, open_ctx, state_of
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import IntelIn, IntelOut, OverdueOut, TransitionIn
from caselink.api.paging import PAGED, CursorParam, page
from caselink.errors import NotFound, ValidationFailed

router = APIRouter(tags=["intel"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
ReportId = Annotated[str, PathParam(min_length=1, max_length=40)]


def visible_reports(ctx: Ctx, *, state: str | None = None, open_only: bool = False,
                    case_id: str | None = None) -> list[dict[str, Any]]:
    from caselink.intel import list_reports

    if case_id is not None:
        queries.check_visible(ctx, case_id)
    found = list_reports(ctx.store, purpose=ctx.purpose(), case_id=case_id, state=state, open_only=open_only,
                         command=ctx.command)
    return scoped.restrict(ctx, "report", [r.to_dict() for r in found])


def check_report(ctx: Ctx, report_id: str) -> None:
    """NotFound for a report that does not exist or that the user may not see (logged)."""
    rows = ctx.store.con.execute("SELECT report_id FROM intel_reports WHERE report_id = ?", [report_id]).fetchall()
    if not rows:
        raise NotFound(f"no intel report {report_id!r}")
    ids = [r[0] for r in ctx.store.con.execute(
        "SELECT case_id FROM intel_report_cases WHERE report_id = ?", [report_id]).fetchall()]
    if not scoped.restrict(ctx, "report", [{"report_id": report_id, "case_ids": ids}]):
        ctx.deny("intel report out of scope", ids, {"report_id": report_id})
        raise NotFound(f"no intel report {report_id!r}")


def overdue(ctx: Ctx) -> list[dict[str, Any]]:
    from caselink.intel import overdue_reports

    found = overdue_reports(ctx.store, purpose=ctx.purpose(), command=ctx.command)
    return scoped.restrict(ctx, "overdue", [o.to_dict() for o in found])


def add_report(ctx: Ctx, body: dict[str, Any]) -> dict[str, Any]:
    from caselink.intel import add_reports, load_policy, parse_report

    for case_id in body.get("case_ids") or []:
        queries.check_visible(ctx, str(case_id))
    policy = load_policy(state_of(ctx.request).settings.intel_policy)
    new, problems = parse_report({k: v for k, v in body.items() if v not in (None, "", [])}, "request", 1, policy)
    if new is None:
        raise ValidationFailed(problems)
    return shown(ctx, add_reports(ctx.store, [new], policy=policy, command=ctx.command)[0].to_dict())


def shown(ctx: Ctx, report: dict[str, Any]) -> dict[str, Any]:
    """One report as the user may see it (``scoped.restrict``); NotFound if none of it is."""
    cut = scoped.restrict(ctx, "report", [report])
    if not cut:
        raise NotFound(f"no intel report {report['report_id']!r}")
    return cut[0]


def do_step(ctx: Ctx, report_id: str, step: str, reason: str, outcome: str | None) -> dict[str, Any]:
    from caselink.intel import transition

    require(ctx.user.role, "intel:close" if step == "close" else "intel:update")
    check_report(ctx, report_id)
    return shown(ctx, transition(ctx.store, report_id, step, reason, outcome=outcome or None,
                                 command=ctx.command).to_dict())


@router.get("/intel", response_model=list[IntelOut], responses=PAGED)
def list_intel(ctx: CtxDep, response: Response, state: Annotated[str | None, Query(max_length=20)] = None,
               open_only: bool = False, case_id: Annotated[str | None, Query(max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=5000)] = 1000, cursor: CursorParam = None) -> list[dict[str, Any]]:
    """Reports, oldest first, that concern cases the user may see (needs a purpose; audited)."""
    authenticate(ctx)
    ctx.need("intel:read")
    found = visible_reports(ctx, state=state, open_only=open_only, case_id=case_id)
    return page(ctx.request, response, found, key=lambda r: (r["received_at"], r["report_id"]),
                limit=limit, cursor=cursor)


@router.get("/intel/overdue", response_model=list[OverdueOut], responses=PAGED)
def list_overdue(ctx: CtxDep, response: Response, limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
                 cursor: CursorParam = None) -> list[dict[str, Any]]:
    """Open reports past the deadline of the step they wait for, most urgent first."""
    authenticate(ctx)
    ctx.need("intel:read")
    from caselink.intel import load_policy

    rank = {p: i for i, p in enumerate(load_policy(state_of(ctx.request).settings.intel_policy).priorities)}
    # the order overdue_reports gives: priority, then longest overdue (earliest deadline), then id
    return page(ctx.request, response, overdue(ctx), limit=limit, cursor=cursor,
                key=lambda r: (rank.get(r["priority"], len(rank)), r["deadline"], r["report_id"]))


@router.get("/intel/{report_id}", response_model=IntelOut)
def get_intel(ctx: CtxDep, report_id: ReportId) -> dict[str, Any]:
    """One report with its cases, mentions and full history (needs a purpose; audited)."""
    authenticate(ctx)
    ctx.need("intel:read")
    return read_report(ctx, report_id)


def read_report(ctx: Ctx, report_id: str) -> dict[str, Any]:
    """One report with its history, as the user may see it (checked, audited, ``scoped.restrict``)."""
    from caselink.intel import get_report

    check_report(ctx, report_id)
    return shown(ctx, get_report(ctx.store, report_id, purpose=ctx.purpose(), command=ctx.command).to_dict())


@router.post("/intel", response_model=IntelOut)
def create_intel(ctx: CtxDep, body: IntelIn) -> dict[str, Any]:
    """Record a report from a family member, friend or the public; it gets a reference number."""
    authenticate(ctx)
    ctx.need("intel:create")
    return add_report(ctx, body.model_dump())


@router.post("/intel/{report_id}/transition", response_model=IntelOut)
def step_intel(ctx: CtxDep, report_id: ReportId, body: TransitionIn) -> dict[str, Any]:
    """acknowledge, assess, action (reviewers and up may also close, with an outcome)."""
    authenticate(ctx)
    return do_step(ctx, report_id, body.step, body.reason, body.outcome)
