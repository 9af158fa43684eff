"""Evaluating the rules against each case's facts: actions, circumstances, links, open intel.

``evaluate`` is pure (facts in, findings out); ``run_checks`` gathers the facts from the store
in a few set-wise queries, audited with the caller's purpose, and ranks the findings most serious
first. A finding's score is its severity's base (critical 100, high 60, medium 30, low 10) plus:
30 x the strongest link probability its evidence rests on, 5 per further linked case it names
(a series rather than a pair; at most 3), 5 per open intel report it names (at most 3), and 10 per
other critical or high finding on the same case (failures that compound; at most 2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from caselink.checks.evaluate_types import ReporterLink
from caselink.checks.reporters import reporter_links
from caselink.checks.rules import Condition, Rule, RuleSet, load_rules
from caselink.errors import NotFound
from caselink.store.store import Store, require_purpose

_FACT_LISTS = {"circumstances_any": "circumstances", "substances_any": "substances",
               "victim_tags_any": "victim_tags"}


@dataclass(frozen=True)
class Link:
    other_case: str
    probability: float
    other_incident_type: str


SEVERITY_SCORE = {"critical": 100.0, "high": 60.0, "medium": 30.0, "low": 10.0}


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at for one case."""

    case_id: str
    incident_type: str
    classification: str | None = None
    status: str | None = None
    circumstances: frozenset[str] = frozenset()
    substances: frozenset[str] = frozenset()
    victim_tags: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    entity_roles: frozenset[str] = frozenset()
    links: tuple[Link, ...] = ()
    open_intel: tuple[tuple[str, str], ...] = ()   # (report_id, state)
    place_type: str | None = None
    reporter_links: tuple[ReporterLink, ...] = ()


@dataclass(frozen=True)
class Finding:
    case_id: str
    rule_id: str
    title: str
    severity: str
    evidence: tuple[str, ...]
    missing_actions: tuple[str, ...] = field(default=())
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "rule": self.rule_id, "title": self.title,
                "severity": self.severity, "score": self.score, "evidence": list(self.evidence),
                "missing_actions": list(self.missing_actions)}


class _Strength:
    """The strongest link probability and the open intel reports a finding's evidence used."""

    def __init__(self) -> None:
        self.link = 0.0
        self.linked_cases = 0
        self.intel = 0

    def use_links(self, probabilities: Sequence[float], cases: int) -> None:
        self.link = max([self.link, *probabilities])
        self.linked_cases = max(self.linked_cases, cases)

    def score(self, severity: str) -> float:
        return round(SEVERITY_SCORE.get(severity, 0.0) + 30 * self.link + 5 * min(max(self.linked_cases - 1, 0), 3)
                     + 5 * min(self.intel, 3), 2)


def _reporter_evidence(values: tuple[str, ...], facts: CaseFacts, min_p: float, strength: _Strength
                       ) -> list[str] | None:
    found = sorted((r for r in facts.reporter_links if r.probability >= min_p and r.other_incident_type in values),
                   key=lambda r: (-r.probability, r.other_case))
    if not found:
        return None
    strength.use_links([r.probability for r in found], len({r.other_case for r in found}))
    return [f"{r.kind} {r.value!r}: {r.here_role} here, {r.there_role} in linked {r.other_incident_type} "
            f"{r.other_case} (p = {r.probability:.2f})" for r in found[:5]]


def _list_condition(name: str, values: tuple[str, ...], facts: CaseFacts, min_p: float,
                    strength: _Strength) -> list[str] | None:
    if name == "incident_types":
        return [f"incident type is {facts.incident_type}"] if facts.incident_type in values else None
    if name in ("classifications", "statuses"):
        attr = "status" if name == "statuses" else "classification"
        value = getattr(facts, attr) or "unknown"
        return [f"{attr} is {value}"] if value in values else None
    if name in _FACT_LISTS:
        have = getattr(facts, _FACT_LISTS[name])
        hit = sorted(set(values) & have)
        return [f"{_FACT_LISTS[name]} include {', '.join(hit)}"] if hit else None
    if name == "entity_roles_any":
        hit = sorted(set(values) & facts.entity_roles)
        return [f"an entity with role {', '.join(hit)} is recorded"] if hit else None
    if name == "place_types":
        return [f"place is {facts.place_type}"] if facts.place_type in values else None
    if name == "reporter_in_linked_case":
        return _reporter_evidence(values, facts, min_p, strength)
    if name == "strong_link_to":
        links = sorted((lk for lk in facts.links if lk.probability >= min_p and lk.other_incident_type in values),
                       key=lambda lk: -lk.probability)
        if not links:
            return None
        strength.use_links([lk.probability for lk in links], len({lk.other_case for lk in links}))
        return [f"linked to {lk.other_incident_type} {lk.other_case} with probability {lk.probability:.2f}"
                for lk in links[:5]]
    raise ValueError(f"unknown condition {name}")  # rules.py validated the names


def holds(cond: Condition, facts: CaseFacts, min_p: float, strength: _Strength | None = None) -> list[str] | None:
    """The evidence for ``cond`` on ``facts``, or None if it does not hold."""
    strength = strength if strength is not None else _Strength()
    evidence: list[str] = []
    for name, values in cond.lists.items():
        found = _list_condition(name, values, facts, min_p, strength)
        if found is None:
            return None
        evidence += found
    if cond.open_intel is not None:
        if bool(facts.open_intel) != cond.open_intel:
            return None
        evidence += [f"open intel report {rid} ({state})" for rid, state in facts.open_intel[:5]]
        strength.intel = max(strength.intel, len(facts.open_intel) if cond.open_intel else 0)
    if cond.any_of:
        alternatives = [e for sub in cond.any_of if (e := holds(sub, facts, min_p, strength)) is not None]
        if not alternatives:
            return None
        evidence += [e for alt in alternatives for e in alt]
    return evidence


def evaluate(rules: Iterable[Rule], facts: CaseFacts) -> list[Finding]:
    """Every rule that applies to the case and fires, with the evidence that made it fire and a score."""
    findings: list[Finding] = []
    for rule in rules:
        if not rule.applies_to.covers(facts.incident_type, facts.classification):
            continue
        strength = _Strength()
        evidence = holds(rule.when, facts, rule.min_probability, strength)
        if evidence is None:
            continue
        missing = tuple(a for a in rule.missing_actions if a not in facts.actions)
        if rule.missing_actions and not missing:
            continue
        if missing:
            evidence.append(f"actions lack {', '.join(missing)}")
        findings.append(Finding(facts.case_id, rule.id, rule.title, rule.severity, tuple(evidence), missing,
                                strength.score(rule.severity)))
    serious = sum(1 for f in findings if f.severity in ("critical", "high"))
    return [replace(f, score=round(f.score + 10 * min(serious - (f.severity in ("critical", "high")), 2), 2))
            for f in findings]


def gather_facts(store: Store, case_ids: Sequence[str] | None, *, purpose: str, min_probability: float,
                 command: str = "checks") -> list[CaseFacts]:
    """Facts for the given cases (all cases if None), read in a few set-wise queries; audited."""
    con = store.con
    if case_ids is None:
        where, params, me = "TRUE", [], "TRUE"
    else:
        where, params = "list_contains(?, case_id)", [list(case_ids)]
        me = "list_contains(?, l.me)"
    rows = con.execute(
        "SELECT case_id, incident_type, classification, status, circumstances, substances, victim_tags, actions, "
        f"place_type FROM cases WHERE {where} ORDER BY case_id", params).fetchall()
    store.audit("consultation", command, [r[0] for r in rows], purpose, {"rows": len(rows), "checks": True})
    roles: dict[str, set[str]] = {}
    for cid, role in con.execute(f"SELECT DISTINCT case_id, role FROM case_entities WHERE {where}",
                                 params).fetchall():
        roles.setdefault(cid, set()).add(role)
    links: dict[str, list[Link]] = {}
    for cid, other, p, itype in con.execute(
            "SELECT l.me, l.other, l.probability, c.incident_type FROM ("
            "  SELECT case_a AS me, case_b AS other, probability FROM links WHERE probability >= ? "
            "  UNION ALL SELECT case_b, case_a, probability FROM links WHERE probability >= ?) l "
            f"JOIN cases c ON c.case_id = l.other WHERE {me}",
            [min_probability, min_probability, *params]).fetchall():
        links.setdefault(cid, []).append(Link(other, float(p), itype))
    intel: dict[str, list[tuple[str, str]]] = {}
    for cid, rid, state in con.execute(
            "SELECT c.case_id, r.report_id, r.state FROM intel_report_cases c JOIN intel_reports r USING (report_id) "
            f"WHERE r.state <> 'closed' AND {where.replace('case_id', 'c.case_id')} ORDER BY r.report_id",
            params).fetchall():
        intel.setdefault(cid, []).append((rid, state))
    reporters = reporter_links(con, case_ids, min_probability)
    empty: frozenset[str] = frozenset()
    return [CaseFacts(cid, itype, klass, status, frozenset(circ or ()), frozenset(subs or ()),
                      frozenset(tags or ()), frozenset(acts or ()), frozenset(roles.get(cid, empty)),
                      tuple(links.get(cid, ())), tuple(intel.get(cid, ())), place,
                      tuple(reporters.get(cid, ())))
            for cid, itype, klass, status, circ, subs, tags, acts, place in rows]


def run_checks(store: Store, case_id: str | None = None, *, rules: RuleSet | None = None,
               purpose: str | None, command: str = "checks") -> list[Finding]:
    """Findings for one case, or every case, most serious first (score, then case and rule)."""
    purpose = require_purpose(purpose, "checking cases for missed actions")
    rules = rules or load_rules()
    facts = gather_facts(store, [case_id] if case_id is not None else None, purpose=purpose,
                         min_probability=rules.min_link_probability, command=command)
    if case_id is not None and not facts:
        raise NotFound(f"no case {case_id!r} in {store.path}")
    findings = [f for fact in facts for f in evaluate(rules.rules, fact)]
    findings.sort(key=lambda f: (-f.score, f.case_id, f.rule_id))
    return findings
