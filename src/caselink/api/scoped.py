"""The one place where what the API and the pages send back is cut to the reader's scope.

Every response that carries alerts, links, series, findings or intel goes through
``restrict(ctx, kind, items)``, whether it answers a list, a read or a change (acknowledging an
alert, moving a report on): the same rules, the same SQL (``Scope.sql`` over ``cases``).
Entity reads take the scope in their SQL as a ``Visible`` (``visible(ctx)``) built from the same
scope.

The rules per kind:

* ``alert``: dropped when its case is hidden, or when it has no case and every related case is
  hidden; related ids cut to the visible ones; if any related case was cut, the title is
  rewritten and every mention of a hidden case is taken out of the detail.
* ``report`` / ``overdue``: dropped unless one of its cases is visible (a report linked to no
  case only for users without a scope); case ids cut to the visible ones.
* ``series``: members cut to the visible ones; a series with fewer than two left is dropped.
* ``similar`` / ``finding``: dropped when its case is hidden.

After the kind's rule, a hidden case's id (a case in the store outside the scope) is replaced by
``HIDDEN`` wherever it sits in the item: a whole string, or inside a text (ids of 4 characters
or more); list items that are hidden ids, or dicts whose ``case_id`` is hidden, are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from caselink.errors import CaselinkError

if TYPE_CHECKING:
    from caselink.api.context import Ctx
    from caselink.entities.queries import Visible

HIDDEN = "(a case outside your scope)"


def visible(ctx: Ctx) -> Visible:
    """The reader's scope as entity reads take it (mentions in visible cases and their reports)."""
    from caselink.entities.queries import Visible

    sql, params = ctx.user.scope.sql()
    return Visible(sql, tuple(params), ctx.user.scope.unrestricted)


def visible_ids(ctx: Ctx, case_ids: Iterable[str]) -> set[str]:
    """Which of these ids exist and are in the reader's scope (no audit: ids only)."""
    ids = sorted(set(case_ids))
    if not ids:
        return set()
    scope_sql, params = ctx.user.scope.sql()
    rows = ctx.store.con.execute(
        f"SELECT case_id FROM cases WHERE list_contains(?, case_id) AND {scope_sql}", [ids, *params]).fetchall()
    return {r[0] for r in rows}


def restrict(ctx: Ctx, kind: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``items`` (dicts as the API returns them) as the reader may see them; see the module doc."""
    rule = _RULES.get(kind)
    if rule is None:
        raise CaselinkError(f"no scope rule for {kind!r}")
    if ctx.user.scope.unrestricted:
        return list(items)
    named = {s for item in items for s in _strings(item)}
    existing = _existing(ctx, named)
    keep = visible_ids(ctx, existing)
    hidden = existing - keep
    out = []
    for item in items:
        cut = rule(item, keep, hidden)
        if cut is not None:
            out.append(_scrub(cut, hidden) if hidden else cut)
    return out


def _existing(ctx: Ctx, strings: set[str]) -> set[str]:
    if not strings:
        return set()
    rows = ctx.store.con.execute("SELECT case_id FROM cases WHERE list_contains(?, case_id)",
                                 [sorted(strings)]).fetchall()
    return {r[0] for r in rows}


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _scrub(value: Any, hidden: set[str]) -> Any:
    """Every string naming a hidden case replaced; list items that are hidden ids dropped."""
    if isinstance(value, str):
        if value in hidden:
            return HIDDEN
        for h in hidden:
            if len(h) >= 4 and h in value:
                value = value.replace(h, HIDDEN)
        return value
    if isinstance(value, dict):
        return {_scrub(k, hidden): _scrub(v, hidden) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v, hidden) for v in value if not (isinstance(v, str) and v in hidden)
                and not (isinstance(v, dict) and v.get("case_id") in hidden)]
    return value


def _alert(item: dict[str, Any], keep: set[str], hidden: set[str]) -> dict[str, Any] | None:
    case_id, related = item.get("case_id"), list(item.get("related_ids") or [])
    if case_id is not None and case_id not in keep:
        return None
    shown = [r for r in related if r in keep]
    if case_id is None and related and not shown:
        return None
    out = {**item, "related_ids": shown}
    if len(shown) < len(related) or any(h in item.get("title", "") for h in hidden):
        out["title"] = f"{case_id or 'alert'}: {item['kind']} alert ({len(shown)} related case(s) you can see)"
    return out


def _report(item: dict[str, Any], keep: set[str], hidden: set[str]) -> dict[str, Any] | None:
    ids = list(item.get("case_ids") or [])
    shown = [c for c in ids if c in keep]
    if not shown:  # a report on no case too: only readers without a scope see it
        return None
    return {**item, "case_ids": shown}


def _series(item: dict[str, Any], keep: set[str], hidden: set[str]) -> dict[str, Any] | None:
    members = [c for c in item.get("case_ids") or [] if c in keep]
    return {**item, "case_ids": members} if len(members) >= 2 else None


def _one_case(item: dict[str, Any], keep: set[str], hidden: set[str]) -> dict[str, Any] | None:
    return item if item.get("case_id") in keep else None


Rule = Callable[[dict[str, Any], set[str], set[str]], "dict[str, Any] | None"]
_RULES: dict[str, Rule] = {"alert": _alert, "report": _report, "overdue": _report, "series": _series,
                           "similar": _one_case, "finding": _one_case}
