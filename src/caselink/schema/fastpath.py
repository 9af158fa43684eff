"""A fast path for ``normalise``: the common, clean JSON record checked with fewer, cheaper steps.

Ingest spends most of its time normalising records that are already clean: ASCII strings with
no stray spaces, exact enum spellings, canonical ISO 8601 times, numbers as JSON numbers. For
those, ``normalise_fast`` gives exactly what ``caselink.schema.validate.normalise`` gives, with
inline checks instead of the general converters. Anything it is not sure about (non-ASCII text,
other time spellings, any invalid value, any problem at all) is handed to the reference
``normalise``, so the rules and every error message live in one place. A test compares the two
on generated valid and invalid records.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from caselink.errors import Problem
from caselink.schema.fields import (
    ENTITY_KEYS,
    ENTITY_KINDS,
    ENTITY_ROLES,
    EXTRA_PREFIX,
    FIELD_BY_NAME,
    REQUIRED_FIELDS,
    FieldSpec,
)
from caselink.schema.timeparse import MAX_YEAR, MIN_YEAR, Moment
from caselink.schema.validate import (
    _CONVERTERS,
    MAX_ENTITIES,
    MAX_LIST_ITEMS,
    _Bad,
    _is_missing,
    normalise,
    today,
)

_ENTITY_KEYS = frozenset(ENTITY_KEYS)
_ENTITY_KINDS = frozenset(ENTITY_KINDS)
_ENTITY_ROLES = frozenset(ENTITY_ROLES)
_ENTITY_MAX = 500  # the reference's entity text limit (validate._ENTITY_SPEC)
_DAY_END = timedelta(days=1, seconds=-1)
_PAIRS = (("lat", "lon"), ("lon", "lat"), ("x", "y"), ("y", "x"))
_CANONICAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ)?", re.ASCII)
_CANONICAL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MIN_YEAR, _MAX_YEAR = f"{MIN_YEAR:04d}", f"{MAX_YEAR:04d}"
_PLAIN_ID = re.compile(r"[^ <>\"'`\\]+")  # with no "..": ids the reference keeps as they are


class _Slow(Exception):
    """The fast path cannot decide this record; the reference ``normalise`` must."""


def _plain(value: Any, limit: int) -> bool:
    """A string the reference would keep as ``value.strip()``: ASCII, no control characters, short enough.

    The per-value checks of text, list and entity fields repeat this test inline, to save a call
    per value on the per-record path; change them together."""
    return type(value) is str and len(value) <= limit and value.isascii() and value.isprintable()


def _date_ok(text: str) -> bool:
    """The ``YYYY-MM-DD`` start of an already matched canonical time is a real date within the contract's years."""
    if not _MIN_YEAR <= text[:4] <= _MAX_YEAR:  # four ASCII digits compare like the numbers
        return False
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def _moment(value: Any) -> str:
    """Canonical text of a time: ``YYYY-MM-DD`` and ``YYYY-MM-DDTHH:MM:SSZ`` are already canonical."""
    if type(value) is str and _CANONICAL_TIME.fullmatch(value) is not None and _date_ok(value):
        return value
    raise _Slow


def _bounds(canonical: str) -> tuple[datetime, datetime]:
    """Earliest and latest instant of a canonical time (a date covers its whole day)."""
    if len(canonical) == 10:
        start = datetime.fromisoformat(canonical)
        return start, start + _DAY_END
    start = datetime.fromisoformat(canonical[:-1])
    return start, start


def _make_fast(spec: FieldSpec) -> Callable[[Any], Any]:
    """The fast converter for one field; it raises ``_Slow`` where the reference must decide."""
    kind, limit = spec.kind, spec.max_length
    if kind == "id":
        def fast_id(value: Any) -> str:
            if _plain(value, limit) and _PLAIN_ID.fullmatch(value) is not None and ".." not in value:
                return value
            raise _Slow
        return fast_id
    if kind == "enum":
        choices = frozenset(spec.choices)

        def fast_enum(value: Any) -> str:
            if type(value) is str and value in choices:
                return value
            raise _Slow
        return fast_enum
    if kind == "datetime":
        return _moment
    if kind == "float":
        low = -math.inf if spec.minimum is None else spec.minimum
        high = math.inf if spec.maximum is None else spec.maximum

        def fast_float(value: Any) -> float:
            if type(value) is float and math.isfinite(value) and low <= value <= high:
                return value
            raise _Slow
        return fast_float
    if kind == "int":
        low_i, high_i = spec.minimum, spec.maximum

        def fast_int(value: Any) -> int:
            if type(value) is int and (low_i is None or value >= low_i) and (high_i is None or value <= high_i):
                return value
            raise _Slow
        return fast_int
    if kind in ("tag", "text"):
        lower = kind == "tag"

        def fast_text(value: Any) -> str:
            if type(value) is str and len(value) <= limit and value.isascii() and value.isprintable():
                text = value.strip()
                return text.lower() if lower else text
            raise _Slow
        return fast_text
    if kind == "list":
        return lambda value: _fast_list(value, limit)
    return _fast_entities


def _fast_list(value: Any, limit: int) -> list[str]:
    if type(value) is not list or len(value) > MAX_LIST_ITEMS:
        raise _Slow
    out: set[str] = set()
    for item in value:
        if not (type(item) is str and len(item) <= limit and item.isascii() and item.isprintable()):
            raise _Slow
        text = item.strip()
        if not text:
            raise _Slow
        out.add(text.lower())
    return sorted(out)


def _entity_text(raw: dict[str, Any], key: str, required: bool) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise _Slow
        return None
    if not (type(value) is str and len(value) <= _ENTITY_MAX and value.isascii() and value.isprintable()):
        raise _Slow
    text = value.strip()
    if not text:
        if required:
            raise _Slow
        return None
    return text


def _fast_entities(value: Any) -> list[dict[str, str]]:
    if type(value) is not list or len(value) > MAX_ENTITIES:
        raise _Slow
    found: set[tuple[str, str, str, str | None, str | None]] = set()
    now = today()
    for raw in value:
        if type(raw) is not dict or not raw.keys() <= _ENTITY_KEYS:
            raise _Slow
        kind, role = raw.get("kind"), raw.get("role")
        if kind not in _ENTITY_KINDS or role not in _ENTITY_ROLES:
            raise _Slow
        text = _entity_text(raw, "value", True) or ""
        name = _entity_text(raw, "name", False)
        dob = _entity_text(raw, "dob", False)
        if dob is not None and not (_CANONICAL_DATE.fullmatch(dob) is not None and _date_ok(dob) and dob <= now):
            raise _Slow
        found.add((kind, role, text, name, dob))
    out = []
    for kind, role, text, name, dob in sorted(found, key=lambda e: (e[0], e[1], e[2], e[3] or "", e[4] or "")):
        entity = {"kind": kind, "role": role, "value": text}
        if name is not None:
            entity["name"] = name
        if dob is not None:
            entity["dob"] = dob
        out.append(entity)
    return out


_FAST: dict[str, Callable[[Any], Any]] = {spec.name: _make_fast(spec) for spec in FIELD_BY_NAME.values()}


def _fast(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fast = _FAST
    for key, value in data.items():
        conv = fast.get(key)
        if conv is None:
            if not (type(key) is str and key.startswith(EXTRA_PREFIX) and len(key) > len(EXTRA_PREFIX)):
                raise _Slow
            if not _is_missing(value):
                out[key] = value.strip() if isinstance(value, str) else value
            continue
        if value is None or value == [] or (type(value) is str and not value.strip()):
            continue
        try:
            out[key] = conv(value)
        except _Slow:
            # The reference converter of this one field decides (it raises _Bad when invalid).
            converted = _CONVERTERS[key](value, False)
            if isinstance(converted, Moment):
                converted = converted.canonical()
            if converted is not None:
                out[key] = converted
    for name in REQUIRED_FIELDS:
        if name not in out:
            raise _Slow
    for a, b in _PAIRS:
        if a in out and b not in out:
            raise _Slow
    start = out["occurred_from"]
    for other in ("occurred_to", "found_at"):
        if other in out and _bounds(out[other])[1] < _bounds(start)[0]:
            raise _Slow
    return out


def normalise_fast(
    data: Mapping[str, Any], source: str, line: int, *, from_csv: bool = False
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Same result as ``normalise(data, source, line, from_csv=from_csv)``, faster for clean JSON records."""
    if from_csv or type(data) is not dict:
        return normalise(data, source, line, from_csv=from_csv)
    try:
        return _fast(data), []
    except (_Slow, _Bad):
        return normalise(data, source, line, from_csv=False)


__all__ = ["normalise_fast"]
