"""Keyset pagination for every list endpoint: ``?limit=N&cursor=C``, the next page's cursor in
the ``Link: <...>; rel="next"`` and ``X-Next-Cursor`` response headers (and in ``next`` where the
body is an object, as for ``/cases``).

A cursor is opaque to clients: base64url JSON of the last item's sort key and a fingerprint of
the query it belongs to (path and every parameter but ``cursor`` and ``limit``), so it cannot be
replayed against another filter or sort. The next page starts strictly after that key, so items
added or removed between requests never shift a page (unlike an offset). An endpoint's order is
its ``key`` ascending: a list newest first uses ``key=lambda a: (-a["alert_id"],)``, and a route
that lets the client choose the sort passes the key of that sort (the sort is part of the
fingerprint). Keys must be unique per item: end them with the item's id.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Query, Request, Response

from caselink.errors import CaselinkError

T = TypeVar("T")
CursorParam = Annotated[str | None, Query(max_length=1000, description=(
    "Where the page starts: the X-Next-Cursor header (or 'next') of the previous page. Opaque."))]
NEXT_HEADERS = {
    "Link": {"description": 'The next page, as <url>; rel="next" (absent on the last page)',
             "schema": {"type": "string"}},
    "X-Next-Cursor": {"description": "cursor= for the next page (absent on the last page)",
                      "schema": {"type": "string"}},
}
PAGED: dict[int | str, dict[str, Any]] = {200: {"headers": NEXT_HEADERS}}


def fingerprint(request: Request) -> str:
    params = sorted((k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "limit"))
    raw = orjson.dumps([request.url.path, params])
    return hashlib.sha256(raw).hexdigest()[:16]


def _norm(key: Sequence[Any]) -> list[list[Any]]:
    """A key as comparable JSON: each part [0, value], or [1, ""] for a missing value (sorts last)."""
    parts = [[1, ""] if v is None else [0, v] for v in key]
    out: list[list[Any]] = orjson.loads(orjson.dumps(parts, default=str))  # as it comes back from a cursor
    return out


def encode(request: Request, key: Sequence[Any]) -> str:
    data = orjson.dumps({"f": fingerprint(request), "k": _norm(key)})
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(request: Request, cursor: str) -> list[list[Any]]:
    """The key a cursor stands for; ``ValidationFailed`` (422) if it is not one of this query's."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key, fp = data["k"], data["f"]
        if not isinstance(key, list) or not all(isinstance(p, list) and len(p) == 2 for p in key):
            raise ValueError
    except (ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise _bad("cursor is not one this server issued (use the X-Next-Cursor of the previous page)") from None
    if fp != fingerprint(request):
        raise _bad("cursor belongs to another query (its filters or sort differ): start again without it")
    return key


def key_values(request: Request, cursor: str, types: Sequence[type]) -> list[Any]:
    """A cursor's key as plain values of the given types (for keyset paging done in SQL)."""
    key = decode(request, cursor)
    if len(key) != len(types) or any(
            flag != 0 or not isinstance(v, t) or isinstance(v, bool) for (flag, v), t in zip(key, types, strict=True)):
        raise _bad("cursor does not fit this list's order: start again without it")
    return [v for _, v in key]


class BadCursor(CaselinkError):
    """A cursor this query did not issue (answered 422 ``invalid_cursor``)."""

    code = "invalid_cursor"
    status = 422


def _bad(message: str) -> BadCursor:
    return BadCursor(message)


def _after(item_key: list[list[Any]], cursor_key: list[list[Any]]) -> bool:
    try:
        return item_key > cursor_key
    except TypeError:
        raise _bad("cursor does not fit this list's order: start again without it") from None


def set_next(request: Request, response: Response, key: Sequence[Any] | None) -> str | None:
    """Put the next page's cursor (for the item with ``key``) in the headers; return it."""
    if key is None:
        return None
    nxt = encode(request, key)
    url = request.url.include_query_params(cursor=nxt)
    response.headers["Link"] = f'<{url}>; rel="next"'
    response.headers["X-Next-Cursor"] = nxt
    return nxt


def page(request: Request, response: Response, items: Sequence[T], *, key: Callable[[T], Sequence[Any]],
         limit: int, cursor: str | None) -> list[T]:
    """The page of ``items`` (ordered here by ``key``) after ``cursor``, at most ``limit`` long;
    sets the next-page headers when more remain."""
    ordered = sorted(items, key=lambda it: _norm(key(it)))
    if cursor:
        start = decode(request, cursor)
        ordered = [it for it in ordered if _after(_norm(key(it)), start)]
    shown = ordered[:limit]
    set_next(request, response, key(shown[-1]) if len(ordered) > limit and shown else None)
    return shown
