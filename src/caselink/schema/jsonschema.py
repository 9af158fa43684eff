"""The case contract as a JSON Schema (draft 2020-12), generated from ``schema/fields.py``, for
editors, other tools and pipelines that check records before they reach ``caselink ingest``.

It states what a schema can: field names and types, required fields, enum values, numeric ranges,
text and list lengths, the entity shape, ISO 8601 date/datetime patterns, ``x_`` extension fields,
and that x/y and lat/lon come in pairs. Ingest checks more than a schema can say (named in
``NOT_EXPRESSED``; the test lists the corpus cases this leaves to ingest).
"""

from __future__ import annotations

from typing import Any

from caselink.schema.fields import (
    ENTITY_KEYS,
    ENTITY_KINDS,
    ENTITY_ROLES,
    EXTRA_PREFIX,
    FIELDS,
    REQUIRED_FIELDS,
    FieldSpec,
)

SCHEMA_ID = "https://caselink.invalid/schema/case-record.json"
MAX_LIST_ITEMS = 200
MAX_ENTITIES = 500
#: ISO 8601 as ingest reads it: a date, or a date and time with optional seconds, fraction, zone.
DATETIME_PATTERN = (r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
                    r"([T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?$")
NOT_EXPRESSED = (
    "calendar validity (2014-02-30) and the year range of dates",
    "occurred_to and found_at not before occurred_from",
    "invisible, bidirectional and control characters in text",
    "keys given twice in one JSON object, and NaN/Infinity",
)


#: control, zero-width, bidirectional-override and line/paragraph-separator characters, and BOM
HIDDEN = "\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff"


def _text(spec: FieldSpec) -> dict[str, Any]:
    line_breaks = "" if spec.name == "narrative" else "\n\r"
    return {"type": "string", "minLength": 1, "maxLength": spec.max_length,
            "allOf": [{"pattern": r"\S"}, {"pattern": f"^[^{HIDDEN}{line_breaks}]*$"}]}


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any]
    if spec.kind == "enum":
        out = {"type": "string", "enum": list(spec.choices)}
    elif spec.kind == "datetime":
        out = {"type": "string", "pattern": DATETIME_PATTERN}
    elif spec.kind in ("float", "int"):
        out = {"type": "number" if spec.kind == "float" else "integer"}
        if spec.minimum is not None:
            out["minimum"] = spec.minimum
        if spec.maximum is not None:
            out["maximum"] = spec.maximum
    elif spec.kind == "list":
        out = {"type": "array", "maxItems": MAX_LIST_ITEMS,
               "items": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}}
    elif spec.kind == "entities":
        out = {"type": "array", "maxItems": MAX_ENTITIES, "items": {"$ref": "#/$defs/entity"}}
    elif spec.kind == "id":
        out = {"type": "string", "minLength": 1, "maxLength": spec.max_length,
               "allOf": [{"pattern": f"^[^\\s<>\"'`\\\\{HIDDEN}]+$"}, {"not": {"pattern": r"(^|/)\.\.(/|$)"}}]}
    else:
        out = _text(spec)
    if spec.description:
        out["description"] = spec.description
    return out


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of one case record."""
    entity = {
        "type": "object", "additionalProperties": False, "required": ["kind", "role", "value"],
        "properties": {
            "kind": {"type": "string", "enum": list(ENTITY_KINDS)},
            "role": {"type": "string", "enum": list(ENTITY_ROLES)},
            "value": {"type": "string", "minLength": 1, "maxLength": 500,
                      "allOf": [{"pattern": r"\S"}, {"pattern": f"^[^{HIDDEN}\\n\\r]*$"}]},
            "name": {"type": "string", "maxLength": 500},
            "dob": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"},
        },
    }
    props: dict[str, Any] = entity["properties"]  # type: ignore[assignment]
    assert set(props) == set(ENTITY_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "caselink case record",
        "description": "One case as caselink ingest reads it (generated from caselink.schema.fields). "
                       "Not expressible here, checked by ingest: " + "; ".join(NOT_EXPRESSED) + ".",
        "type": "object",
        "required": list(REQUIRED_FIELDS),
        "properties": {f.name: field_schema(f) for f in FIELDS},
        "patternProperties": {f"^{EXTRA_PREFIX}[a-z0-9_]+$": {}},
        "additionalProperties": False,
        "dependentRequired": {"lat": ["lon"], "lon": ["lat"], "x": ["y"], "y": ["x"]},
        "$defs": {"entity": entity},
    }
