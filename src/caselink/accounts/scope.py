"""Scopes: which cases a user may see, as (column, value) pairs on the cases table.

No scope means every case. Values of one key are alternatives; different keys must all match:
``agency=MPS, agency=BTP, area=Barking`` sees cases of MPS or BTP in Barking. A case outside a
user's scope is answered exactly like a case that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from caselink.errors import CaselinkError

SCOPE_KEYS = ("agency", "area")


@dataclass(frozen=True)
class Scope:
    """Allowed values per key; empty means unrestricted."""

    allowed: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, items: Iterable[str]) -> Scope:
        """From ``["agency=MPS", "area=Barking"]`` (the CLI's ``--scope`` values)."""
        return cls.from_pairs(parse_item(i) for i in items)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Scope:
        allowed: dict[str, set[str]] = {}
        for key, value in pairs:
            allowed.setdefault(key, set()).add(value)
        return cls({k: frozenset(v) for k, v in allowed.items()})

    @property
    def unrestricted(self) -> bool:
        return not self.allowed

    def pairs(self) -> list[tuple[str, str]]:
        return sorted((k, v) for k, vs in self.allowed.items() for v in vs)

    def sql(self, alias: str = "") -> tuple[str, list[Any]]:
        """A WHERE fragment (column names are from SCOPE_KEYS only) and its parameters."""
        if self.unrestricted:
            return "TRUE", []
        prefix = f"{alias}." if alias else ""
        parts, params = [], []
        for key in sorted(self.allowed):
            if key not in SCOPE_KEYS:
                raise CaselinkError(f"unknown scope key {key!r}")
            parts.append(f"list_contains(?, {prefix}{key})")
            params.append(sorted(self.allowed[key]))
        return " AND ".join(parts), params

    def allows(self, row: Mapping[str, Any]) -> bool:
        """True if a case (a mapping with the scope columns) is visible."""
        return all(row.get(key) in values for key, values in self.allowed.items())

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.pairs()) or "all cases"


def parse_item(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not value:
        raise CaselinkError(f"scope {item!r} must look like KEY=VALUE, e.g. agency=MPS")
    if key not in SCOPE_KEYS:
        raise CaselinkError(f"scope key {key!r} is not one of {', '.join(SCOPE_KEYS)}")
    return key, value
