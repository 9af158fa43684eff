"""Pages for entities: search and list (``/entities``), one entity with its mentions, the weights
that joined them and what its cases share (``/entities/{id}``), and the case page's section of
the people and things a case shares with others. Reads go through ``caselink.api.routes.entities``
(scoped, audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response

from caselink.accounts import can
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.routes.entities import Kind, entity_detail, find_entities, visible_for
from caselink.web.render import render

router = APIRouter(include_in_schema=False)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
KINDS = ("person", "phone", "vehicle", "email", "handle", "address")


def entities_section(ctx: Ctx, record: dict[str, Any]) -> dict[str, Any] | None:
    """The case page's section: each resolved entity the case mentions, with the other visible
    cases and reports that mention it."""
    from caselink.entities.queries import case_entities

    if not can(ctx.user.role, "entities:read"):
        return None
    items = case_entities(ctx.store, record["case_id"], purpose=ctx.purpose(), command=ctx.command,
                          visible=visible_for(ctx))
    return {"id": "entities", "title": "Resolved people and things", "template": "entities_section.html",
            "entities": items, "case_id": record["case_id"]}


@router.get("/entities")
def entities_page(
    ctx: CtxDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[Kind | None, Query()] = None,
    min_sources: Annotated[int, Query(ge=1, le=10_000)] = 2,
) -> Response:
    authenticate(ctx)
    ctx.need("entities:read")
    items = find_entities(ctx, q, kind, min_sources, 100)
    return render(ctx.request, "entities.html", entities=items, q=q or "", kind=kind or "", kinds=KINDS,
                  min_sources=min_sources)


@router.get("/entities/{entity_id:path}")
def entity_page(ctx: CtxDep, entity_id: Annotated[str, PathParam(min_length=1, max_length=300)]) -> Response:
    authenticate(ctx)
    ctx.need("entities:read")
    return render(ctx.request, "entity.html", e=entity_detail(ctx, entity_id))
