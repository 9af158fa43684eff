"""Reading new reports from flags, JSON, JSON Lines or CSV, collecting every problem.

A report is a mapping with these keys (CSV columns; lists joined by ``|``):
``text``, ``reporter_relation`` and ``channel`` (required); ``reporter_name``,
``reporter_contact``, ``received_at`` (ISO 8601, default now), ``case_ids``, ``mentions``
(objects ``{kind, value, role?, name?, dob?}`` or ``kind:value[:role]`` strings), ``priority``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from caselink.errors import ConfigError, InputError, Problem, ValidationFailed
from caselink.intel.clock import parse_utc
from caselink.intel.entities import Mention
from caselink.schema.fields import ENTITY_KINDS, ENTITY_ROLES

KEYS = ("text", "reporter_relation", "channel", "reporter_name", "reporter_contact", "received_at",
        "case_ids", "mentions", "priority")
MAX_TEXT = 100_000


@dataclass(frozen=True)
class NewReport:
    """A report as given by the person recording it, before it has a reference number."""

    text: str
    reporter_relation: str
    channel: str
    reporter_name: str | None = None
    reporter_contact: str | None = None
    received_at: datetime | None = None
    case_ids: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    priority: str | None = None


class _Bad(Exception):
    pass


def _text(data: Mapping[str, Any], key: str, *, required: bool = False, tag: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _Bad(f"{key}: is required")
        return None
    if not isinstance(value, str):
        raise _Bad(f"{key}: must be text, not {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise _Bad(f"{key}: is longer than {MAX_TEXT} characters")
    text = value.strip()
    return "_".join(text.lower().split()) if tag else text


def parse_mention(raw: Any) -> Mention:
    """``{kind, value, role?, name?, dob?}`` or ``"kind:value[:role]"``."""
    if isinstance(raw, str):
        parts = raw.split(":")
        if len(parts) < 2:
            raise _Bad(f"mention {raw!r} must look like kind:value or kind:value:role")
        role = parts[-1].strip().lower() if len(parts) > 2 and parts[-1].strip().lower() in ENTITY_ROLES else None
        value = ":".join(parts[1:-1] if role else parts[1:])
        raw = {"kind": parts[0], "value": value, "role": role}
    if not isinstance(raw, Mapping):
        raise _Bad("mentions: each must be an object {kind, value} or a 'kind:value' string")
    unknown = sorted(set(raw) - {"kind", "value", "role", "name", "dob"})
    if unknown:
        raise _Bad(f"mentions: unknown key(s) {', '.join(unknown)}")
    kind = str(raw.get("kind") or "").strip().lower()
    role = str(raw.get("role") or "other").strip().lower()
    value = str(raw.get("value") or "").strip()
    if kind not in ENTITY_KINDS:
        raise _Bad(f"mentions: kind {kind!r} is not one of {', '.join(ENTITY_KINDS)}")
    if role not in ENTITY_ROLES:
        raise _Bad(f"mentions: role {role!r} is not one of {', '.join(ENTITY_ROLES)}")
    if not value:
        raise _Bad(f"mentions: a {kind} needs a value")
    return Mention(kind, value, role, (str(raw["name"]).strip() or None) if raw.get("name") else None,
                   str(raw["dob"]).strip() if raw.get("dob") else None)


def _list(value: Any, key: str) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    if isinstance(value, list):
        return value
    raise _Bad(f"{key}: must be a list (or text joined by |)")


def parse_report(data: Mapping[str, Any], source: str, line: int) -> tuple[NewReport | None, list[Problem]]:
    """One report from a mapping; problems name the source, line and field."""
    problems: list[Problem] = []

    def attempt(key: str, fn: Any) -> Any:
        try:
            return fn()
        except (_Bad, ConfigError) as exc:
            msg = str(exc)
            problems.append(Problem(source, line, key, msg.split(": ", 1)[1] if msg.startswith(key + ":") else msg))
            return None

    for key in sorted(set(data) - set(KEYS)):
        problems.append(Problem(source, line, key, f"unknown field (allowed: {', '.join(KEYS)})"))
    text = attempt("text", lambda: _text(data, "text", required=True))
    relation = attempt("reporter_relation", lambda: _text(data, "reporter_relation", required=True, tag=True))
    channel = attempt("channel", lambda: _text(data, "channel", required=True, tag=True))
    name = attempt("reporter_name", lambda: _text(data, "reporter_name"))
    contact = attempt("reporter_contact", lambda: _text(data, "reporter_contact"))
    priority = attempt("priority", lambda: _text(data, "priority", tag=True))
    received = data.get("received_at")
    when = attempt("received_at", lambda: parse_utc(str(received), "received_at") if received else None)
    cases = attempt("case_ids", lambda: [str(c).strip() for c in _list(data.get("case_ids"), "case_ids")])
    mentions = attempt("mentions", lambda: [parse_mention(m) for m in _list(data.get("mentions"), "mentions")])
    if problems:
        return None, problems
    return NewReport(text, relation, channel, name, contact, when, tuple(dict.fromkeys(cases)),
                     tuple(sorted(set(mentions))), priority), []


def read_reports(path: Path) -> list[NewReport]:
    """Every report in a .json (object or list), .jsonl or .csv file; all problems raised together."""
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    try:
        if suffix == ".csv":
            rows: list[Any] = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
            first = 2
        elif suffix == ".jsonl":
            rows = [orjson.loads(ln) for ln in raw.splitlines() if ln.strip()]
            first = 1
        elif suffix == ".json":
            loaded = orjson.loads(raw)
            rows, first = (loaded if isinstance(loaded, list) else [loaded]), 1
        else:
            raise InputError(f"{path}: reports must be a .json, .jsonl or .csv file")
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} cannot be read as {suffix.lstrip('.')}: {exc}") from None
    reports: list[NewReport] = []
    problems: list[Problem] = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.append(Problem(str(path), i + first, "-", "each report must be an object"))
            continue
        row = {k: v for k, v in row.items() if not (suffix == ".csv" and v == "")}
        report, found = parse_report(row, str(path), i + first)
        problems += found
        if report is not None:
            reports.append(report)
    if problems:
        raise ValidationFailed(problems, len(rows))
    if not reports:
        raise InputError(f"{path} contains no reports")
    return reports
