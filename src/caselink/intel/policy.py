"""The intel policy: deadlines per stage and priority, owners, escalation chain, outcomes.

The policy is a reviewed data file (YAML or TOML). ``load_policy`` validates all of it and
reports every problem together, each naming its key (e.g. ``priorities.high.assess``).
The shipped defaults are ``default_policy.yaml`` in this package.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import yaml

from caselink.errors import ConfigError
from caselink.schema.fields import INCIDENT_TYPES, STATUSES

STATES = ("received", "acknowledged", "assessed", "actioned", "closed")
STAGES = ("acknowledge", "assess", "action", "close")
# The stage a report in each state is waiting for (closed waits for nothing).
WAITING_FOR = dict(zip(STATES[:-1], STAGES, strict=True))
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw]?)\s*$")
_UNITS = {"m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0, "": 1.0}
_TOP_KEYS = ("version", "roles", "owners", "priorities", "default_priority", "priority_rules",
             "escalation_chain", "outcomes")


def read_config(path: Path, what: str) -> dict[str, Any]:
    """A YAML (.yaml/.yml) or TOML (.toml) file as a mapping; unreadable files are a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {what} file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{what} file {path} is not valid {path.suffix.lstrip('.') or 'YAML'}: "
                          f"{str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} file {path} must contain a mapping of keys at the top level")
    return data


def parse_duration(value: Any) -> timedelta:
    """``90m``, ``24h``, ``3d``, ``2w`` or a number of hours."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        hours = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a duration like 90m, 24h, 3d or 2w")
        hours = float(m.group(1)) * _UNITS[m.group(2)]
    if hours <= 0:
        raise ValueError(f"{value!r} must be longer than zero")
    return timedelta(hours=hours)


@dataclass(frozen=True)
class PriorityRule:
    """Reports about a case of one of ``incident_types`` with one of ``statuses`` get ``priority``."""

    name: str
    priority: str
    incident_types: tuple[str, ...]
    statuses: tuple[str, ...]

    def matches(self, incident_type: str, status: str | None) -> bool:
        return incident_type in self.incident_types and (status or "unknown") in self.statuses


@dataclass(frozen=True)
class Policy:
    roles: tuple[str, ...]
    owners: Mapping[str, str]
    deadlines: Mapping[str, Mapping[str, timedelta]]   # priority -> stage -> limit
    escalate_every: Mapping[str, timedelta]              # priority -> period
    default_priority: str
    priority_rules: tuple[PriorityRule, ...]
    escalation_chain: tuple[str, ...]
    outcomes: tuple[str, ...]
    source: str = "default"
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def priorities(self) -> tuple[str, ...]:
        """Priority names, most urgent first."""
        return tuple(self.deadlines)

    def deadline(self, priority: str, stage: str) -> timedelta | None:
        return self.deadlines.get(priority, {}).get(stage)

    def owner(self, stage: str, escalation_level: int) -> str:
        """The stage's owner, or the ``escalation_level``-th role of the chain once escalated."""
        if escalation_level <= 0:
            return self.owners[stage]
        return self.escalation_chain[min(escalation_level, len(self.escalation_chain)) - 1]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)

    @property
    def hash(self) -> str:
        return hashlib.sha256(orjson.dumps(self.raw, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in ``path``, or the shipped default; every problem is reported together."""
    if path is None:
        text = resources.files("caselink.intel").joinpath("default_policy.yaml").read_text("utf-8")
        return policy_from_dict(yaml.safe_load(text), "default policy")
    p = Path(path)
    return policy_from_dict(read_config(p, "policy"), str(p))


def _names(data: dict[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key}: must be a non-empty list of names")
        return ()
    if len(set(value)) != len(value):
        problems.append(f"{key}: has duplicate names")
    return tuple(v.strip() for v in value)


def _priorities(data: dict[str, Any], problems: list[str]) -> tuple[dict[str, dict[str, timedelta]],
                                                                  dict[str, timedelta]]:
    deadlines: dict[str, dict[str, timedelta]] = {}
    every: dict[str, timedelta] = {}
    value = data.get("priorities")
    if not isinstance(value, dict) or not value:
        problems.append("priorities: must map each priority name to its deadlines")
        return deadlines, every
    for name, spec in value.items():
        if not isinstance(spec, dict):
            problems.append(f"priorities.{name}: must map stages ({', '.join(STAGES)}) to durations")
            continue
        deadlines[str(name)] = {}
        for stage, limit in spec.items():
            key = f"priorities.{name}.{stage}"
            if stage not in (*STAGES, "escalate_every"):
                problems.append(f"{key}: unknown stage (allowed: {', '.join(STAGES)}, escalate_every)")
                continue
            if limit is None:
                continue
            try:
                if stage == "escalate_every":
                    every[str(name)] = parse_duration(limit)
                else:
                    deadlines[str(name)][stage] = parse_duration(limit)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        if str(name) not in every and "escalate_every" not in spec:
            problems.append(f"priorities.{name}.escalate_every: is required")
    return deadlines, every


def _rules(data: dict[str, Any], priorities: tuple[str, ...], problems: list[str]) -> tuple[PriorityRule, ...]:
    value = data.get("priority_rules", [])
    if not isinstance(value, list):
        problems.append("priority_rules: must be a list of rules")
        return ()
    rules: list[PriorityRule] = []
    for i, rule in enumerate(value):
        key = f"priority_rules[{i}]"
        if not isinstance(rule, dict):
            problems.append(f"{key}: must be a mapping with name, priority, incident_types, statuses")
            continue
        unknown = sorted(set(rule) - {"name", "priority", "incident_types", "statuses"})
        if unknown:
            problems.append(f"{key}: unknown key(s) {', '.join(unknown)}")
        if rule.get("priority") not in priorities:
            problems.append(f"{key}.priority: {rule.get('priority')!r} is not one of the priorities "
                            f"({', '.join(priorities)})")
        types = rule.get("incident_types") or list(INCIDENT_TYPES)
        statuses = rule.get("statuses") or [*STATUSES, "unknown"]
        for t in types:
            if t not in INCIDENT_TYPES:
                problems.append(f"{key}.incident_types: {t!r} is not one of {', '.join(INCIDENT_TYPES)}")
        for s in statuses:
            if s not in (*STATUSES, "unknown"):
                problems.append(f"{key}.statuses: {s!r} is not one of {', '.join(STATUSES)}, unknown")
        rules.append(PriorityRule(str(rule.get("name", f"rule {i + 1}")), str(rule.get("priority")),
                                  tuple(types), tuple(statuses)))
    return tuple(rules)


def policy_from_dict(data: Any, source: str) -> Policy:
    """Validate a parsed policy; raise ConfigError listing every problem with its key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the policy must be a mapping of keys")
    problems: list[str] = [f"{k}: unknown key (allowed: {', '.join(_TOP_KEYS)})"
                           for k in sorted(set(data) - set(_TOP_KEYS))]
    if data.get("version") != 1:
        problems.append(f"version: must be 1 (got {data.get('version')!r})")
    roles = _names(data, "roles", problems)
    chain = _names(data, "escalation_chain", problems)
    outcomes = _names(data, "outcomes", problems)
    owners = data.get("owners")
    if not isinstance(owners, dict):
        problems.append(f"owners: must map each stage ({', '.join(STAGES)}) to a role")
        owners = {}
    for stage in STAGES:
        if stage not in owners:
            problems.append(f"owners.{stage}: is required")
    for key, role in [*((f"owners.{s}", r) for s, r in owners.items()),
                      *((f"escalation_chain[{i}]", r) for i, r in enumerate(chain))]:
        if roles and role not in roles:
            problems.append(f"{key}: {role!r} is not one of the roles ({', '.join(roles)})")
    deadlines, every = _priorities(data, problems)
    default = data.get("default_priority")
    if deadlines and default not in deadlines:
        problems.append(f"default_priority: {default!r} is not one of the priorities ({', '.join(deadlines)})")
    rules = _rules(data, tuple(deadlines), problems)
    if problems:
        raise ConfigError(f"{source}: {len(problems)} problem(s) in the policy:\n  " + "\n  ".join(problems))
    return Policy(roles, {str(k): str(v) for k, v in owners.items()}, deadlines, every, str(default), rules,
                  chain, outcomes, source, data)
