"""The case-record contract: fields, validation and the normalised record."""

from __future__ import annotations

from caselink.schema.fields import FIELD_BY_NAME, FIELD_NAMES, FIELDS, LIST_FIELDS, FieldSpec
from caselink.schema.record import CaseRecord, Entity
from caselink.schema.timeparse import Moment, parse_moment
from caselink.schema.validate import validate_record

__all__ = [
    "FIELDS", "FIELD_BY_NAME", "FIELD_NAMES", "LIST_FIELDS", "CaseRecord", "Entity",
    "FieldSpec", "Moment", "parse_moment", "validate_record",
]
