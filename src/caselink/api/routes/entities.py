"""Entities (people, phones, vehicles... resolved across cases and intel reports): search or list
them, and read one with its mentions, the match weights that joined them and what its cases share.

Only mentions in cases the user may see, and in intel reports linked to one of them, count. An
entity seen only outside the user's scope answers 404 exactly like one that does not exist; the
attempt is logged as a denial.
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel

from caselink.api import scoped
from caselink.api.context import Ctx, authenticate, open_ctx
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.paging import PAGED, CursorParam, page
from caselink.entities.queries import EntityNotFound, Visible

router = APIRouter(tags=["entities"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
ENTITY_WINDOW = 10_000  # entities read before paging
Kind = Literal["person", "phone", "vehicle", "email", "handle", "address"]
EntityId = Annotated[str, PathParam(min_length=1, max_length=300)]
MAX_PAIR_CASES = 30  # shared evidence for the pairs among at most this many cases (435 pairs, one query)


class EntityOut(BaseModel):
    entity_id: str
    kind: str
    display: str
    mentions: int
    sources: int
    cases: list[str]
    reports: list[str]


class MentionOut(BaseModel):
    mention_id: str
    source: Literal["case", "intel"]
    source_id: str
    role: str
    value: str
    dob: str | None
    match_weight: float | None
    matched_to: str | None


class SharedOut(BaseModel):
    a: str
    b: str
    lines: list[str]


class EntityDetail(EntityOut):
    mention_list: list[MentionOut]
    shared: list[SharedOut]
    shared_cases_cut: bool


def visible_for(ctx: Ctx) -> Visible:
    """The user's scope as entity reads take it (``scoped.visible``)."""
    return scoped.visible(ctx)


def find_entities(ctx: Ctx, q: str | None, kind: str | None, min_sources: int, limit: int) -> list[dict[str, Any]]:
    """Entities matching ``q`` (a name, phone, plate, e-mail or handle), or without ``q`` those seen
    in at least ``min_sources`` visible cases/reports; audited with the cases shown."""
    from caselink.entities.queries import list_entities, search_entities

    purpose, visible = ctx.purpose(), visible_for(ctx)
    if q and q.strip():
        return search_entities(ctx.store, q.strip(), kind=kind, limit=limit, purpose=purpose, command=ctx.command,
                               visible=visible)
    return list_entities(ctx.store, kind=kind, min_sources=min_sources, limit=limit, purpose=purpose,
                         command=ctx.command, visible=visible)


def shared_between(ctx: Ctx, case_ids: list[str]) -> tuple[list[dict[str, Any]], bool]:
    """What each pair of (visible) cases shares, in plain phrases; True if the cases were cut."""
    from caselink.entities.evidence import explain_shared_among

    kept = sorted(case_ids)[:MAX_PAIR_CASES]
    found = explain_shared_among(ctx.store.con, kept)
    return [{"a": a, "b": b, "lines": found[(a, b)]} for a, b in combinations(kept, 2) if (a, b) in found], \
        len(case_ids) > len(kept)


def entity_detail(ctx: Ctx, entity_id: str) -> dict[str, Any]:
    """One entity as the user may see it (NotFound if none of its mentions is visible)."""
    from caselink.entities.queries import get_entity

    purpose = ctx.purpose()
    try:
        found = get_entity(ctx.store, entity_id, purpose=purpose, command=ctx.command, visible=visible_for(ctx))
    except EntityNotFound:
        hidden = ctx.store.con.execute(
            "SELECT list(DISTINCT source_id ORDER BY source_id) FILTER (WHERE source = 'case') FROM entity_mentions "
            "WHERE entity_id = ? HAVING count(*) > 0", [entity_id]).fetchall()
        if hidden:
            ctx.deny("entity out of scope", list(hidden[0][0] or []), {"entity_id": entity_id})
        raise
    found["shared"], found["shared_cases_cut"] = shared_between(ctx, found["cases"])
    return found


@router.get("/entities", response_model=list[EntityOut], responses=PAGED)
def list_or_search(
    ctx: CtxDep,
    response: Response,
    q: Annotated[str | None, Query(max_length=200, description="A name, phone, plate, e-mail or handle")] = None,
    kind: Kind | None = None,
    min_sources: Annotated[int, Query(ge=1, le=10_000, description="Without q: seen in this many sources")] = 2,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: CursorParam = None,
) -> list[dict[str, Any]]:
    """Resolved entities in cases and reports the user may see: those matching ``q``, or without
    it the most widely seen (needs a purpose; audited)."""
    authenticate(ctx)
    ctx.need("entities:read")
    found = find_entities(ctx, q, kind, min_sources, ENTITY_WINDOW)
    if q and q.strip():  # search: pages follow the relevance rank of this search (ties by id)
        rank = {e["entity_id"]: i for i, e in enumerate(found)}
        return page(ctx.request, response, found, limit=limit, cursor=cursor,
                    key=lambda e: (rank[e["entity_id"]], e["entity_id"]))
    return page(ctx.request, response, found, limit=limit, cursor=cursor,
                key=lambda e: (-e["sources"], -e["mentions"], e["entity_id"]))


@router.get("/entities/{entity_id:path}", response_model=EntityDetail)
def get_one(ctx: CtxDep, entity_id: EntityId) -> dict[str, Any]:
    """One entity: its visible mentions (case or report, role, as written, the weight of the link
    that joined each), its cases and what each pair of them shares (needs a purpose; audited)."""
    authenticate(ctx)
    ctx.need("entities:read")
    return entity_detail(ctx, entity_id)
