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
             "escalation_chain", "outcomes", "relations", "channels", "alerts")
ALERT_KINDS = ("linkage", "scan", "cluster", "intel", "entity")   # as caselink.alerts.KINDS
_RULE_KEYS = ("name", "priority", "incident_types", "statuses", "classifications", "disputes_classification",
              "raised_alert")


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
    """Every condition given must hold; case conditions (incident type, status, classification)
    must hold for one case the report concerns.

    ``disputes_classification``: the reporter says the death was not what it was recorded as;
    ``raised_alert``: the report raised an intel or entity alert (its mentions match other cases).
    """

    name: str
    priority: str
    incident_types: tuple[str, ...] | None = None
    statuses: tuple[str, ...] | None = None
    classifications: tuple[str, ...] | None = None
    disputes_classification: bool | None = None
    raised_alert: bool | None = None

    @property
    def needs_case(self) -> bool:
        return any(v is not None for v in (self.incident_types, self.statuses, self.classifications))

    def matches(self, case: tuple[str, str | None, str | None] | None, *, disputes: bool = False,
                raised_alert: bool = False) -> bool:
        """Whether the rule holds for a report with these flags about ``case`` (incident type,
        status, classification; None for a report about no case)."""
        if self.disputes_classification is not None and disputes != self.disputes_classification:
            return False
        if self.raised_alert is not None and raised_alert != self.raised_alert:
            return False
        if not self.needs_case:
            return True
        if case is None:
            return False
        itype, status, klass = case
        return ((self.incident_types is None or itype in self.incident_types)
                and (self.statuses is None or (status or "unknown") in self.statuses)
                and (self.classifications is None or (klass or "unknown") in self.classifications))


@dataclass(frozen=True)
class AlertRule:
    """Alerts of one kind: who owns them, their priority (for escalate_every) and how long the
    owner has to acknowledge one, from when it was raised."""

    owner: str
    priority: str
    acknowledge: timedelta


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
    relations: tuple[str, ...] = ()       # a reporter's relation to the victim; "other" takes free text
    channels: tuple[str, ...] = ()        # how a report arrived; "other" takes free text
    alert_rules: Mapping[str, AlertRule] = field(default_factory=dict)
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
        return self.role_at(self.owners[stage], escalation_level)

    def role_at(self, base_owner: str, escalation_level: int) -> str:
        """``base_owner`` at level 0, else the ``escalation_level``-th role of the chain."""
        if escalation_level <= 0 or not self.escalation_chain:
            return base_owner
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


def _choice_list(rule: dict[str, Any], name: str, allowed: tuple[str, ...], key: str,
                 problems: list[str]) -> tuple[str, ...] | None:
    if name not in rule:
        return None
    value = rule[name]
    if not isinstance(value, list) or not value:
        problems.append(f"{key}.{name}: must be a non-empty list")
        return ()
    for v in value:
        if v not in allowed:
            problems.append(f"{key}.{name}: {v!r} is not one of {', '.join(allowed)}")
    return tuple(str(v) for v in value)


def _flag(rule: dict[str, Any], name: str, key: str, problems: list[str]) -> bool | None:
    if name not in rule:
        return None
    if not isinstance(rule[name], bool):
        problems.append(f"{key}.{name}: must be true or false")
    return bool(rule[name])


def _rules(data: dict[str, Any], priorities: tuple[str, ...], problems: list[str]) -> tuple[PriorityRule, ...]:
    from caselink.schema.fields import CLASSIFICATIONS

    value = data.get("priority_rules", [])
    if not isinstance(value, list):
        problems.append("priority_rules: must be a list of rules")
        return ()
    rules: list[PriorityRule] = []
    for i, rule in enumerate(value):
        key = f"priority_rules[{i}]"
        if not isinstance(rule, dict):
            problems.append(f"{key}: must be a mapping with {', '.join(_RULE_KEYS)}")
            continue
        unknown = sorted(set(rule) - set(_RULE_KEYS))
        if unknown:
            problems.append(f"{key}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(_RULE_KEYS)})")
        if rule.get("priority") not in priorities:
            problems.append(f"{key}.priority: {rule.get('priority')!r} is not one of the priorities "
                            f"({', '.join(priorities)})")
        made = PriorityRule(
            str(rule.get("name", f"rule {i + 1}")), str(rule.get("priority")),
            _choice_list(rule, "incident_types", INCIDENT_TYPES, key, problems),
            _choice_list(rule, "statuses", (*STATUSES, "unknown"), key, problems),
            _choice_list(rule, "classifications", (*CLASSIFICATIONS, "unknown"), key, problems),
            _flag(rule, "disputes_classification", key, problems), _flag(rule, "raised_alert", key, problems))
        if not made.needs_case and made.disputes_classification is None and made.raised_alert is None:
            problems.append(f"{key}: needs at least one condition ({', '.join(_RULE_KEYS[2:])})")
        rules.append(made)
    return tuple(rules)


def _vocabulary(data: dict[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    if key not in data:
        return ()
    names = _names(data, key, problems)
    if names and "other" not in names:
        problems.append(f"{key}: must include 'other' (for anything not on the list, with free text)")
    return names


def _alert_rules(data: dict[str, Any], roles: tuple[str, ...], priorities: tuple[str, ...],
                 problems: list[str]) -> dict[str, AlertRule]:
    value = data.get("alerts", {})
    if not isinstance(value, dict):
        problems.append("alerts: must map alert kinds to {owner, priority, acknowledge}")
        return {}
    out: dict[str, AlertRule] = {}
    for kind, spec in value.items():
        key = f"alerts.{kind}"
        if kind not in ALERT_KINDS:
            problems.append(f"{key}: unknown alert kind (allowed: {', '.join(ALERT_KINDS)})")
            continue
        if not isinstance(spec, dict) or sorted(spec) != ["acknowledge", "owner", "priority"]:
            problems.append(f"{key}: must have exactly owner, priority and acknowledge")
            continue
        if roles and spec["owner"] not in roles:
            problems.append(f"{key}.owner: {spec['owner']!r} is not one of the roles ({', '.join(roles)})")
        if spec["priority"] not in priorities:
            problems.append(f"{key}.priority: {spec['priority']!r} is not one of the priorities "
                            f"({', '.join(priorities)})")
        try:
            out[str(kind)] = AlertRule(str(spec["owner"]), str(spec["priority"]), parse_duration(spec["acknowledge"]))
        except ValueError as exc:
            problems.append(f"{key}.acknowledge: {exc}")
    return out


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
    relations, channels = _vocabulary(data, "relations", problems), _vocabulary(data, "channels", problems)
    alerts = _alert_rules(data, roles, tuple(deadlines), problems)
    if problems:
        raise ConfigError(f"{source}: {len(problems)} problem(s) in the policy:\n  " + "\n  ".join(problems))
    return Policy(roles, {str(k): str(v) for k, v in owners.items()}, deadlines, every, str(default), rules,
                  chain, outcomes, relations, channels, alerts, source, data)
