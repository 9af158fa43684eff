"""Reading new reports from flags, JSON, JSON Lines or CSV, collecting every problem.

A report is a mapping with these keys (CSV columns; lists joined by ``|``):
``text``, ``reporter_relation`` and ``channel`` (required); ``reporter_name``,
``reporter_contact``, ``received_at`` (ISO 8601, default now), ``case_ids``, ``mentions``
(objects ``{kind, value, role?, name?, dob?}`` or ``kind:value[:role]`` strings), ``priority``,
``disputes_classification`` (true/false: the reporter says the death was not what it was recorded as).

Relations and channels must be on the policy's lists, or ``other: <a few words>``; each mention
must be a valid value of its kind (a phone has 7 to 15 digits, an e-mail an @ and a domain...).
Every problem names its source, line and field, and nothing is written while any remains.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from caselink.errors import ConfigError, InputError, Problem, ValidationFailed
from caselink.intel.clock import parse_utc
from caselink.intel.entities import Mention
from caselink.intel.policy import Policy, load_policy
from caselink.schema.fields import ENTITY_KINDS, ENTITY_ROLES

KEYS = ("text", "reporter_relation", "channel", "reporter_name", "reporter_contact", "received_at",
        "case_ids", "mentions", "priority", "disputes_classification")
_PHONE = re.compile(r"^\+?[\d\s\-().]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TRUE, _FALSE = ("true", "yes", "y", "1"), ("false", "no", "n", "0", "")
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
    disputes_classification: bool = False


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
    _check_value(kind, value)
    if raw.get("dob"):
        parse_utc(str(raw["dob"]), "dob")
    return Mention(kind, value, role, (str(raw["name"]).strip() or None) if raw.get("name") else None,
                   str(raw["dob"]).strip() if raw.get("dob") else None)


def _check_value(kind: str, value: str) -> None:
    """A value that cannot be what its kind says is refused (it would never match anything)."""
    if kind == "phone":
        digits = sum(ch.isdigit() for ch in value)
        if not _PHONE.match(value) or not 7 <= digits <= 15:
            raise _Bad(f"mentions: phone {value!r} is not a phone number (7 to 15 digits, spaces, "
                       "dashes, brackets and a leading + allowed)")
    elif kind == "email" and not _EMAIL.match(value):
        raise _Bad(f"mentions: email {value!r} is not an e-mail address (name@domain.tld)")
    elif kind == "vehicle":
        plate = "".join(ch for ch in value if ch.isalnum())
        if not 2 <= len(plate) <= 10 or len(plate) < len(value.replace(" ", "").replace("-", "")):
            raise _Bad(f"mentions: vehicle {value!r} is not a registration (2 to 10 letters and digits)")
    elif kind == "handle" and (any(ch.isspace() for ch in value) or len(value) > 100):
        raise _Bad(f"mentions: handle {value!r} must be one word of at most 100 characters")
    elif kind in ("person", "address") and not any(ch.isalpha() for ch in value):
        raise _Bad(f"mentions: a {kind} must contain letters, not {value!r}")


def _vocabulary(value: str | None, key: str, allowed: tuple[str, ...]) -> str | None:
    """A tag from the policy's list, or ``other: free text``."""
    if value is None or not allowed:
        return value
    head, sep, rest = value.partition(":")
    if head.strip("_") == "other":
        words = " ".join(rest.replace("_", " ").split())
        if not words:
            raise _Bad(f"{key}: 'other' needs a few words saying what, e.g. 'other: landlord'")
        return f"other: {words}"
    if sep or value not in allowed:
        raise _Bad(f"{key}: {value!r} is not one of {', '.join(allowed)} (or 'other: <what>')")
    return value


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    if str(value).strip().lower() in _TRUE:
        return True
    if str(value).strip().lower() in _FALSE:
        return False
    raise _Bad(f"{key}: must be true or false, not {value!r}")


def _list(value: Any, key: str) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    if isinstance(value, list):
        return value
    raise _Bad(f"{key}: must be a list (or text joined by |)")


def parse_report(data: Mapping[str, Any], source: str, line: int, policy: Policy | None = None,
                 ) -> tuple[NewReport | None, list[Problem]]:
    """One report from a mapping; problems name the source, line and field. Relations and
    channels are checked against ``policy`` (default: the shipped policy)."""
    problems: list[Problem] = []
    policy = policy or load_policy()

    def attempt(key: str, fn: Any) -> Any:
        try:
            return fn()
        except (_Bad, ConfigError) as exc:
            msg = str(exc)
            head = key.split("[")[0]
            problems.append(Problem(source, line, key, msg.split(": ", 1)[1]
                                    if msg.startswith((key + ":", head + ":")) else msg))
            return None

    for key in sorted(set(data) - set(KEYS)):
        problems.append(Problem(source, line, key, f"unknown field (allowed: {', '.join(KEYS)})"))
    text = attempt("text", lambda: _text(data, "text", required=True))
    relation = attempt("reporter_relation", lambda: _vocabulary(
        _text(data, "reporter_relation", required=True, tag=True), "reporter_relation", policy.relations))
    channel = attempt("channel", lambda: _vocabulary(_text(data, "channel", required=True, tag=True), "channel",
                                                     policy.channels))
    name = attempt("reporter_name", lambda: _text(data, "reporter_name"))
    contact = attempt("reporter_contact", lambda: _text(data, "reporter_contact"))
    priority = attempt("priority", lambda: _text(data, "priority", tag=True))
    received = data.get("received_at")
    when = attempt("received_at", lambda: parse_utc(str(received), "received_at") if received else None)
    cases = attempt("case_ids", lambda: [str(c).strip() for c in _list(data.get("case_ids"), "case_ids")])
    disputes = attempt("disputes_classification",
                       lambda: _flag(data.get("disputes_classification"), "disputes_classification"))
    raw_mentions = attempt("mentions", lambda: _list(data.get("mentions"), "mentions")) or []
    mentions = [attempt(f"mentions[{i}]", lambda m=m: parse_mention(m)) for i, m in enumerate(raw_mentions)]
    if problems:
        return None, problems
    return NewReport(text, relation, channel, name, contact, when, tuple(dict.fromkeys(cases)),
                     tuple(sorted(set(mentions))), priority, bool(disputes)), []


def read_reports(path: Path, policy: Policy | None = None) -> list[NewReport]:
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
    policy = policy or load_policy()
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.append(Problem(str(path), i + first, "-", "each report must be an object"))
            continue
        row = {k: v for k, v in row.items() if not (suffix == ".csv" and v == "")}
        report, found = parse_report(row, str(path), i + first, policy)
        problems += found
        if report is not None:
            reports.append(report)
    if problems:
        raise ValidationFailed(problems, len(rows))
    if not reports:
        raise InputError(f"{path} contains no reports")
    return reports
