"""The policy file: shipped defaults, and validation errors that name the key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from caselink.errors import ConfigError
from caselink.intel import load_policy
from caselink.intel.policy import parse_duration


def test_shipped_defaults() -> None:
    p = load_policy()
    for priority in p.priorities:
        assert p.deadline(priority, "acknowledge") == timedelta(hours=24)
        assert p.deadline(priority, "assess") == timedelta(hours=72)
    assert {r.priority for r in p.priority_rules} == {"high"}
    disputes, classified, alerted, open_death = p.priority_rules
    assert disputes.matches(None, disputes=True) and not disputes.matches(("death", "closed", "homicide"))
    for klass in ("non_suspicious", "accident", None):
        assert classified.matches(("death", "closed", klass))       # closed or not
    assert not classified.matches(("death", "closed", "homicide"))
    assert not classified.matches(("burglary", "closed", None))
    assert alerted.matches(None, raised_alert=True) and not alerted.matches(("burglary", "open", None))
    assert open_death.matches(("death", "open", "homicide")) and open_death.matches(("homicide", None, None))
    assert not open_death.matches(("death", "closed", "homicide"))
    assert p.owner("acknowledge", 0) == "intel_desk" and p.owner("acknowledge", 1) == p.escalation_chain[0]
    assert p.owner("assess", 99) == p.escalation_chain[-1]


@pytest.mark.parametrize(("text", "hours"), [("90m", 1.5), ("24h", 24), ("3d", 72), ("2w", 336), (12, 12)])
def test_durations(text: object, hours: float) -> None:
    assert parse_duration(text) == timedelta(hours=hours)


def _write(tmp_path: Path, data: dict[str, object], suffix: str = ".yaml") -> Path:
    path = tmp_path / f"policy{suffix}"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _default() -> dict[str, object]:
    from importlib import resources

    return yaml.safe_load(resources.files("caselink.intel").joinpath("default_policy.yaml").read_text("utf-8"))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["priorities"]["high"].update(assess="soon"), "priorities.high.assess: 'soon' is not a duration"),
    (lambda d: d["priorities"]["high"].update(acknowledge="0h"), "priorities.high.acknowledge: '0h' must be longer"),
    (lambda d: d["priorities"]["normal"].update(review="3d"), "priorities.normal.review: unknown stage"),
    (lambda d: d["owners"].pop("assess"), "owners.assess: is required"),
    (lambda d: d["owners"].update(assess="chief_constable"), "owners.assess: 'chief_constable' is not one of the roles"),
    (lambda d: d["escalation_chain"].append("mayor"), "escalation_chain[4]: 'mayor' is not one of the roles"),
    (lambda d: d.update(default_priority="low"), "default_priority: 'low' is not one of the priorities"),
    (lambda d: d["priority_rules"][0].update(priority="urgent"), "priority_rules[0].priority: 'urgent'"),
    (lambda d: d["priority_rules"][0].update(incident_types=["murder"]), "priority_rules[0].incident_types: 'murder'"),
    (lambda d: d.update(version=2), "version: must be 1"),
    (lambda d: d.update(deadline="24h"), "deadline: unknown key"),
    (lambda d: d.update(outcomes=[]), "outcomes: must be a non-empty list"),
])
def test_invalid_policy_names_the_key(tmp_path: Path, change: object, message: str) -> None:
    data = _default()
    change(data)  # type: ignore[operator]
    with pytest.raises(ConfigError) as info:
        load_policy(_write(tmp_path, data))
    assert message in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_all_problems_reported_together(tmp_path: Path) -> None:
    data = _default()
    data["owners"] = {"acknowledge": "nobody"}
    data["version"] = 3
    with pytest.raises(ConfigError) as info:
        load_policy(_write(tmp_path, data))
    text = str(info.value)
    assert "5 problem(s)" in text
    for key in ("version:", "owners.acknowledge:", "owners.assess:", "owners.action:", "owners.close:"):
        assert key in text


def test_toml_policy_and_unreadable_files(tmp_path: Path) -> None:
    lines = ['version = 1', 'roles = ["desk", "boss"]', 'escalation_chain = ["boss"]', 'outcomes = ["done"]',
             'default_priority = "normal"', '[owners]', 'acknowledge = "desk"', 'assess = "desk"',
             'action = "desk"', 'close = "desk"', '[priorities.normal]', 'acknowledge = "2h"',
             'escalate_every = "1h"']
    path = tmp_path / "p.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    p = load_policy(path)
    assert p.deadline("normal", "acknowledge") == timedelta(hours=2) and p.deadline("normal", "assess") is None
    with pytest.raises(ConfigError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("roles: [a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid yaml"):
        load_policy(bad)
