"""The validated, normalised case record and its canonical JSON form."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from caselink.schema.fields import FIELD_NAMES
from caselink.schema.timeparse import parse_moment


@dataclass(frozen=True, slots=True, order=True)
class Entity:
    """A person, phone, vehicle, address, handle or e-mail mentioned in a case."""

    kind: str
    role: str
    value: str
    name: str | None = None
    dob: str | None = None

    def to_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "role": self.role, "value": self.value}
        if self.name is not None:
            out["name"] = self.name
        if self.dob is not None:
            out["dob"] = self.dob
        return out


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """One case, validated against the contract and normalised.

    Times are kept as canonical ISO text (``occurred_from`` …); ``t_from``/``t_to``/``t_found``
    give the interval as naive-UTC datetimes (a date-only ``occurred_to`` ends at 23:59:59).
    """

    case_id: str
    incident_type: str
    occurred_from: str
    occurred_to: str | None = None
    found_at: str | None = None
    lat: float | None = None
    lon: float | None = None
    x: float | None = None
    y: float | None = None
    place_type: str | None = None
    area: str | None = None
    victim_age: int | None = None
    victim_sex: str | None = None
    victim_ethnicity: str | None = None
    victim_tags: tuple[str, ...] = ()
    circumstances: tuple[str, ...] = ()
    substances: tuple[str, ...] = ()
    weapon: str | None = None
    classification: str | None = None
    status: str | None = None
    narrative: str | None = None
    series_ids: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    agency: str | None = None
    entities: tuple[Entity, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def t_from(self) -> datetime:
        return parse_moment(self.occurred_from).start

    @property
    def t_to(self) -> datetime:
        if self.occurred_to is not None:
            return parse_moment(self.occurred_to).end
        return parse_moment(self.occurred_from).end

    @property
    def t_found(self) -> datetime | None:
        return None if self.found_at is None else parse_moment(self.found_at).start

    def to_dict(self) -> dict[str, Any]:
        """Canonical dict: contract field order, absent fields and empty lists left out."""
        out: dict[str, Any] = {}
        for name in FIELD_NAMES:
            value = getattr(self, name)
            if value is None or value == ():
                continue
            if name == "entities":
                out[name] = [e.to_dict() for e in value]
            elif isinstance(value, tuple):
                out[name] = list(value)
            else:
                out[name] = value
        for key in sorted(self.extras):
            out[key] = self.extras[key]
        return out

    def canonical_json(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS)

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseRecord:
        """Rebuild from a canonical dict (as stored); use validation for untrusted input."""
        kwargs: dict[str, Any] = {}
        extras: dict[str, Any] = {}
        for key, value in data.items():
            if key == "entities":
                kwargs[key] = tuple(Entity(**e) for e in value)
            elif key in FIELD_NAMES:
                kwargs[key] = tuple(value) if isinstance(value, list) else value
            else:
                extras[key] = value
        return cls(**kwargs, extras=extras)
