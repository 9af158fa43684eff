"""Cases: list with filters and paging, one case, its history, CSV export, file import."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response

from caselink.api import queries
from caselink.api.context import Ctx, authenticate, open_ctx, state_of
from caselink.api.errors import ERROR_RESPONSES
from caselink.api.models import CasePage, CaseVersion, ImportOut
from caselink.api.paging import PAGED, BadCursor, CursorParam, key_values, set_next
from caselink.api.uploads import save_upload
from caselink.errors import Problem, ValidationFailed
from caselink.export import csv_columns, record_to_csv_row
from caselink.schema.fields import CLASSIFICATIONS, INCIDENT_TYPES, STATUSES

router = APIRouter(tags=["cases"], responses=ERROR_RESPONSES)
CtxDep = Annotated[Ctx, Depends(open_ctx)]
CaseId = Annotated[str, PathParam(min_length=1, max_length=200)]
IsoDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="a date, YYYY-MM-DD")]
_ENUMS = {"incident_type": INCIDENT_TYPES, "status": STATUSES, "classification": CLASSIFICATIONS}


def case_filter(
    q: Annotated[str | None, Query(max_length=200, description="Text in the id, narrative, area or place type")] = None,
    incident_type: Annotated[str | None, Query(max_length=40)] = None,
    area: Annotated[str | None, Query(max_length=200)] = None,
    agency: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    classification: Annotated[str | None, Query(max_length=40)] = None,
    occurred_after: IsoDate = None,
    occurred_before: IsoDate = None,
) -> queries.CaseFilter:
    return queries.CaseFilter(q or None, incident_type or None, area or None, agency or None,
                              status or None, classification or None, _date("occurred_after", occurred_after),
                              _date("occurred_before", occurred_before))


def _date(name: str, text: str | None) -> date | None:
    """A calendar date written YYYY-MM-DD (never a number read as a timestamp)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed([Problem("query", 1, name, f"{text!r} is not a real date (YYYY-MM-DD)")]) from None


FilterDep = Annotated[queries.CaseFilter, Depends(case_filter)]


@router.get("/cases", response_model=CasePage, responses=PAGED)
def list_cases(ctx: CtxDep, filt: FilterDep, response: Response, limit: Annotated[int, Query(ge=1, le=500)] = 50,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0, cursor: CursorParam = None) -> dict[str, Any]:
    """Cases the user may see that match the filters, newest first (needs a purpose; audited).
    Page with ``cursor`` (from ``next``), or with ``offset`` (not both)."""
    authenticate(ctx)
    ctx.need("cases:read")
    after = None
    if cursor:
        if offset:
            raise ValidationFailed([Problem("query", 1, "offset", "give cursor or offset, not both")])
        t_from, case_id = key_values(ctx.request, cursor, (str, str))
        try:
            datetime.fromisoformat(t_from)
        except ValueError:
            raise BadCursor("cursor is not one this server issued (use the X-Next-Cursor of the previous page)") from None
        after = (t_from, case_id)
    found = queries.list_cases(ctx, filt, limit=limit, offset=offset, after=after)
    key = found.pop("next_key")
    found["next"] = set_next(ctx.request, response, key)
    return found


@router.get("/cases/export.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
def export_csv(ctx: CtxDep, filt: FilterDep,
               limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000) -> Response:
    """Matching visible cases as CSV; cells a spreadsheet would run as formulas are neutralised."""
    authenticate(ctx)
    ctx.need("cases:export")
    records = queries.export_records(ctx, filt, limit)
    out = io.StringIO()
    writer = csv.writer(out)
    columns = csv_columns(records)
    writer.writerow(columns)
    for record in records:
        writer.writerow(record_to_csv_row(record, columns))
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="cases.csv"'})


@router.get("/cases/{case_id}", response_model=dict[str, Any])
def get_case(case_id: CaseId, ctx: CtxDep) -> dict[str, Any]:
    """One case's current record (needs a purpose; audited). Out of scope answers 404."""
    authenticate(ctx)
    ctx.need("cases:read")
    return queries.get_case(ctx, case_id).to_dict()


@router.get("/cases/{case_id}/history", response_model=list[CaseVersion])
def get_history(case_id: CaseId, ctx: CtxDep) -> list[dict[str, Any]]:
    """Every version of a case, oldest first (needs a purpose; audited)."""
    authenticate(ctx)
    ctx.need("cases:read")
    return queries.history(ctx, case_id)


@router.post("/cases/import", response_model=ImportOut)
def import_cases(file: UploadFile, ctx: CtxDep) -> dict[str, Any]:
    """Load a JSON Lines or CSV file of cases (supervisors). Size-limited; the name is checked."""
    authenticate(ctx)
    ctx.need("cases:import")
    limit = state_of(ctx.request).settings.max_upload_bytes
    with tempfile.TemporaryDirectory(prefix="caselink-upload-") as tmp:
        path = save_upload(file, Path(tmp), limit)
        report = ctx.store.ingest([path], show_progress=False)
    return {k: getattr(report, k) for k in ("batch_id", "records", "new", "updated", "unchanged", "rejected")}
