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
                                          "exhibits-not-tested"}
    assert rules.strong_link_probability == 0.8


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["rules"][0].pop("title"), "rules[0] (note-handwriting-not-verified).title: is required"),
    (lambda d: d["rules"][0].pop("id"), "rules[0].id: is required"),
    (lambda d: d["rules"][1].update(severity="critical"), "rules[1] (reporter-not-checked).severity: 'critical'"),
    (lambda d: d["rules"][2]["when"].update(incident_types=["murder"]),
     "rules[2] (next-of-kin-not-informed).when.incident_types: 'murder' is not one of"),
    (lambda d: d["rules"][2]["when"].update(weather=["rain"]),
     "rules[2] (next-of-kin-not-informed).when.weather: unknown condition"),
    (lambda d: d["rules"][3]["when"]["any"][1].update(open_intel="yes"),
     "rules[3] (review-classification).when.any[1].open_intel: must be true or false"),
    (lambda d: d["rules"][3]["when"]["any"][0].update(any=[{"open_intel": True}]),
     "when.any[0].any: unknown condition"),
    (lambda d: d["rules"][4].update(missing_actions=[]), "rules[4] (exhibits-not-tested).missing_actions: must be"),
    (lambda d: d["rules"][4].update(min_probability=1.5), "min_probability: must be a number in (0, 1]"),
    (lambda d: d["rules"][4].update(action="x"), "rules[4] (exhibits-not-tested).action: unknown key"),
    (lambda d: d["rules"][4].update(id="next-of-kin-not-informed"), "id 'next-of-kin-not-informed' is used twice"),
    (lambda d: d["settings"].update(strong_link_probability=0), "settings.strong_link_probability: must be"),
    (lambda d: d.update(rules=[]), "rules: must be a non-empty list"),
    (lambda d: d.update(version="one"), "version: must be 1"),
    (lambda d: d["rules"][2].update(when=None), "rules[2] (next-of-kin-not-informed).when: must be a mapping"),
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
    data["rules"][0]["severity"] = "huge"
    data["rules"][1]["when"] = {"entity_roles_any": ["landlord"]}
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"2 problem\(s\)"):
        load_rules(path)
    toml = tmp_path / "rules.toml"
    toml.write_text('version = 1\n[[rules]]\nid = "cctv"\ntitle = "CCTV not reviewed"\n'
                    '[rules.when]\nincident_types = ["homicide"]\n', encoding="utf-8")
    [rule] = load_rules(toml).rules
    assert rule.id == "cctv" and rule.severity == "medium"
