"""The recursive-descent parser of the filter language: tokens to a SQL boolean and its parameters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from caselink.filters.columns import Column, FilterError, resolve_field
from caselink.filters.tokens import KEYWORDS, Token, describe, tokenize
from caselink.schema.fields import LIST_FIELDS
from caselink.schema.timeparse import parse_moment

_ORDERING = ("<", "<=", ">", ">=")


class Parser:
    def __init__(self, text: str, columns: Mapping[str, Column]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.columns = columns
        self.params: list[object] = []
        self.fields: list[str] = []

    # -- token helpers ---------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, message: str, tok: Token | None = None) -> FilterError:
        tok = tok or self.tok
        return FilterError(f"filter: at column {tok.col}: {message}")

    def expect_op(self, op: str) -> None:
        if self.tok.kind != "op" or self.tok.text != op:
            raise self.fail(f"expected {op!r}, found {describe(self.tok)}")
        self.advance()

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> str:
        if self.tok.kind == "end":
            raise self.fail("the filter is empty (e.g. write: status = unsolved)")
        sql = self.or_expr()
        if self.tok.kind != "end":
            raise self.fail(f"expected 'and', 'or' or the end, found {describe(self.tok)}")
        return sql

    def or_expr(self) -> str:
        return self._joined(self.and_expr, "or")

    def and_expr(self) -> str:
        return self._joined(self.not_expr, "and")

    def _joined(self, operand: Callable[[], str], keyword: str) -> str:
        """``operand (keyword operand)*`` as SQL joined by the keyword."""
        parts = [operand()]
        while self.tok.is_kw(keyword):
            self.advance()
            parts.append(operand())
        return parts[0] if len(parts) == 1 else "(" + f" {keyword.upper()} ".join(parts) + ")"

    def not_expr(self) -> str:
        if self.tok.is_kw("not"):
            self.advance()
            return f"(NOT {self.not_expr()})"
        if self.tok.kind == "op" and self.tok.text == "(":
            self.advance()
            inner = self.or_expr()
            self.expect_op(")")
            return inner
        return self.condition()

    def condition(self) -> str:
        column = self.field_name()
        tok = self.tok
        if tok.kind == "op" and tok.text in ("=", "!=", *_ORDERING):
            self.advance()
            return self.compare(column, tok)
        if tok.is_kw("in") or tok.is_kw("not"):
            negate = tok.is_kw("not")
            self.advance()
            if negate and not self.tok.is_kw("in"):
                raise self.fail(f"expected 'in' after 'not', found {describe(self.tok)}")
            if negate:
                self.advance()
            return self.membership(column, tok, negate)
        if tok.is_kw("has"):
            self.advance()
            return self.has(column, tok)
        if tok.is_kw("is"):
            self.advance()
            return self.presence(column)
        raise self.fail(f"expected an operator after {column.name} "
                        f"(=, !=, <, <=, >, >=, in, not in, has, is), found {describe(tok)}")

    def field_name(self) -> Column:
        tok = self.tok
        if tok.kind != "word" or tok.text.lower() in KEYWORDS:
            raise self.fail(f"expected a field name, found {describe(tok)}")
        column = resolve_field(tok.text, self.columns, tok.col)
        self.advance()
        if column.name not in self.fields:
            self.fields.append(column.name)
        return column

    def value(self, column: Column) -> object:
        tok = self.tok
        if tok.kind not in ("word", "str"):
            raise self.fail(f"expected a value for {column.name}, found {describe(tok)}")
        self.advance()
        return _convert(column, tok, self.fail)

    def value_list(self, column: Column) -> list[object]:
        self.expect_op("(")
        values = [self.value(column)]
        while self.tok.kind == "op" and self.tok.text == ",":
            self.advance()
            values.append(self.value(column))
        self.expect_op(")")
        return values

    # -- conditions ------------------------------------------------------------------------
    def compare(self, column: Column, op_tok: Token) -> str:
        op = op_tok.text
        if column.kind == "list":
            raise self.fail(f"{column.name} is a list: use 'has', 'has any (...)', 'is missing' "
                            f"or 'is present'", op_tok)
        if op in _ORDERING and column.kind in ("enum", "tag", "id"):
            raise self.fail(f"{op!r} needs a number, a date or year; {column.name} is a category", op_tok)
        value_tok = self.tok
        value = self.value(column)
        if column.kind == "datetime":
            return self.compare_time(column, op, value, value_tok)
        expr, value = _comparable(column, value)
        self.params.append(value)
        return f"coalesce({expr} {op} ?, FALSE)"

    def compare_time(self, column: Column, op: str, value: object, tok: Token) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = f"{int(value):04d}"
        else:
            text = str(value)
        try:
            start, end = _moment_bounds(text)
        except ValueError as exc:
            raise self.fail(f"{column.name} needs a date: {exc}", tok) from None
        col = column.sql
        if op in ("=", "!="):
            self.params.extend([start, end])
            inside = f"({col} >= ? AND {col} <= ?)"
            return f"coalesce({inside if op == '=' else 'NOT ' + inside}, FALSE)"
        bound = start if op in ("<", ">=") else end
        self.params.append(bound)
        return f"coalesce({col} {op} ?, FALSE)"

    def membership(self, column: Column, op_tok: Token, negate: bool) -> str:
        if column.kind == "list":
            raise self.fail(f"{column.name} is a list: use 'has any (...)' instead of 'in'", op_tok)
        if column.kind == "datetime":
            raise self.fail(f"'in' does not apply to the date {column.name}; use < and >", op_tok)
        values = self.value_list(column)
        expr, first = _comparable(column, values[0])
        converted = [first] + [_comparable(column, v)[1] for v in values[1:]]
        self.params.extend(converted)
        marks = ", ".join("?" for _ in converted)
        return f"coalesce({expr} {'NOT IN' if negate else 'IN'} ({marks}), FALSE)"

    def has(self, column: Column, op_tok: Token) -> str:
        if column.kind == "extra":
            path = f"'$.\"{column.name}\"[*]'"
            expr = f"list_transform(json_extract_string(record, {path}), lambda t: lower(t))"
        elif column.kind == "list":
            expr = column.sql  # stored lower-cased by validation
        else:
            raise self.fail(f"'has' applies to list fields ({', '.join(LIST_FIELDS)}) and x_ fields; "
                            f"use = for {column.name}", op_tok)
        if self.tok.is_kw("any"):
            self.advance()
            values = [str(v).lower() for v in self.value_list(column)]
            self.params.append(values)
            return f"coalesce(list_has_any({expr}, ?::VARCHAR[]), FALSE)"
        self.params.append(str(self.value(column)).lower())
        return f"coalesce(list_contains({expr}, ?), FALSE)"

    def presence(self, column: Column) -> str:
        tok = self.tok
        if not (tok.is_kw("missing") or tok.is_kw("present")):
            raise self.fail(f"expected 'missing' or 'present' after 'is', found {describe(tok)}")
        self.advance()
        missing = tok.is_kw("missing")
        if column.kind == "list":
            return f"(coalesce(len({column.sql}), 0) {'=' if missing else '>'} 0)"
        return f"({column.sql} IS {'' if missing else 'NOT '}NULL)"



def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _convert(column: Column, tok: Token, fail: Callable[[str, Token], FilterError]) -> object:
    """Check and normalise one value for a column (numbers for numeric fields, enum spelling)."""
    raw = tok.text
    if column.kind in ("number", "int"):
        number = _number(raw)
        if number is None:
            raise fail(f"{column.name} needs a number, found {raw!r}", tok)
        return number
    if column.kind == "enum":
        lowered = {c.lower(): c for c in column.choices}
        if raw.lower() not in lowered:
            raise fail(f"{raw!r} is not a {column.name} (expected one of {', '.join(column.choices)})", tok)
        return lowered[raw.lower()]
    if column.kind == "extra" and tok.kind == "word":
        number = _number(raw)
        return raw if number is None else number
    return raw


def _comparable(column: Column, value: object) -> tuple[str, object]:
    """The SQL expression and parameter for comparing ``column`` with ``value``."""
    if column.kind in ("text", "tag", "list"):
        return f"lower({column.sql})", str(value).lower()
    if column.kind == "extra":
        if isinstance(value, int | float):
            return f"TRY_CAST({column.sql} AS DOUBLE)", float(value)
        return f"lower({column.sql})", str(value).lower()
    return column.sql, value


def _moment_bounds(text: str) -> tuple[object, object]:
    """First and last instant named by a year (``2014``), a month (``2014-06``) or an ISO time."""
    from datetime import datetime, timedelta

    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        if not 1800 <= year <= 2200:
            raise ValueError(f"year {year} is outside 1800-2200")
        return datetime(year, 1, 1), datetime(year + 1, 1, 1) - timedelta(seconds=1)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        first = parse_moment(text + "-01").start
        following = parse_moment(f"{first.year + first.month // 12:04d}-{first.month % 12 + 1:02d}-01").start
        return first, following - timedelta(seconds=1)
    moment = parse_moment(text)
    return moment.start, moment.end


