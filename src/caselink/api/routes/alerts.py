"""Alerts: list those about cases in the user's scope, and acknowledge one with a note."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from caselink import alerts as alerts_mod
from caselink.api import scoped
from caselink.api.context import Ctx, authenticate, open_ctx, state_of
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import AckIn, AlertOut
from caselink.api.paging import PAGED, CursorParam, page
from caselink.errors import NotFound

router = APIRouter(tags=["alerts"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
WINDOW = 100_000  # alerts read per request before paging (keyset over the visible ones)


def visible_alerts(ctx: Ctx, *, include_acknowledged: bool, kind: str | None, case_id: str | None,
                   limit: int) -> list[dict[str, Any]]:
    """Alerts as the user may see them (``scoped.restrict``); audited with a purpose."""
    from caselink.intel import load_policy

    purpose = ctx.purpose()
    state = state_of(ctx.request)
    found = alerts_mod.list_alerts(ctx.store, include_acknowledged=include_acknowledged, kind=kind,
                                   case_id=case_id, limit=max(limit * 4, 200), purpose=purpose,
                                   command=ctx.command, policy=load_policy(state.settings.intel_policy),
                                   now=state.clock.now())
    return scoped.restrict(ctx, "alert", [a.to_dict() for a in found])[:limit]


def clusters(ctx: Ctx, limit: int) -> list[dict[str, Any]]:
    """Space-time scan and unsolved-cluster alerts about cases the user may see, newest first."""
    found = [a for kind in ("scan", "cluster") for a in visible_alerts(
        ctx, include_acknowledged=True, kind=kind, case_id=None, limit=limit)]
    found.sort(key=lambda a: -a["alert_id"])
    return found[:limit]


@router.get("/alerts", response_model=list[AlertOut], responses=PAGED)
def list_alerts(
    ctx: CtxDep,
    response: Response,
    include_acknowledged: bool = False,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    case_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: CursorParam = None,
) -> list[dict[str, Any]]:
    """Alerts newest first, only those about cases the user may see (needs a purpose; audited).
    Paged: the next page's cursor is in the X-Next-Cursor / Link headers."""
    authenticate(ctx)
    ctx.need("alerts:read")
    found = visible_alerts(ctx, include_acknowledged=include_acknowledged, kind=kind, case_id=case_id,
                           limit=WINDOW)
    return page(ctx.request, response, found, key=lambda a: (-a["alert_id"],), limit=limit, cursor=cursor)


def overdue_alerts(ctx: Ctx, limit: int = 100) -> list[dict[str, Any]]:
    """Unacknowledged alerts the user may see that are past the deadline the intel policy gives
    their kind, most overdue first."""
    found = [a for a in visible_alerts(ctx, include_acknowledged=False, kind=None, case_id=None, limit=500)
             if a["overdue"]]
    found.sort(key=lambda a: (-(a["overdue_hours"] or 0), a["alert_id"]))
    return found[:limit]


@router.get("/alerts/overdue", response_model=list[AlertOut], responses=PAGED)
def list_overdue_alerts(ctx: CtxDep, response: Response, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                        cursor: CursorParam = None) -> list[dict[str, Any]]:
    """Alerts past their acknowledgement deadline (owner from the policy's escalation chain)."""
    authenticate(ctx)
    ctx.need("alerts:read")
    return page(ctx.request, response, overdue_alerts(ctx, WINDOW),
                key=lambda a: (-(a["overdue_hours"] or 0), a["alert_id"]), limit=limit, cursor=cursor)


def alert_visible(ctx: Ctx, alert_id: int) -> None:
    """NotFound for an alert that does not exist or that the user may not see (logged)."""
    rows = ctx.store.con.execute("SELECT case_id, related_ids FROM alerts WHERE alert_id = ?", [alert_id]).fetchall()
    if not rows:
        raise NotFound(f"no alert {alert_id}")
    case_id, related = rows[0]
    probe = {"alert_id": alert_id, "kind": "probe", "case_id": case_id, "related_ids": list(related), "title": ""}
    if not scoped.restrict(ctx, "alert", [probe]):
        ctx.deny("alert out of scope", [case_id] if case_id else list(related), {"alert_id": alert_id})
        raise NotFound(f"no alert {alert_id}")


@router.get("/clusters", response_model=list[AlertOut], responses=PAGED)
def list_clusters(ctx: CtxDep, response: Response, limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  cursor: CursorParam = None) -> list[dict[str, Any]]:
    """Clusters found by the space-time scan and the unsolved-cluster rule (as alerts; audited)."""
    authenticate(ctx)
    ctx.need("scan:read")
    return page(ctx.request, response, clusters(ctx, WINDOW), key=lambda a: (-a["alert_id"],),
                limit=limit, cursor=cursor)


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut)
def acknowledge(alert_id: Annotated[int, Path(ge=1, le=2**62)], body: AckIn, ctx: CtxDep) -> dict[str, Any]:
    """Mark an alert as seen with a note on what was done (audited as an alteration)."""
    authenticate(ctx)
    ctx.need("alerts:ack")
    alert_visible(ctx, alert_id)
    from caselink.intel import load_policy

    state = state_of(ctx.request)
    done = alerts_mod.acknowledge(ctx.store, alert_id, body.note, command=ctx.command)
    [done] = alerts_mod.with_deadlines(ctx.store.con, [done], load_policy(state.settings.intel_policy),
                                       state.clock.now())
    shown = scoped.restrict(ctx, "alert", [done.to_dict()])
    if not shown:
        raise NotFound(f"no alert {alert_id}")
    return shown[0]
