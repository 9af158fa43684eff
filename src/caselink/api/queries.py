"""Scoped, audited reads of cases for the API and the pages.

Every function here filters by the caller's scope in SQL and records the read in the audit log
with the caller's purpose. A case outside the scope is answered like one that does not exist,
and the attempt is logged as a denial.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from caselink.api.context import Ctx, not_found
from caselink.schema.record import CaseRecord

SUMMARY_COLUMNS = ("case_id", "incident_type", "occurred_from", "area", "agency", "place_type",
                   "classification", "status", "victim_age", "victim_sex", "lat", "lon")


@dataclass(frozen=True)
class CaseFilter:
    q: str | None = None
    incident_type: str | None = None
    area: str | None = None
    agency: str | None = None
    status: str | None = None
    classification: str | None = None
    occurred_after: date | None = None
    occurred_before: date | None = None

    def sql(self) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        for col in ("incident_type", "area", "agency", "status", "classification"):
            value = getattr(self, col)
            if value:
                where.append(f"{col} = ?")
                params.append(value)
        if self.q:
            where.append("(contains(lower(case_id), ?) OR contains(lower(coalesce(narrative, '')), ?) "
                         "OR contains(lower(coalesce(area, '')), ?) OR contains(lower(coalesce(place_type, '')), ?))")
            params += [self.q.lower()] * 4
        if self.occurred_after:
            where.append("t_to >= ?")
            params.append(self.occurred_after)
        if self.occurred_before:
            where.append("t_from < ? + INTERVAL 1 DAY")
            params.append(self.occurred_before)
        return where, params


def visible_where(ctx: Ctx, alias: str = "") -> tuple[str, list[Any]]:
    return ctx.user.scope.sql(alias)


def list_cases(ctx: Ctx, filt: CaseFilter, *, limit: int, offset: int,
               after: tuple[str, str] | None = None) -> dict[str, Any]:
    """A page of case summaries the user may see, newest first, with the total that match.

    ``after`` (a ``(t_from, case_id)`` key) starts the page after that case (keyset paging);
    ``next_key`` is the key of the last item when more follow."""
    purpose = ctx.purpose()
    scope_sql, params = visible_where(ctx)
    where, fparams = filt.sql()
    clause = " AND ".join([scope_sql, *where])
    con = ctx.store.con
    total = int(con.execute(f"SELECT count(*) FROM cases WHERE {clause}", params + fparams).fetchall()[0][0])
    keyset, kparams = "", []
    if after is not None:
        keyset = " AND (t_from < ?::TIMESTAMP OR (t_from = ?::TIMESTAMP AND case_id > ?))"
        kparams = [after[0], after[0], after[1]]
    rows = con.execute(
        f"SELECT {', '.join(SUMMARY_COLUMNS)}, strftime(t_from, '%Y-%m-%dT%H:%M:%S.%f') FROM cases "
        f"WHERE {clause}{keyset} ORDER BY t_from DESC, case_id LIMIT ? OFFSET ?",
        [*params, *fparams, *kparams, limit + 1, offset]).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [dict(zip(SUMMARY_COLUMNS, r[:-1], strict=True)) for r in rows]
    next_key = (rows[-1][-1], rows[-1][0]) if more and rows else None
    ctx.store.audit("consultation", ctx.command, [i["case_id"] for i in items], purpose,
                    {"rows": len(items), "total": total})
    return {"total": total, "limit": limit, "offset": offset, "items": items, "next_key": next_key}


def visible_ids(ctx: Ctx, case_ids: list[str]) -> set[str]:
    """Which of these ids exist and are in the user's scope (no audit: ids only)."""
    from caselink.api.scoped import visible_ids

    return visible_ids(ctx, case_ids)


def check_visible(ctx: Ctx, case_id: str) -> None:
    """Raise NotFound for a case that does not exist or is outside scope (the latter logged)."""
    rows = ctx.store.con.execute("SELECT agency, area FROM cases WHERE case_id = ?", [case_id]).fetchall()
    if not rows:
        raise not_found(case_id)
    if not ctx.user.scope.allows({"agency": rows[0][0], "area": rows[0][1]}):
        raise ctx.hidden(case_id)


def get_case(ctx: Ctx, case_id: str) -> CaseRecord:
    purpose = ctx.purpose()
    check_visible(ctx, case_id)
    return ctx.store.get_case(case_id, purpose=purpose, command=ctx.command)


def get_cases(ctx: Ctx, case_ids: list[str]) -> list[CaseRecord]:
    """Records of the visible ones among ``case_ids`` (in that order); one audit row."""
    purpose = ctx.purpose()
    keep = visible_ids(ctx, case_ids)
    return ctx.store.get_cases([c for c in case_ids if c in keep], purpose=purpose, command=ctx.command)


def history(ctx: Ctx, case_id: str) -> list[dict[str, Any]]:
    purpose = ctx.purpose()
    check_visible(ctx, case_id)
    return ctx.store.history(case_id, purpose=purpose, command=ctx.command)


def export_records(ctx: Ctx, filt: CaseFilter, limit: int) -> list[dict[str, Any]]:
    """Whole records of the visible cases that match, for an export (audited as a disclosure)."""
    purpose = ctx.purpose()
    scope_sql, params = visible_where(ctx)
    where, fparams = filt.sql()
    rows = ctx.store.con.execute(
        f"SELECT case_id, record FROM cases WHERE {' AND '.join([scope_sql, *where])} "
        "ORDER BY case_id LIMIT ?", [*params, *fparams, limit]).fetchall()
    ctx.store.audit("disclosure", ctx.command, [r[0] for r in rows], purpose, {"rows": len(rows)})
    return [orjson.loads(r[1]) for r in rows]
