"""Pages for linkage: similar cases on the case page (with evidence charts) and series pages
with a map, a timeline and a link chart."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from caselink.api.context import Ctx, authenticate, open_ctx, state_of
from caselink.api.routes.linkage import known_series, series_detail, similar_cases, visible_series
from caselink.web.charts import evidence_chart, link_chart, timeline
from caselink.web.render import render

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
MinP = Annotated[float, Query(gt=0.0, lt=1.0)]


def similar_section(ctx: Ctx, record: dict[str, Any]) -> dict[str, Any] | None:
    """The case page's "Similar cases" section: each link with a bar chart of its evidence."""
    from caselink.accounts import can

    if not can(ctx.user.role, "similar:read"):
        return None
    from caselink.linkage.similar import DEFAULT_LIMIT

    items = similar_cases(ctx, record["case_id"], DEFAULT_LIMIT)
    for item in items:
        item["chart"] = evidence_chart(item["explanation"])
    return {"id": "similar", "title": "Similar cases", "template": "_similar.html", "links": items}


def known_series_section(ctx: Ctx, record: dict[str, Any]) -> dict[str, Any] | None:
    """The case page's "Known series" section: solved series this case may belong to, ranked by
    the summed odds of its links to their members (from its 100 strongest links)."""
    from caselink.accounts import can

    if not (can(ctx.user.role, "series:read") and can(ctx.user.role, "similar:read")):
        return None
    found = known_series(ctx, record["case_id"], 5, near=100)
    return {"id": "known-series", "title": "Known series it may belong to", "template": "_known_series.html",
            "series": found}


def _point(c: dict[str, Any]) -> dict[str, Any] | None:
    if c.get("lat") is None or c.get("lon") is None:
        return None
    return {"id": c["case_id"], "lat": c["lat"], "lon": c["lon"],
            "label": f"{c['case_id']} · {c['incident_type']} · {c['occurred_from']}"}


@router.get("/series")
def series_list(ctx: CtxDep, min_probability: MinP = 0.5) -> Response:
    authenticate(ctx)
    ctx.need("series:read")
    found = visible_series(ctx, min_probability)
    return render(ctx.request, "series_list.html", series=found, min_probability=min_probability)


@router.get("/series/{series_id}")
def series_page(ctx: CtxDep, series_id: Annotated[str, PathParam(min_length=1, max_length=100)],
                min_probability: MinP = 0.5) -> Response:
    authenticate(ctx)
    ctx.need("series:read")
    s = series_detail(ctx, series_id, min_probability)
    points = [p for p in (_point(c) for c in s["cases"]) if p]
    links = [{"a": lk["a"], "b": lk["b"], "p": lk["probability"]} for lk in s["links"]]
    for lk in s["links"]:
        lk["chart"] = evidence_chart(lk["explanation"])
    return render(ctx.request, "series.html", s=s, min_probability=min_probability,
                  map_data={"points": points, "links": links, "tile_url": state_of(ctx.request).settings.tile_url},
                  timeline=timeline(s["cases"]), graph=link_chart(s["case_ids"], s["links"]))
