"""Validate raw input (a JSON object or a CSV row) against the contract, collecting every problem.

Validation never stops at the first problem: each field is checked and all problems are
returned, each naming the source file, line and field, so a user can fix a file in one pass.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from caselink.errors import Problem
from caselink.schema.fields import (
    CSV_LIST_SEPARATOR,
    ENTITY_KEYS,
    ENTITY_KINDS,
    ENTITY_ROLES,
    EXTRA_PREFIX,
    FIELD_BY_NAME,
    REQUIRED_FIELDS,
    FieldSpec,
)
from caselink.schema.record import CaseRecord, Entity
from caselink.schema.timeparse import Moment, parse_moment

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidi embeddings, overrides and isolates (text that displays in another order than it reads),
# refused everywhere; single-line fields also refuse the marks and invisible characters.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile(r"[\u061c\u200b\u200e\u200f\u2060-\u2064\ufeff]")
# Case ids: visible characters, none that would be markup or quotes, no path segment "..".
_ID_FORBIDDEN = re.compile(r"[<>\"'`\\]|(?:^|/)\.\.(?:/|$)")
MAX_LIST_ITEMS = 200       # per list field
MAX_ENTITIES = 500         # per record
MAX_RECORD_BYTES = 1_000_000  # one JSON Lines line (the narrative alone may be 100,000 characters)


class _Bad(ValueError):
    """A single field's value is invalid; the message says why."""


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _check_text(value: Any, spec: FieldSpec, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise _Bad(f"{value!r} is not a string")
    text = value.strip()
    if len(text) > spec.max_length:
        raise _Bad(f"is {len(text)} characters long; the limit is {spec.max_length}")
    if not text.isprintable():
        found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
        if found is not None:
            raise _Bad(f"contains a control character {found.group()!r}")
        found = _BIDI.search(text) or (None if multiline else _INVISIBLE.search(text))
        if found is not None:
            raise _Bad(f"contains an invisible or direction-changing character U+{ord(found.group()):04X}")
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _check_tag(value: Any, spec: FieldSpec) -> str:
    return _check_text(value, spec).lower()


def _check_enum(value: Any, spec: FieldSpec) -> str:
    return _choice(value, spec.choices)


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    """Exactly one of ``choices`` (case and spaces matter); the error suggests the nearest."""
    if isinstance(value, str) and value in choices:
        return value
    raise _Bad(f"{value!r} is not one of {', '.join(choices)}{_hint(value, choices)}")


def _hint(value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str):
        return " (a string)"
    text = value.strip()
    exact = [c for c in choices if c.lower() == text.lower()]
    if not exact:
        import difflib

        exact = difflib.get_close_matches(text.lower(), [c.lower() for c in choices], n=1, cutoff=0.75)
        exact = [c for c in choices if c.lower() in exact]
    return f" (did you mean {exact[0]}?)" if exact else ""


def _check_float(value: Any, spec: FieldSpec, from_csv: bool = False) -> float:
    if isinstance(value, bool):
        raise _Bad(f"{value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _Bad(f"{value!r} is not a number") from None
        if not from_csv:
            raise _Bad(f"{value!r} is a string; JSON numbers are written without quotes")
    else:
        raise _Bad(f"{value!r} is not a number")
    if not math.isfinite(number):
        raise _Bad(f"{value!r} is not a finite number")
    if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
        raise _Bad(f"{value!r} is outside [{spec.minimum:g}, {spec.maximum:g}]")
    return number


def _check_int(value: Any, spec: FieldSpec, from_csv: bool = False) -> int:
    if isinstance(value, bool):
        raise _Bad(f"{value!r} is not an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and not from_csv and value.strip().lstrip("+-").isdigit():
        raise _Bad(f"{value!r} is a string; JSON numbers are written without quotes")
    elif isinstance(value, str) and value.strip().lstrip("+-").isdigit() and value.strip().isascii():
        number = int(value.strip())
    else:
        raise _Bad(f"{value!r} is not an integer")
    if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
        raise _Bad(f"{value!r} is outside {spec.minimum:g}-{spec.maximum:g}")
    return number


def _check_moment(value: Any) -> Moment:
    if not isinstance(value, str):
        raise _Bad(f"{value!r} is not an ISO 8601 date or datetime string")
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise _Bad(str(exc)) from None


def _check_list(value: Any, spec: FieldSpec, from_csv: bool) -> tuple[str, ...]:
    if isinstance(value, str):
        if not from_csv:
            raise _Bad(f"{value!r} is not a list (JSON Lines lists are JSON arrays)")
        items: list[Any] = value.split(CSV_LIST_SEPARATOR)
    elif isinstance(value, list):
        items = value
    else:
        raise _Bad(f"{value!r} is not a list of strings")
    if len(items) > MAX_LIST_ITEMS:
        raise _Bad(f"has {len(items)} items; the limit is {MAX_LIST_ITEMS}")
    out: set[str] = set()
    for i, item in enumerate(items):
        if type(item) is not str:
            raise _Bad(f"item {i} ({item!r}) is not a string")
        text = item.strip()
        if not text:
            if from_csv:
                continue
            raise _Bad(f"item {i} is empty")
        if len(text) <= spec.max_length and text.isprintable() and text.isascii():
            out.add(text.lower())
        else:
            out.add(_check_tag(item, spec))
    return tuple(sorted(out))


_ENTITY_SPEC = FieldSpec("entity", "text", max_length=500)


def _check_entity(raw: Any, index: int) -> Entity:
    if not isinstance(raw, Mapping):
        raise _Bad(f"item {index} is not an object with kind, role and value")
    unknown = sorted(set(raw) - set(ENTITY_KEYS))
    if unknown:
        raise _Bad(f"item {index}: entity: has unknown key(s) {', '.join(unknown)} (allowed: {', '.join(ENTITY_KEYS)})")
    spec = _ENTITY_SPEC
    fields: dict[str, str | None] = {}
    for key in ENTITY_KEYS:
        value = raw.get(key)
        if _is_missing(value):
            if key in ("kind", "role", "value"):
                raise _Bad(f"item {index}: {key}: is required")
            fields[key] = None
            continue
        try:
            fields[key] = _check_text(value, spec)
        except _Bad as exc:
            raise _Bad(f"item {index}: {key}: {exc}") from None
    kind, role = fields["kind"] or "", fields["role"] or ""
    for key, choices in (("kind", ENTITY_KINDS), ("role", ENTITY_ROLES)):
        try:
            _choice(raw.get(key), choices)
        except _Bad as exc:
            raise _Bad(f"item {index}: {key}: {exc}") from None
    dob = fields["dob"]
    if dob is not None:
        try:
            moment = parse_moment(dob)
        except ValueError as exc:
            raise _Bad(f"item {index}: dob: {exc}") from None
        if not moment.date_only:
            raise _Bad(f"item {index}: dob: {dob!r} must be a date (YYYY-MM-DD)")
        dob = moment.canonical()
        if dob > today():
            raise _Bad(f"item {index}: dob: {dob} is in the future")
    return Entity(kind, role, fields["value"] or "", fields["name"], dob)


def today() -> str:
    """Today's date (UTC) as ``YYYY-MM-DD``: no date of birth may be later."""
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()


def _check_entities(value: Any) -> tuple[Entity, ...]:
    if not isinstance(value, list):
        raise _Bad("is not a list of objects")
    if len(value) > MAX_ENTITIES:
        raise _Bad(f"has {len(value)} entities; the limit is {MAX_ENTITIES} per record")
    return sort_entities({_check_entity(raw, i) for i, raw in enumerate(value)})


def sort_entities(entities: Any) -> tuple[Entity, ...]:
    """Canonical order of a set of entities (missing name/dob sort first)."""
    return tuple(sorted(entities, key=lambda e: (e.kind, e.role, e.value, e.name or "", e.dob or "")))


def validate_record(
    data: Mapping[str, Any], source: str, line: int, *, from_csv: bool = False
) -> tuple[CaseRecord | None, list[Problem]]:
    """Check one raw record; return the normalised record, or None and every problem found."""
    canonical, problems = normalise(data, source, line, from_csv=from_csv)
    if canonical is None:
        return None, problems
    return CaseRecord.from_dict(canonical), problems


def normalise(
    data: Mapping[str, Any], source: str, line: int, *, from_csv: bool = False
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Check one raw record; return its canonical dict (as ``CaseRecord.to_dict``) or every problem.

    This is the hot path of ingest: plain dicts, no record objects.
    """
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        return None, [Problem(source, line, "(record)", "is not a JSON object")]
    out: dict[str, Any] = {}
    moments: dict[str, Moment] = {}
    for key, value in data.items():
        conv = _CONVERTERS.get(key)
        if conv is None:
            if isinstance(key, str) and key.startswith(EXTRA_PREFIX) and len(key) > len(EXTRA_PREFIX):
                if not _is_missing(value):
                    out[key] = value.strip() if isinstance(value, str) else value
            else:
                problems.append(Problem(source, line, str(key), "unknown field (extra fields must be prefixed 'x_')"))
            continue
        if value is None or value == [] or (type(value) is str and not value.strip()):
            continue
        try:
            converted = conv(value, from_csv)
        except _Bad as exc:
            problems.append(Problem(source, line, key, str(exc)))
            continue
        if isinstance(converted, Moment):
            moments[key] = converted
            converted = converted.canonical()
        if converted is not None:
            out[key] = converted
    for name in REQUIRED_FIELDS:
        if name not in out and not any(p.field == name for p in problems):
            problems.append(Problem(source, line, name, "is required"))
    if len(moments) > 1 or "lat" in data or "lon" in data or "x" in data or "y" in data:
        def bad(field: str, message: str) -> None:
            problems.append(Problem(source, line, field, message))

        _check_cross_field(out, moments, bad, data)
    if problems:
        return None, problems
    return out, problems


def _make_converter(spec: FieldSpec) -> Any:
    kind = spec.kind
    if kind == "id":
        def conv_id(value: Any, from_csv: bool) -> str:
            if isinstance(value, int | float) and not isinstance(value, bool):
                raise _Bad(f"{value!r} is a number; case ids are strings (write \"{value}\")")
            return check_case_id(_check_text(value, spec))
        return conv_id
    if kind == "enum":
        return lambda value, from_csv: _check_enum(value, spec)
    if kind == "datetime":
        return lambda value, from_csv: _check_moment(value)
    if kind == "float":
        return lambda value, from_csv: _check_float(value, spec, from_csv)
    if kind == "int":
        return lambda value, from_csv: _check_int(value, spec, from_csv)
    if kind == "tag":
        return lambda value, from_csv: _check_tag(value, spec)
    if kind == "text":
        multiline = spec.name == "narrative"
        return lambda value, from_csv: _check_text(value, spec, multiline=multiline)
    if kind == "list":
        return lambda value, from_csv: list(_check_list(value, spec, from_csv))
    if kind == "entities":
        return lambda value, from_csv: [e.to_dict() for e in _check_entities(value)]
    raise AssertionError(f"unhandled field kind {kind}")  # pragma: no cover


def check_case_id(text: str) -> str:
    """A case id (already trimmed and NFC-normalised): visible characters only, no white space,
    no markup or quote characters, no ``..`` path segment, letters from one script only."""
    if any(ch.isspace() for ch in text):
        raise _Bad(f"{text!r} contains white space")
    if not text.isprintable() or _INVISIBLE.search(text) or _BIDI.search(text):
        raise _Bad(f"{text!r} contains an invisible character; case ids take visible characters only")
    found = _ID_FORBIDDEN.search(text)
    if found is not None:
        raise _Bad(f"{text!r} contains {found.group()!r}; case ids may not hold < > quotes \\ or a '..' segment")
    if not text.isascii():
        scripts = sorted({unicodedata.name(ch, "UNKNOWN").split(" ")[0] for ch in text if ch.isalpha()})
        if len(scripts) > 1:
            raise _Bad(f"{text!r} mixes letters of {' and '.join(s.title() for s in scripts)} "
                       "(a look-alike of another id?)")
    return text


_CONVERTERS: dict[str, Any] = {spec.name: _make_converter(spec) for spec in FIELD_BY_NAME.values()}


def _check_cross_field(values: dict[str, Any], moments: dict[str, Moment], bad: Any, given: Mapping[str, Any]) -> None:
    start, end = moments.get("occurred_from"), moments.get("occurred_to")
    if start is not None and end is not None and end.end < start.start:
        bad("occurred_to", f"{values['occurred_to']} is before occurred_from {values['occurred_from']}")
    found = moments.get("found_at")
    if start is not None and found is not None and found.end < start.start:
        bad("found_at", f"{values['found_at']} is before occurred_from {values['occurred_from']}")
    for a, b in (("lat", "lon"), ("lon", "lat"), ("x", "y"), ("y", "x")):
        if a in values and b not in values and _is_missing(given.get(b)):
            bad(b, f"is required when {a} is given")


def validate_entity_row(
    data: Mapping[str, Any], source: str, line: int
) -> tuple[str | None, Entity | None, list[Problem]]:
    """Check one row of a CSV entities file (case_id,kind,role,value,name,dob)."""
    case_id = data.get("case_id")
    if _is_missing(case_id):
        return None, None, [Problem(source, line, "case_id", "is required")]
    fields = {k: v for k, v in data.items() if k != "case_id"}
    try:
        entity = _check_entity(fields, 0)
    except _Bad as exc:
        field, _, message = str(exc).removeprefix("item 0: ").partition(": ")
        return str(case_id).strip(), None, [Problem(source, line, field, message)]
    return str(case_id).strip(), entity, []
