"""Pages over cases, alerts and the audit log: dashboard, case list, case page, alerts, audit."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query
from fastapi.responses import RedirectResponse, Response

from caselink import alerts as alerts_mod
from caselink import audit as audit_log
from caselink.api import queries
from caselink.api.context import Ctx, authenticate, open_ctx, state_of
from caselink.api.routes.alerts import alert_visible, visible_alerts
from caselink.api.routes.cases import FilterDep
from caselink.schema.fields import CLASSIFICATIONS, INCIDENT_TYPES, STATUSES
from caselink.web.pages import safe_next
from caselink.web.render import part_installed, render

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
PAGE = 50


def case_counts(ctx: Ctx) -> dict[str, int]:
    """Visible cases by incident type (counts only; audited as an aggregate read)."""
    scope_sql, params = queries.visible_where(ctx)
    rows = ctx.store.con.execute(
        f"SELECT incident_type, count(*) FROM cases WHERE {scope_sql} GROUP BY 1 ORDER BY 2 DESC", params).fetchall()
    ctx.store.audit("consultation", ctx.command, [], ctx.user.purpose, {"aggregate": True})
    return {r[0]: int(r[1]) for r in rows}


@router.get("/")
def dashboard(ctx: CtxDep) -> Response:
    me = authenticate(ctx)
    counts = case_counts(ctx) if me.role != "admin" else {}
    alerts: list[dict[str, Any]] = []
    if me.purpose and me.role != "admin":
        alerts = visible_alerts(ctx, include_acknowledged=False, kind=None, case_id=None, limit=10)
    return render(ctx.request, "dashboard.html", counts=counts, alerts=alerts, panels=dashboard_panels(ctx))


def dashboard_panels(ctx: Ctx) -> list[dict[str, Any]]:
    """Extra dashboard panels from parts that have landed (overdue intel, recent clusters)."""
    if not ctx.user.purpose or ctx.user.role == "admin":
        return []
    return [s for s in (p(ctx) for p in _providers(DASHBOARD_PANELS)) if s]


@router.get("/cases")
def case_list(ctx: CtxDep, filt: FilterDep, page: Annotated[int, Query(ge=1, le=200_000)] = 1) -> Response:
    authenticate(ctx)
    ctx.need("cases:read")
    result = queries.list_cases(ctx, filt, limit=PAGE, offset=(page - 1) * PAGE)
    params = {k: v for k, v in vars(filt).items() if v}
    pages = max(1, -(-result["total"] // PAGE))
    return render(ctx.request, "cases.html", result=result, filt=filt, page=page, pages=pages,
                  query=urlencode(params), incident_types=INCIDENT_TYPES, statuses=STATUSES,
                  classifications=CLASSIFICATIONS)


CaseId = Annotated[str, Path(min_length=1, max_length=200)]
RECORD_FIELDS = ("area", "place_type", "lat", "lon", "x", "y", "found_at", "victim_age", "victim_sex",
                 "victim_ethnicity", "victim_tags", "circumstances", "substances", "weapon", "classification",
                 "status", "actions", "series_ids", "agency")


@router.get("/cases/{case_id}")
def case_page(ctx: CtxDep, case_id: CaseId) -> Response:
    authenticate(ctx)
    ctx.need("cases:read")
    record = queries.get_case(ctx, case_id).to_dict()
    versions = ctx.store.con.execute("SELECT count(*) FROM case_versions WHERE case_id = ?", [case_id]).fetchall()
    alerts = visible_alerts(ctx, include_acknowledged=True, kind=None, case_id=case_id, limit=20)
    points = [point(record, main=True)] if point(record) else []
    fields = [(k, record[k]) for k in RECORD_FIELDS if record.get(k) not in (None, "", [], ())]
    return render(ctx.request, "case.html", case=record, fields=fields, versions=int(versions[0][0]), alerts=alerts,
                  map_data={"points": points, "tile_url": state_of(ctx.request).settings.tile_url},
                  sections=case_sections(ctx, record))


# (module the section needs, "module:function" giving the section or None)
CASE_SECTIONS = [
    ("caselink.linkage", "caselink.web.linkage_pages:similar_section"),
    ("caselink.linkage", "caselink.web.linkage_pages:known_series_section"),
    ("caselink.intel", "caselink.web.intel_pages:intel_section"),
    ("caselink.checks", "caselink.web.analysis_pages:findings_section"),
    ("caselink.entities", "caselink.web.entity_pages:entities_section"),
]
DASHBOARD_PANELS: list[tuple[str, str]] = [
    ("caselink.intel", "caselink.web.intel_pages:overdue_panel"),
    ("caselink.scan", "caselink.web.case_pages:clusters_panel"),
]


def clusters_panel(ctx: Ctx) -> dict[str, Any] | None:
    """Recent space-time and unsolved clusters (alerts of kind scan/cluster)."""
    from caselink.accounts import can
    from caselink.api.routes.alerts import clusters

    if not can(ctx.user.role, "scan:read"):
        return None
    return {"title": "Recent clusters", "template": "_clusters.html", "clusters": clusters(ctx, 5)}


def _providers(table: list[tuple[str, str]]) -> list[Any]:
    import importlib

    found = []
    for needs, target in table:
        if part_installed(needs):
            module, _, name = target.partition(":")
            found.append(getattr(importlib.import_module(module), name))
    return found


def case_sections(ctx: Ctx, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections from parts that have landed (similar cases, intel, missed actions)."""
    return [s for s in (p(ctx, record) for p in _providers(CASE_SECTIONS)) if s]


def point(record: dict[str, Any], main: bool = False) -> dict[str, Any] | None:
    if record.get("lat") is None or record.get("lon") is None:
        return None
    return {"id": record["case_id"], "lat": record["lat"], "lon": record["lon"], "main": main,
            "label": f"{record['case_id']} · {record.get('incident_type')} · {record.get('occurred_from')}"}


@router.get("/cases/{case_id}/history")
def history_page(ctx: CtxDep, case_id: CaseId) -> Response:
    authenticate(ctx)
    ctx.need("cases:read")
    versions = queries.history(ctx, case_id)
    changes = []
    previous: dict[str, Any] = {}
    for v in versions:
        diff = [(k, previous.get(k), v["record"].get(k)) for k in sorted(set(previous) | set(v["record"]))
                if previous.get(k) != v["record"].get(k)]
        changes.append({**v, "diff": diff})
        previous = v["record"]
    return render(ctx.request, "history.html", case_id=case_id, versions=changes)


@router.get("/alerts")
def alerts_page(ctx: CtxDep, include_acknowledged: bool = False) -> Response:
    authenticate(ctx)
    ctx.need("alerts:read")
    items = visible_alerts(ctx, include_acknowledged=include_acknowledged, kind=None, case_id=None, limit=200)
    return render(ctx.request, "alerts.html", alerts=items, include_acknowledged=include_acknowledged)


@router.post("/alerts/{alert_id}/ack")
def ack_alert(
    ctx: CtxDep, alert_id: Annotated[int, Path(ge=1, le=2**62)],
    csrf: Annotated[str, Form(max_length=100)], note: Annotated[str, Form(min_length=1, max_length=2000)],
    next: Annotated[str, Form(max_length=500)] = "/alerts",
) -> Response:
    authenticate(ctx, csrf)
    ctx.need("alerts:ack")
    alert_visible(ctx, alert_id)
    alerts_mod.acknowledge(ctx.store, alert_id, note, command=ctx.command)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/audit")
def audit_page(
    ctx: CtxDep,
    case_id: Annotated[str | None, Query(max_length=200)] = None,
    user: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    authenticate(ctx)
    ctx.need("audit:read")
    entries = audit_log.entries(ctx.store.con, case_id=case_id or None, user=user or None,
                                action=action or None, limit=200)
    ctx.store.audit("administration", ctx.command, [], None, {"audit_rows_read": len(entries)})
    result = audit_log.verify(ctx.store.con)
    return render(ctx.request, "audit.html", entries=entries, verify=result, actions=audit_log.ACTIONS,
                  filt={"case_id": case_id or "", "user": user or "", "action": action or ""})
