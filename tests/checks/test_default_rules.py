"""Each default rule fires when its action is missing and stays quiet when it is not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from caselink.checks import CaseFacts, Link, evaluate, load_rules
from caselink.checks.evaluate_types import ReporterLink

RULES = load_rules()


def _fired(facts: CaseFacts) -> dict[str, tuple[str, ...]]:
    return {f.rule_id: f.evidence for f in evaluate(RULES.rules, facts)}


DEATH = CaseFacts("C1", "death", classification="non_suspicious", status="closed",
                  actions=frozenset({"next_of_kin_informed", "exhibits_tested"}))
GHB = replace(DEATH, substances=frozenset({"ghb"}))
ALL_ACTIONS = frozenset({"next_of_kin_informed", "scene_examined", "exhibits_tested", "cctv_reviewed",
                         "phone_examined", "reporter_records_checked", "house_to_house", "forensic_strategy",
                         "note_handwriting_verified"})
REPORTER_LINK = ReporterLink("C2", 0.93, "death", "phone", "07700 900123", "reporter", "associate")

CASES = [
    # (rule, facts that fire it, the same facts with the action done / the condition absent)
    ("note-handwriting-not-verified", replace(DEATH, circumstances=frozenset({"note_left"})),
     replace(DEATH, circumstances=frozenset({"note_left"}),
             actions=DEATH.actions | {"note_handwriting_verified"})),
    ("note-handwriting-not-verified", replace(DEATH, circumstances=frozenset({"note_left"})),
     replace(DEATH, circumstances=frozenset({"body_moved"}))),
    ("note-handwriting-not-verified", replace(DEATH, circumstances=frozenset({"note_left"})),
     CaseFacts("B", "burglary", circumstances=frozenset({"note_left"}))),
    ("reporter-not-checked", replace(GHB, entity_roles=frozenset({"reporter", "victim"})),
     replace(GHB, entity_roles=frozenset({"reporter"}), actions=DEATH.actions | {"reporter_records_checked"})),
    ("reporter-not-checked", replace(GHB, entity_roles=frozenset({"reporter"})),
     replace(GHB, entity_roles=frozenset({"witness"}))),
    # no "reporter not checked" on acquisitive crime, nor on an unremarkable or natural death
    ("reporter-not-checked", replace(GHB, entity_roles=frozenset({"reporter"})),
     CaseFacts("B", "burglary", entity_roles=frozenset({"reporter"}), substances=frozenset({"ghb"}))),
    ("reporter-not-checked", replace(GHB, entity_roles=frozenset({"reporter"})),
     replace(GHB, entity_roles=frozenset({"reporter"}), classification="natural")),
    ("reporter-not-checked", replace(GHB, entity_roles=frozenset({"reporter"})),
     replace(DEATH, entity_roles=frozenset({"reporter"}))),
    ("next-of-kin-not-informed", replace(DEATH, actions=frozenset({"exhibits_tested"})), DEATH),
    ("next-of-kin-not-informed", CaseFacts("H", "homicide"), CaseFacts("R", "robbery")),
    ("exhibits-not-tested", replace(GHB, actions=frozenset({"next_of_kin_informed"})), GHB),
    ("exhibits-not-tested", CaseFacts("S", "sexual_offence", circumstances=frozenset({"stranger"})),
     CaseFacts("B", "burglary", circumstances=frozenset({"stranger"}))),
    # no "exhibits not tested" on an expected natural death (an 88-year-old under GP care)
    ("exhibits-not-tested", replace(GHB, actions=frozenset()),
     replace(GHB, classification="natural", actions=frozenset())),
    ("exhibits-not-tested", CaseFacts("H", "homicide", classification="homicide"),
     CaseFacts("H", "homicide", classification="homicide", actions=frozenset({"exhibits_tested"}))),
    ("phone-not-examined", replace(DEATH, circumstances=frozenset({"met_online"})),
     replace(DEATH, circumstances=frozenset({"met_online"}), actions=DEATH.actions | {"phone_examined"})),
    ("phone-not-examined", replace(DEATH, circumstances=frozenset({"met_online"})),
     CaseFacts("B", "burglary", circumstances=frozenset({"met_online"}))),
    ("cctv-not-reviewed", replace(GHB, place_type="churchyard"),
     replace(GHB, place_type="churchyard", actions=GHB.actions | {"cctv_reviewed"})),
    ("cctv-not-reviewed", replace(GHB, place_type="churchyard"), replace(GHB, place_type="residence")),
    ("cctv-not-reviewed", CaseFacts("H", "homicide", place_type="street"),
     CaseFacts("R", "robbery", place_type="street")),
    ("reporter-in-linked-death", replace(DEATH, reporter_links=(REPORTER_LINK,)), DEATH),
    ("reporter-in-linked-death", replace(DEATH, reporter_links=(REPORTER_LINK,)),
     replace(DEATH, reporter_links=(replace(REPORTER_LINK, probability=0.3),))),
    ("reporter-in-linked-death", replace(DEATH, reporter_links=(REPORTER_LINK,)),
     replace(DEATH, reporter_links=(replace(REPORTER_LINK, other_incident_type="burglary"),))),
    ("review-classification", replace(DEATH, links=(Link("C2", 0.93, "death"),)),
     replace(DEATH, links=(Link("C2", 0.79, "death"),))),
    ("review-classification", replace(DEATH, links=(Link("C2", 0.93, "homicide"),)),
     replace(DEATH, links=(Link("C2", 0.93, "burglary"),))),
    ("review-classification", replace(DEATH, classification="accident", links=(Link("C2", 0.93, "death"),)),
     replace(DEATH, classification="homicide", links=(Link("C2", 0.93, "death"),))),
    ("review-classification", replace(DEATH, open_intel=(("INT-2026-000001", "assessed"),)), DEATH),
    ("review-classification", replace(DEATH, open_intel=(("INT-2026-000001", "received"),)),
     replace(DEATH, classification="suspicious", open_intel=(("INT-2026-000001", "received"),))),
]


@pytest.mark.parametrize(("rule", "fires", "quiet"), CASES)
def test_rule_fires_and_does_not_fire(rule: str, fires: CaseFacts, quiet: CaseFacts) -> None:
    assert rule in _fired(fires)
    assert rule not in _fired(quiet)


def test_a_well_investigated_death_has_no_findings() -> None:
    done = replace(DEATH, classification="suspicious", entity_roles=frozenset({"reporter"}),
                   circumstances=frozenset({"note_left", "met_online", "undressed"}), substances=frozenset({"ghb"}),
                   place_type="churchyard", actions=ALL_ACTIONS, links=(Link("C2", 0.99, "death"),))
    assert _fired(done) == {}
    assert _fired(replace(done, actions=ALL_ACTIONS - {"cctv_reviewed"})).keys() == {"cctv-not-reviewed"}


def test_scores_rank_the_barking_pattern_above_basic_gaps() -> None:
    barking = replace(GHB, actions=frozenset({"next_of_kin_informed"}), entity_roles=frozenset({"reporter"}),
                      circumstances=frozenset({"met_online"}), place_type="churchyard",
                      links=(Link("C2", 0.99, "death"), Link("C3", 0.95, "death")), reporter_links=(REPORTER_LINK,))
    findings = sorted(evaluate(RULES.rules, barking), key=lambda f: -f.score)
    assert [f.rule_id for f in findings[:2]] == ["review-classification", "reporter-in-linked-death"]
    review = findings[0]
    # critical 100 + 30 x 0.99 + 5 for the second linked death + 10 x 2 other serious findings
    assert review.score == pytest.approx(100 + 29.7 + 5 + 20)
    lone = evaluate(RULES.rules, replace(DEATH, actions=frozenset()))
    assert {f.rule_id: f.score for f in lone} == {"next-of-kin-not-informed": 10.0}
    assert min(f.score for f in findings) > 10.0


def test_findings_name_the_evidence() -> None:
    facts = replace(DEATH, circumstances=frozenset({"note_left"}), actions=frozenset(),
                    links=(Link("C9", 0.91, "death"), Link("C8", 0.97, "homicide")),
                    open_intel=(("INT-2026-000004", "acknowledged"),))
    fired = _fired(facts)
    assert fired["note-handwriting-not-verified"] == ("circumstances include note_left",
                                                      "actions lack note_handwriting_verified")
    review = fired["review-classification"]
    assert review == ("linked to homicide C8 with probability 0.97", "linked to death C9 with probability 0.91",
                          "open intel report INT-2026-000004 (acknowledged)")
    finding = next(f for f in evaluate(RULES.rules, replace(facts, substances=frozenset({"ghb"})))
                   if f.rule_id == "exhibits-not-tested")
    assert finding.to_dict()["missing_actions"] == ["exhibits_tested"] and finding.case_id == "C1"
