"""The rules file: shipped defaults load, and every mistake is reported with its key."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from caselink.checks import load_rules
from caselink.errors import ConfigError


def _default() -> dict[str, Any]:
    return yaml.safe_load(resources.files("caselink.checks").joinpath("default_rules.yaml").read_text("utf-8"))


def test_defaults_load() -> None:
    rules = load_rules()
    assert {r.id for r in rules.rules} == {"note-handwriting-not-verified", "reporter-not-checked",
                                          "next-of-kin-not-informed", "review-classification",
                                          "exhibits-not-tested", "phone-not-examined", "cctv-not-reviewed",
                                          "reporter-in-linked-death"}
    assert all(r.applies_to.incident_types for r in rules.rules)
    assert rules.strong_link_probability == 0.8


def _rule(data: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in data["rules"] if r["id"] == rid)


def _index(rid: str) -> int:
    return [r["id"] for r in _default()["rules"]].index(rid)


NOK, REVIEW, EXHIBITS = "next-of-kin-not-informed", "review-classification", "exhibits-not-tested"


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: _rule(d, NOK).pop("title"), f"rules[{_index(NOK)}] ({NOK}).title: is required"),
    (lambda d: _rule(d, NOK).pop("id"), f"rules[{_index(NOK)}].id: is required"),
    (lambda d: _rule(d, NOK).update(severity="urgent"), f"({NOK}).severity: 'urgent'"),
    (lambda d: _rule(d, NOK).pop("applies_to"), f"({NOK}).applies_to: is required"),
    (lambda d: _rule(d, NOK)["applies_to"].update(incident_types=["murder"]),
     f"({NOK}).applies_to.incident_types: 'murder' is not one of"),
    (lambda d: _rule(d, NOK)["applies_to"].update(classifications=["odd"]),
     f"({NOK}).applies_to.classifications: 'odd' is not one of"),
    (lambda d: _rule(d, NOK)["applies_to"].update(colour=["red"]), f"({NOK}).applies_to.colour: unknown key"),
    (lambda d: _rule(d, NOK)["when"].update(incident_types=["murder"]),
     f"({NOK}).when.incident_types: 'murder' is not one of"),
    (lambda d: _rule(d, NOK)["when"].update(weather=["rain"]), f"({NOK}).when.weather: unknown condition"),
    (lambda d: _rule(d, REVIEW)["when"]["any"][1].update(open_intel="yes"),
     f"({REVIEW}).when.any[1].open_intel: must be true or false"),
    (lambda d: _rule(d, REVIEW)["when"]["any"][0].update(any=[{"open_intel": True}]),
     "when.any[0].any: unknown condition"),
    (lambda d: _rule(d, REVIEW).pop("when"), f"({REVIEW}): needs conditions (when) or missing_actions"),
    (lambda d: _rule(d, EXHIBITS).update(missing_actions=[]), f"({EXHIBITS}).missing_actions: must be"),
    (lambda d: _rule(d, EXHIBITS).update(min_probability=1.5), "min_probability: must be a number in (0, 1]"),
    (lambda d: _rule(d, EXHIBITS).update(action="x"), f"({EXHIBITS}).action: unknown key"),
    (lambda d: _rule(d, EXHIBITS).update(id=NOK), f"id '{NOK}' is used twice"),
    (lambda d: d["settings"].update(strong_link_probability=0), "settings.strong_link_probability: must be"),
    (lambda d: d.update(rules=[]), "rules: must be a non-empty list"),
    (lambda d: d.update(version="one"), "version: must be 1"),
    (lambda d: _rule(d, NOK).update(when=None), f"({NOK}).when: must be a mapping"),
])
def test_invalid_rules_name_the_key(tmp_path: Path, change: Any, message: str) -> None:
    data = _default()
    change(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_rules(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_several_problems_together_and_toml(tmp_path: Path) -> None:
    data = _default()
    _rule(data, NOK)["severity"] = "huge"
    _rule(data, REVIEW)["when"] = {"entity_roles_any": ["landlord"]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"2 problem\(s\)"):
        load_rules(path)
    toml = tmp_path / "rules.toml"
    toml.write_text('version = 1\n[[rules]]\nid = "cctv"\ntitle = "CCTV not reviewed"\n'
                    'missing_actions = ["cctv_reviewed"]\n'
                    '[rules.applies_to]\nincident_types = ["homicide"]\n', encoding="utf-8")
    [rule] = load_rules(toml).rules
    assert rule.id == "cctv" and rule.severity == "medium"
