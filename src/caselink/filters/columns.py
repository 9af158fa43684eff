"""Filterable names: the case contract's fields (plus ``year`` and ``x_`` extras) as SQL columns."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from caselink.errors import CaselinkError
from caselink.schema.fields import FIELDS


class FilterError(CaselinkError):
    """A filter expression that cannot be compiled; the message names the column and the fix."""

    code = "filter_error"


@dataclass(frozen=True)
class Column:
    """How a filterable name maps to SQL: its expression and its kind.

    kind: ``number``, ``int``, ``id``, ``text`` (case-insensitive equality), ``tag``
    (stored lower-cased), ``enum`` (value must be one of ``choices``), ``list``,
    ``datetime`` (``sql`` is the TIMESTAMP column), ``extra`` (an ``x_`` field in the JSON).
    """

    name: str
    sql: str
    kind: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Filter:
    """A compiled filter: ``sql`` is a boolean SQL expression, ``params`` its values in order."""

    text: str
    sql: str
    params: list[object] = field(default_factory=list)
    fields: tuple[str, ...] = ()


_DATETIME_COLUMNS = {"occurred_from": "t_from", "occurred_to": "t_to", "found_at": "t_found"}


def _contract_columns() -> dict[str, Column]:
    kinds = {"float": "number", "int": "int", "id": "id", "text": "text", "tag": "tag",
             "enum": "enum", "list": "list"}
    out: dict[str, Column] = {}
    for spec in FIELDS:
        if spec.kind == "entities":
            continue
        if spec.kind == "datetime":
            out[spec.name] = Column(spec.name, _DATETIME_COLUMNS[spec.name], "datetime")
        else:
            out[spec.name] = Column(spec.name, spec.name, kinds[spec.kind], spec.choices)
    out["year"] = Column("year", "year(t_from)", "int")
    return out


CASE_COLUMNS: dict[str, Column] = _contract_columns()

_EXTRA_NAME = re.compile(r"^x_[A-Za-z0-9_]+$")


def resolve_field(name: str, columns: Mapping[str, Column] | None = None, col: int = 1) -> Column:
    """The Column for a field name (contract field, ``year`` or ``x_`` field), or FilterError."""
    columns = CASE_COLUMNS if columns is None else columns
    column = columns.get(name) or columns.get(name.lower())
    if column is not None:
        return column
    if name.startswith("x_"):
        if not _EXTRA_NAME.match(name):
            raise FilterError(f"filter: at column {col}: extra field names may only use letters, "
                              f"digits and _: {name!r}")
        return Column(name, f"json_extract_string(record, '$.\"{name}\"')", "extra")
    guess = difflib.get_close_matches(name.lower(), list(columns), n=1)
    hint = f" (did you mean {guess[0]}?)" if guess else f" (fields: {', '.join(columns)})"
    raise FilterError(f"filter: at column {col}: unknown field {name!r}{hint}")

