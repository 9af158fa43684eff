"""Each default rule fires when its action is missing and stays quiet when it is not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from caselink.checks import CaseFacts, Link, evaluate, load_rules

RULES = load_rules()


def _fired(facts: CaseFacts) -> dict[str, tuple[str, ...]]:
    return {f.rule_id: f.evidence for f in evaluate(RULES.rules, facts)}


DEATH = CaseFacts("C1", "death", classification="non_suspicious",
                  actions=frozenset({"next_of_kin_informed", "exhibits_tested"}))

CASES = [
    # (rule, facts that fire it, the same facts with the action done / the condition absent)
    ("note-handwriting-not-verified", replace(DEATH, circumstances=frozenset({"note_left"})),
     replace(DEATH, circumstances=frozenset({"note_left"}),
             actions=DEATH.actions | {"note_handwriting_verified"})),
    ("note-handwriting-not-verified", replace(DEATH, circumstances=frozenset({"note_left"})),
     replace(DEATH, circumstances=frozenset({"body_moved"}))),
    ("reporter-not-checked", replace(DEATH, entity_roles=frozenset({"reporter", "victim"})),
     replace(DEATH, entity_roles=frozenset({"reporter"}), actions=DEATH.actions | {"reporter_records_checked"})),
    ("reporter-not-checked", replace(DEATH, entity_roles=frozenset({"reporter"})),
     replace(DEATH, entity_roles=frozenset({"witness"}))),
    ("next-of-kin-not-informed", replace(DEATH, actions=frozenset({"exhibits_tested"})), DEATH),
    ("next-of-kin-not-informed", CaseFacts("H", "homicide"), CaseFacts("R", "robbery")),
    ("exhibits-not-tested", replace(DEATH, actions=frozenset({"next_of_kin_informed"})), DEATH),
    ("exhibits-not-tested", CaseFacts("S", "sexual_offence"), CaseFacts("B", "burglary")),
    ("review-classification", replace(DEATH, links=(Link("C2", 0.93, "death"),)),
     replace(DEATH, links=(Link("C2", 0.79, "death"),))),
    ("review-classification", replace(DEATH, links=(Link("C2", 0.93, "homicide"),)),
     replace(DEATH, links=(Link("C2", 0.93, "burglary"),))),
    ("review-classification", replace(DEATH, open_intel=(("INT-2026-000001", "assessed"),)), DEATH),
    ("review-classification", replace(DEATH, open_intel=(("INT-2026-000001", "received"),)),
     replace(DEATH, classification="suspicious", open_intel=(("INT-2026-000001", "received"),))),
]


@pytest.mark.parametrize(("rule", "fires", "quiet"), CASES)
def test_rule_fires_and_does_not_fire(rule: str, fires: CaseFacts, quiet: CaseFacts) -> None:
    assert rule in _fired(fires)
    assert rule not in _fired(quiet)


def test_a_fully_handled_death_has_no_findings() -> None:
    done = replace(DEATH, classification="suspicious", entity_roles=frozenset({"reporter"}),
                   circumstances=frozenset({"note_left"}),
                   actions=frozenset({"next_of_kin_informed", "exhibits_tested", "reporter_records_checked",
                                      "note_handwriting_verified"}),
                   links=(Link("C2", 0.99, "death"),))
    assert _fired(done) == {}


def test_findings_name_the_evidence() -> None:
    facts = replace(DEATH, circumstances=frozenset({"note_left"}), actions=frozenset(),
                    links=(Link("C9", 0.91, "death"), Link("C8", 0.97, "homicide")),
                    open_intel=(("INT-2026-000004", "acknowledged"),))
    fired = _fired(facts)
    assert fired["note-handwriting-not-verified"] == ("circumstances include note_left",
                                                      "actions lack note_handwriting_verified")
    review = fired["review-classification"]
    assert review[:2] == ("incident type is death", "classification is non_suspicious")
    assert review[2:] == ("linked to homicide C8 with probability 0.97", "linked to death C9 with probability 0.91",
                          "open intel report INT-2026-000004 (acknowledged)")
    finding = next(f for f in evaluate(RULES.rules, facts) if f.rule_id == "exhibits-not-tested")
    assert finding.to_dict()["missing_actions"] == ["exhibits_tested"] and finding.case_id == "C1"
