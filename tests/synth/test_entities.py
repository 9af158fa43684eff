"""Entity mentions and their truth: every mention maps to one true person; spellings vary."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from caselink.synth import SynthResult, render
from caselink.synth.names import PHONE_POOL, phone_digits


def _phone_key(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    for prefix in ("0044", "44"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    return digits.removeprefix("0")


def _by_case(records: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    return {r["case_id"]: r.get("entities", []) for r in records}


def test_truth_covers_every_entity_exactly_once(mid: SynthResult, mid_records: list[dict[str, Any]]) -> None:
    ents = _by_case(mid_records)
    seen: dict[str, set[int]] = defaultdict(set)
    for case_id, index, _ in mid.truth["entities"]:
        assert index not in seen[case_id]
        seen[case_id].add(index)
    switchboards = 0
    for case_id, items in ents.items():
        owned = [i for i, e in enumerate(items) if not (e["kind"] == "phone" and e["role"] == "other")]
        assert seen.get(case_id, set()) == set(owned)
        # a common number nobody owns is the last entity of its case, and it recurs across cases
        assert len(items) - len(owned) <= 1 and (len(owned) == len(items) or items[-1]["role"] == "other")
        switchboards += len(items) - len(owned)
    assert 0.005 * len(ents) < switchboards < 0.05 * len(ents)


def test_common_numbers_recur_in_many_unrelated_cases(mid: SynthResult, mid_records: list[dict[str, Any]]) -> None:
    from caselink.entities.normalise import normalise

    cases: dict[str, set[str]] = defaultdict(set)
    for rec in mid_records:
        for e in rec.get("entities", []):
            if e["kind"] == "phone" and e["role"] == "other":
                cases[str(normalise("phone", e["value"]))].add(rec["case_id"])
    assert 1 <= len(cases) <= 4 and max(len(c) for c in cases.values()) >= 0.002 * len(mid_records)


def test_a_phone_or_vehicle_belongs_to_one_person(mid: SynthResult, mid_records: list[dict[str, Any]]) -> None:
    ents = _by_case(mid_records)
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for case_id, index, person in mid.truth["entities"]:
        e = ents[case_id][index]
        if e["kind"] == "phone":
            owners[("phone", _phone_key(e["value"]))].add(person)
        elif e["kind"] == "vehicle":
            owners[("vehicle", e["value"].upper().replace(" ", ""))].add(person)
        elif e["kind"] == "handle":
            owners[("handle", e["value"].lower().lstrip("@"))].add(person)
    assert len(owners) > 100
    assert all(len(p) == 1 for p in owners.values())
    assert {kind for kind, _ in owners} == {"phone", "vehicle", "handle"}


def test_online_profiles_link_an_offender_by_handle_alone(mid: SynthResult, mid_records: list[dict[str, Any]]) -> None:
    ents = _by_case(mid_records)
    serial = {o["person_id"] for o in mid.truth["offenders"].values() if o["kind"] == "series"}
    kinds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for case_id, index, person in mid.truth["entities"]:
        kinds[(case_id, person)].add(ents[case_id][index]["kind"])
    handle_only: dict[str, set[str]] = defaultdict(set)
    for (case_id, person), found in kinds.items():
        if person in serial and found == {"handle"}:
            handle_only[person].add(case_id)
    assert any(len(cases) >= 2 for cases in handle_only.values())
    facts = {r["case_id"]: r.get("circumstances", []) for r in mid_records}
    assert all("met_online" in facts[c] for cases in handle_only.values() for c in cases)


def test_recurring_people_are_spelled_differently(mid: SynthResult, mid_records: list[dict[str, Any]]) -> None:
    ents = _by_case(mid_records)
    spellings: dict[str, set[str]] = defaultdict(set)
    phone_styles: dict[str, set[str]] = defaultdict(set)
    for case_id, index, person in mid.truth["entities"]:
        e = ents[case_id][index]
        if e["kind"] == "person":
            spellings[person].add(e["value"])
        elif e["kind"] == "phone":
            phone_styles[person].add(e["value"])
    recurring = [p for p in mid.truth["people"] if len(mid.truth["people"][p]["cases"]) >= 3]
    assert len(recurring) >= 20
    varied = [p for p in recurring if len(spellings[p]) > 1]
    assert len(varied) > 0.6 * len(recurring)
    assert any(len(s) > 1 for s in phone_styles.values())


def test_offenders_appear_as_callers_and_associates(mid: SynthResult, mid_records: list[dict[str, Any]]) -> None:
    ents = _by_case(mid_records)
    serial = {o["person_id"] for o in mid.truth["offenders"].values() if o["kind"] == "series"}
    roles = defaultdict(set)
    for case_id, index, person in mid.truth["entities"]:
        if person in serial:
            roles[person].add(ents[case_id][index]["role"])
    assert sum(1 for r in roles.values() if r & {"reporter", "witness", "associate"}) >= 10
    assert any("suspect" in r for r in roles.values())


def test_distinct_people_share_common_names(mid: SynthResult, mid_records: list[dict[str, Any]]) -> None:
    ents = _by_case(mid_records)
    people_by_name: dict[str, set[str]] = defaultdict(set)
    for case_id, index, person in mid.truth["entities"]:
        e = ents[case_id][index]
        if e["kind"] == "person":
            people_by_name[e["value"]].add(person)
    assert len(people_by_name.get("John Smith", set())) >= 2
    assert sum(1 for p in people_by_name.values() if len(p) > 1) > 50


@pytest.mark.parametrize(("first", "last"), [("Stephen", "Marsh"), ("Mohammed", "O'Brien"), ("Ana", "Li")])
def test_name_variants_are_plausible(first: str, last: str) -> None:
    rs = np.random.default_rng(0).integers(0, 2**31, 3000).tolist()
    forms = {render.name_variant(first, last, r, True) for r in rs}
    assert f"{first} {last}" in forms and f"{first[0]}. {last}" in forms
    assert any(f.startswith(last.upper() + ",") for f in forms)
    if first == "Stephen":
        assert "Steve Marsh" in forms
    assert all(0.5 * len(first + last) <= len(f) <= len(first + last) + 4 for f in forms)


def test_phone_forms_all_denote_the_same_number() -> None:
    for index in (0, 123, 1500, PHONE_POOL - 1):
        nsn, _ = phone_digits(index)
        forms = {render.phone_variant(index, r) for r in range(7)}
        assert len(forms) == 7 and {_phone_key(f) for f in forms} == {nsn}
    assert "+44 7700 900123" in {render.phone_variant(123, r) for r in range(7)}
    assert "07700900123" in {render.phone_variant(123, r) for r in range(7)}


def test_registrations_are_unique_and_well_formed() -> None:
    regs = [render.registration(i) for i in range(50_000)]
    assert len(set(regs)) == len(regs)
    assert all(re.fullmatch(r"L[A-Z]\d\d [A-Z]{3}", r) for r in regs)
