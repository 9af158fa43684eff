"""The missed-action rules file: a readable YAML/TOML list of rules, validated as a whole.

Every problem is reported together with its key (e.g. ``rules[2].when.strong_link_to``), so a
force editing its copy of ``default_rules.yaml`` learns everything wrong in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from caselink.errors import ConfigError
from caselink.intel.policy import read_config
from caselink.schema.fields import CLASSIFICATIONS, ENTITY_ROLES, INCIDENT_TYPES, STATUSES

SEVERITIES = ("low", "medium", "high", "critical")
LIST_CONDITIONS: dict[str, tuple[str, ...] | None] = {   # allowed values, None = free tags
    "incident_types": INCIDENT_TYPES,
    "classifications": (*CLASSIFICATIONS, "unknown"),
    "statuses": (*STATUSES, "unknown"),
    "circumstances_any": None,
    "substances_any": None,
    "victim_tags_any": None,
    "entity_roles_any": ENTITY_ROLES,
    "place_types": None,
    "strong_link_to": INCIDENT_TYPES,
    "reporter_in_linked_case": INCIDENT_TYPES,
}
CONDITIONS = (*LIST_CONDITIONS, "open_intel", "any")
RULE_KEYS = ("id", "title", "severity", "applies_to", "when", "missing_actions", "min_probability")


@dataclass(frozen=True)
class Condition:
    """All of ``lists`` (key -> values) hold, ``open_intel`` if set, and one of ``any_of``."""

    lists: Mapping[str, tuple[str, ...]]
    open_intel: bool | None = None
    any_of: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class AppliesTo:
    """The incident types a rule is about, and (if given) the classifications ("unknown": none)."""

    incident_types: tuple[str, ...]
    classifications: tuple[str, ...] | None = None

    def covers(self, incident_type: str, classification: str | None) -> bool:
        return incident_type in self.incident_types and (
            self.classifications is None or (classification or "unknown") in self.classifications)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    when: Condition
    missing_actions: tuple[str, ...]
    min_probability: float
    applies_to: AppliesTo = AppliesTo(INCIDENT_TYPES)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    strong_link_probability: float
    source: str

    @property
    def min_link_probability(self) -> float:
        return min([self.strong_link_probability, *(r.min_probability for r in self.rules)])


def _tags(value: Any, key: str, allowed: tuple[str, ...] | None, problems: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key}: must be a non-empty list of names")
        return ()
    tags = tuple(v.strip().lower() for v in value)
    for tag in tags:
        if allowed is not None and tag not in allowed:
            problems.append(f"{key}: {tag!r} is not one of {', '.join(allowed)}")
    return tags


def _condition(data: Any, key: str, problems: list[str], *, nested: bool = False) -> Condition:
    if not isinstance(data, dict) or not data:
        problems.append(f"{key}: must be a mapping of conditions ({', '.join(CONDITIONS)})")
        return Condition({})
    lists: dict[str, tuple[str, ...]] = {}
    open_intel: bool | None = None
    any_of: list[Condition] = []
    for name, value in data.items():
        where = f"{key}.{name}"
        if name in LIST_CONDITIONS:
            lists[name] = _tags(value, where, LIST_CONDITIONS[name], problems)
        elif name == "open_intel":
            if not isinstance(value, bool):
                problems.append(f"{where}: must be true or false")
            open_intel = bool(value)
        elif name == "any" and not nested:
            if not isinstance(value, list) or not value:
                problems.append(f"{where}: must be a non-empty list of condition sets")
                continue
            any_of = [_condition(v, f"{where}[{i}]", problems, nested=True) for i, v in enumerate(value)]
        else:
            allowed = [c for c in CONDITIONS if c != "any" or not nested]
            problems.append(f"{where}: unknown condition (allowed: {', '.join(allowed)})")
    return Condition(lists, open_intel, tuple(any_of))


def _applies_to(data: Any, key: str, problems: list[str]) -> AppliesTo:
    if not isinstance(data, dict) or "incident_types" not in data:
        problems.append(f"{key}: is required: a mapping with incident_types (and optionally classifications)")
        return AppliesTo(())
    for name in sorted(set(data) - {"incident_types", "classifications"}):
        problems.append(f"{key}.{name}: unknown key (allowed: incident_types, classifications)")
    types = _tags(data["incident_types"], f"{key}.incident_types", INCIDENT_TYPES, problems)
    klass = _tags(data["classifications"], f"{key}.classifications", (*CLASSIFICATIONS, "unknown"), problems) \
        if "classifications" in data else None
    return AppliesTo(types, klass)


def _rule(data: Any, i: int, default_p: float, problems: list[str]) -> Rule | None:
    key = f"rules[{i}]"
    if not isinstance(data, dict):
        problems.append(f"{key}: must be a mapping with {', '.join(RULE_KEYS)}")
        return None
    rid = data.get("id")
    if isinstance(rid, str) and rid.strip():
        key = f"rules[{i}] ({rid})"
    else:
        problems.append(f"{key}.id: is required (a short name for the rule)")
    for name in sorted(set(data) - set(RULE_KEYS)):
        problems.append(f"{key}.{name}: unknown key (allowed: {', '.join(RULE_KEYS)})")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{key}.title: is required (what the finding says)")
    severity = data.get("severity", "medium")
    if severity not in SEVERITIES:
        problems.append(f"{key}.severity: {severity!r} is not one of {', '.join(SEVERITIES)}")
    applies = _applies_to(data.get("applies_to"), f"{key}.applies_to", problems)
    when = _condition(data["when"], f"{key}.when", problems) if "when" in data else Condition({})
    missing = _tags(data["missing_actions"], f"{key}.missing_actions", None, problems) \
        if "missing_actions" in data else ()
    p = data.get("min_probability", default_p)
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0 < p <= 1:
        problems.append(f"{key}.min_probability: must be a number in (0, 1]")
        p = default_p
    if not when.lists and when.open_intel is None and not when.any_of and not missing:
        problems.append(f"{key}: needs conditions (when) or missing_actions, or it fires on every case it applies to")
    return Rule(str(rid), str(title), str(severity), when, missing, float(p), applies)


def rules_from_dict(data: Any, source: str) -> RuleSet:
    """Validate a parsed rules file; raise ConfigError listing every problem with its key."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a rules file must be a mapping with version, settings and rules")
    problems = [f"{k}: unknown key (allowed: version, settings, rules)"
                for k in sorted(set(data) - {"version", "settings", "rules"})]
    if data.get("version") != 1:
        problems.append(f"version: must be 1 (got {data.get('version')!r})")
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        problems.append("settings: must be a mapping")
        settings = {}
    for k in sorted(set(settings) - {"strong_link_probability"}):
        problems.append(f"settings.{k}: unknown setting (allowed: strong_link_probability)")
    threshold = settings.get("strong_link_probability", 0.8)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 < threshold <= 1:
        problems.append("settings.strong_link_probability: must be a number in (0, 1]")
        threshold = 0.8
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("rules: must be a non-empty list of rules")
        raw_rules = []
    rules = [r for i, d in enumerate(raw_rules) if (r := _rule(d, i, float(threshold), problems))]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            problems.append(f"rules: id {rule.id!r} is used twice")
        seen.add(rule.id)
    if problems:
        raise ConfigError(f"{source}: {len(problems)} problem(s) in the rules:\n  " + "\n  ".join(problems))
    return RuleSet(tuple(rules), float(threshold), source)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The rules in ``path`` (YAML or TOML), or the shipped ``default_rules.yaml``."""
    if path is None:
        text = resources.files("caselink.checks").joinpath("default_rules.yaml").read_text("utf-8")
        return rules_from_dict(yaml.safe_load(text), "default rules")
    return rules_from_dict(read_config(Path(path), "rules"), str(path))
