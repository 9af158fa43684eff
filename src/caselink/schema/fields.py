"""The case-record contract (DESIGN.md) as data: every field, its kind, and its allowed values.

This module is the single place the contract is written down; validation, storage,
export and documentation all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

INCIDENT_TYPES = (
    "death", "homicide", "sexual_offence", "assault", "robbery", "burglary",
    "missing_person", "other",
)
VICTIM_SEXES = ("M", "F", "X", "U")
CLASSIFICATIONS = (
    "non_suspicious", "suspicious", "homicide", "accident", "suicide", "natural", "undetermined",
)
STATUSES = ("open", "closed", "cleared_arrest", "cleared_other", "unsolved")
ENTITY_KINDS = ("person", "phone", "vehicle", "address", "handle", "email")
ENTITY_ROLES = ("victim", "witness", "reporter", "suspect", "associate", "other")
ENTITY_KEYS = ("kind", "role", "value", "name", "dob")
ENTITY_CSV_COLUMNS = ("case_id",) + ENTITY_KEYS

Kind = Literal["id", "enum", "datetime", "float", "int", "text", "tag", "list", "entities"]


@dataclass(frozen=True)
class FieldSpec:
    """One field of the contract.

    kind: ``id`` (case id), ``enum``, ``datetime`` (ISO 8601 date or datetime), ``float``,
    ``int``, ``text`` (free text kept as given, trimmed), ``tag`` (a category, lower-cased),
    ``list`` (list of tags), ``entities``.
    """

    name: str
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 1000
    description: str = ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("case_id", "id", required=True, max_length=200, description="unique within the store"),
    FieldSpec("incident_type", "enum", required=True, choices=INCIDENT_TYPES),
    FieldSpec("occurred_from", "datetime", required=True, description="earliest time it can have happened"),
    FieldSpec("occurred_to", "datetime", description="latest time (default: occurred_from)"),
    FieldSpec("found_at", "datetime", description="when the body / offence was found or reported"),
    FieldSpec("lat", "float", minimum=-90.0, maximum=90.0, description="WGS84 latitude"),
    FieldSpec("lon", "float", minimum=-180.0, maximum=180.0, description="WGS84 longitude"),
    FieldSpec("x", "float", description="planar easting in metres (local projection)"),
    FieldSpec("y", "float", description="planar northing in metres (local projection)"),
    FieldSpec("place_type", "tag"),
    FieldSpec("area", "text"),
    FieldSpec("victim_age", "int", minimum=0, maximum=120),
    FieldSpec("victim_sex", "enum", choices=VICTIM_SEXES),
    FieldSpec("victim_ethnicity", "text"),
    FieldSpec("victim_tags", "list"),
    FieldSpec("circumstances", "list"),
    FieldSpec("substances", "list"),
    FieldSpec("weapon", "tag"),
    FieldSpec("classification", "enum", choices=CLASSIFICATIONS),
    FieldSpec("status", "enum", choices=STATUSES),
    FieldSpec("narrative", "text", max_length=100_000),
    FieldSpec("series_ids", "list"),
    FieldSpec("actions", "list"),
    FieldSpec("agency", "text"),
    FieldSpec("entities", "entities"),
)

FIELD_BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
LIST_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "list")
DATETIME_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.kind == "datetime")
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
EXTRA_PREFIX = "x_"
CSV_LIST_SEPARATOR = "|"
