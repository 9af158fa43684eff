"""Similar cases (with the evidence for each link) and candidate series, scoped to the user."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam

from caselink.api import queries, scoped
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import KnownSeriesOut, SeriesDetail, SeriesOut, SimilarOut
from caselink.api.paging import PAGED, CursorParam, page
from caselink.errors import NotFound

router = APIRouter(tags=["linkage"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
CaseId = Annotated[str, PathParam(min_length=1, max_length=200)]
MinP = Annotated[float, Query(gt=0.0, lt=1.0)]
KNOWN_WINDOW = 100  # known series ranked before paging (the links read are the same 500 either way)


def similar_cases(ctx: Ctx, case_id: str, limit: int, min_probability: float | None = None) -> list[dict[str, Any]]:
    """The ``limit`` most probable candidates the user may see, whatever the kept-link threshold,
    each with its explanation and whether it is a stored link (``linkage.similar``: from the
    links when they are sure to hold them, else scored now). A scoped user's candidates are cut
    to the scope before the audit, so the audit row names exactly the cases shown."""
    from caselink.linkage.similar import similar

    purpose = ctx.purpose()
    queries.check_visible(ctx, case_id)
    visible = None if ctx.user.scope.unrestricted else (lambda ids: queries.visible_ids(ctx, ids))
    found = similar(ctx.store, case_id, limit=limit, purpose=purpose, command=ctx.command, visible=visible,
                    min_probability=min_probability)
    return scoped.restrict(ctx, "similar", found)


def known_series(ctx: Ctx, case_id: str, limit: int, near: int = 500) -> list[dict[str, Any]]:
    """Known series this case may belong to, ranked as ``caselink series --for`` ranks them
    (``linkage.series.rank_series``) from the case's ``near`` strongest links the user may see;
    a series' size counts only its members in the user's scope."""
    from caselink.linkage.series import rank_series, series_members, series_sizes
    from caselink.linkage.similar import kept_threshold

    links = similar_cases(ctx, case_id, near, kept_threshold(ctx.store))  # its links; scope-checked, audited
    if not links:
        return []
    members = series_members(ctx.store.con, [r["case_id"] for r in links])
    scope_sql, params = queries.visible_where(ctx, "c")
    sizes = series_sizes(ctx.store.con, sorted({s for _, s in members}), scope_sql, params)
    return rank_series(links, members, sizes)[:limit]


def visible_series(ctx: Ctx, min_probability: float) -> list[dict[str, Any]]:
    """Candidate series, members cut to those in scope; a series with under two visible is left out."""
    from caselink.linkage.series import series

    found = series(ctx.store, min_probability=min_probability, purpose=ctx.purpose(), command=ctx.command)
    return scoped.restrict(ctx, "series", found)  # nothing says how many were left out


def series_detail(ctx: Ctx, series_id: str, min_probability: float) -> dict[str, Any]:
    """One series: its visible cases (summaries with place and time) and the links among them."""
    match = [s for s in visible_series(ctx, min_probability) if s["series_id"] == series_id]
    if not match:
        raise NotFound(f"no series {series_id!r} at min_probability {min_probability}")
    s = match[0]
    ids = s["case_ids"]
    cols = ", ".join(queries.SUMMARY_COLUMNS)
    rows = ctx.store.con.execute(f"SELECT {cols}, occurred_to FROM cases WHERE list_contains(?, case_id) "
                                 "ORDER BY t_from", [ids]).fetchall()
    cases = [dict(zip((*queries.SUMMARY_COLUMNS, "occurred_to"), r, strict=True)) for r in rows]
    links = ctx.store.con.execute(
        "SELECT case_a, case_b, probability, explanation FROM links WHERE list_contains(?, case_a) "
        "AND list_contains(?, case_b) ORDER BY probability DESC", [ids, ids]).fetchall()
    return {**s, "cases": cases,
            "links": [{"a": a, "b": b, "probability": float(p), "explanation": orjson.loads(e)} for a, b, p, e in links]}


@router.get("/cases/{case_id}/similar", response_model=list[SimilarOut])
def get_similar(case_id: CaseId, ctx: CtxDep, limit: Annotated[int, Query(ge=1, le=100)] = 5) -> list[dict[str, Any]]:
    """The ``limit`` cases most likely to share an offender with this one whatever the kept-link
    threshold, each with how each piece of evidence moved the odds and whether it is a stored link
    (needs a purpose; audited). Up to 5 come from the links table; more may be scored on the fly."""
    authenticate(ctx)
    ctx.need("similar:read")
    # a ranking, not a list: not paged, because scoring a wider window to find a next page would
    # audit cases never shown (ask a larger limit instead)
    return similar_cases(ctx, case_id, limit)


@router.get("/cases/{case_id}/series", response_model=list[KnownSeriesOut], responses=PAGED)
def get_known_series(case_id: CaseId, ctx: CtxDep, response: Response,
                     limit: Annotated[int, Query(ge=1, le=100)] = 10, cursor: CursorParam = None) -> list[dict[str, Any]]:
    """Known series (solved cases' series_ids) this case may belong to, most likely first, as
    ``caselink series --for`` ranks them; only links and members in the user's scope count
    (needs a purpose; audited)."""
    authenticate(ctx)
    ctx.need("series:read")
    ctx.need("similar:read")
    return page(ctx.request, response, known_series(ctx, case_id, KNOWN_WINDOW),
                key=lambda r: (-r["score"], r["series_id"]), limit=limit, cursor=cursor)


@router.get("/series", response_model=list[SeriesOut], responses=PAGED)
def list_series(ctx: CtxDep, response: Response, min_probability: MinP = 0.5,
                limit: Annotated[int, Query(ge=1, le=5000)] = 1000, cursor: CursorParam = None) -> list[dict[str, Any]]:
    """Candidate series from the stored links, members limited to the user's scope (audited)."""
    authenticate(ctx)
    ctx.need("series:read")
    return page(ctx.request, response, visible_series(ctx, min_probability), limit=limit, cursor=cursor,
                key=lambda s: (-s["confidence"] * len(s["case_ids"]), s["case_ids"][0], s["series_id"]))


@router.get("/series/{series_id}", response_model=SeriesDetail)
def get_series(ctx: CtxDep, series_id: Annotated[str, PathParam(min_length=1, max_length=100)],
               min_probability: MinP = 0.5) -> dict[str, Any]:
    """A series' cases (place and time) and the links among them, for the map, timeline and chart."""
    authenticate(ctx)
    ctx.need("series:read")
    return series_detail(ctx, series_id, min_probability)
