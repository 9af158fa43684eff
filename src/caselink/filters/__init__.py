"""The shared filter language: a small boolean expression over case fields, compiled to SQL.

Used by ``caselink scan --where``, ``caselink disparity --outcome/--where`` and anything else
that lets a user pick cases. Field names are checked against the case contract; values are
always SQL parameters, never spliced into the SQL text.

Grammar (keywords are case-insensitive)::

    expr      := and_expr ("or" and_expr)*
    and_expr  := not_expr ("and" not_expr)*
    not_expr  := "not" not_expr | "(" expr ")" | condition
    condition := FIELD ("=" | "!=" | "<" | "<=" | ">" | ">=") VALUE
               | FIELD ["not"] "in" "(" VALUE ("," VALUE)* ")"
               | FIELD "has" VALUE | FIELD "has" "any" "(" VALUE ("," VALUE)* ")"
               | FIELD "is" ("missing" | "present")

Each condition is two-valued: a comparison with a missing field is false (so ``not`` is the
exact complement). Dates compare by the interval they name: ``occurred_from <= 2014`` keeps
all of 2014; ``year`` is the year of ``occurred_from``.

Example:
    >>> f = compile_filter("incident_type = death and victim_age < 30")
    >>> f.params
    ['death', 30]
"""

from __future__ import annotations

from collections.abc import Mapping

from caselink.filters.columns import CASE_COLUMNS, Column, Filter, FilterError, resolve_field
from caselink.filters.parser import Parser
from caselink.filters.tokens import KEYWORDS


def compile_filter(text: str, columns: Mapping[str, Column] | None = None) -> Filter:
    """Compile filter text to a SQL boolean over the ``cases`` table (or over ``columns``).

    ``columns`` lets another relation (e.g. intel reports joined to their cases) expose its own
    names; by default every contract field except ``entities`` plus ``year`` and ``x_`` fields.
    Raises FilterError naming the column of the first problem.
    """
    parser = Parser(text, CASE_COLUMNS if columns is None else columns)
    sql = parser.parse()
    return Filter(text=text, sql=sql, params=parser.params, fields=tuple(parser.fields))


__all__ = ["CASE_COLUMNS", "KEYWORDS", "Column", "Filter", "FilterError", "compile_filter", "resolve_field"]
