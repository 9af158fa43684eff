"""Evaluating the rules against each case's facts: actions, circumstances, links, open intel.

``evaluate`` is pure (facts in, findings out); ``run_checks`` gathers the facts from the store
in a few set-wise queries, audited with the caller's purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Finding:
    case_id: str
    rule_id: str
    title: str
    severity: str
    evidence: tuple[str, ...]
    missing_actions: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "rule": self.rule_id, "title": self.title,
                "severity": self.severity, "evidence": list(self.evidence),
                "missing_actions": list(self.missing_actions)}


def _list_condition(name: str, values: tuple[str, ...], facts: CaseFacts, min_p: float) -> list[str] | None:
    if name == "incident_types":
        return [f"incident type is {facts.incident_type}"] if facts.incident_type in values else None
    if name in ("classifications", "statuses"):
        value = getattr(facts, name[:-1] if name == "statuses" else "classification") or "unknown"
        return [f"{name[:-1] if name == 'statuses' else 'classification'} is {value}"] if value in values else None
    if name in _FACT_LISTS:
        have = getattr(facts, _FACT_LISTS[name])
        hit = sorted(set(values) & have)
        return [f"{_FACT_LISTS[name]} include {', '.join(hit)}"] if hit else None
    if name == "entity_roles_any":
        hit = sorted(set(values) & facts.entity_roles)
        return [f"an entity with role {', '.join(hit)} is recorded"] if hit else None
    if name == "strong_link_to":
        links = sorted((lk for lk in facts.links if lk.probability >= min_p and lk.other_incident_type in values),
                       key=lambda lk: -lk.probability)
        if not links:
            return None
        return [f"linked to {lk.other_incident_type} {lk.other_case} with probability {lk.probability:.2f}"
                for lk in links[:5]]
    raise ValueError(f"unknown condition {name}")  # rules.py validated the names


def holds(cond: Condition, facts: CaseFacts, min_p: float) -> list[str] | None:
    """The evidence for ``cond`` on ``facts``, or None if it does not hold."""
    evidence: list[str] = []
    for name, values in cond.lists.items():
        found = _list_condition(name, values, facts, min_p)
        if found is None:
            return None
        evidence += found
    if cond.open_intel is not None:
        if bool(facts.open_intel) != cond.open_intel:
            return None
        evidence += [f"open intel report {rid} ({state})" for rid, state in facts.open_intel[:5]]
    if cond.any_of:
        alternatives = [e for sub in cond.any_of if (e := holds(sub, facts, min_p)) is not None]
        if not alternatives:
            return None
        evidence += [e for alt in alternatives for e in alt]
    return evidence


def evaluate(rules: Iterable[Rule], facts: CaseFacts) -> list[Finding]:
    """Every rule that fires on one case, with the evidence that made it fire."""
    findings: list[Finding] = []
    for rule in rules:
        evidence = holds(rule.when, facts, rule.min_probability)
        if evidence is None:
            continue
        missing = tuple(a for a in rule.missing_actions if a not in facts.actions)
        if rule.missing_actions and not missing:
            continue
        if missing:
            evidence.append(f"actions lack {', '.join(missing)}")
        findings.append(Finding(facts.case_id, rule.id, rule.title, rule.severity, tuple(evidence), missing))
    return findings


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
        "SELECT case_id, incident_type, classification, status, circumstances, substances, victim_tags, actions "
        f"FROM cases WHERE {where} ORDER BY case_id", params).fetchall()
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
    empty: frozenset[str] = frozenset()
    return [CaseFacts(cid, itype, klass, status, frozenset(circ or ()), frozenset(subs or ()),
                      frozenset(tags or ()), frozenset(acts or ()), frozenset(roles.get(cid, empty)),
                      tuple(links.get(cid, ())), tuple(intel.get(cid, ())))
            for cid, itype, klass, status, circ, subs, tags, acts in rows]


def run_checks(store: Store, case_id: str | None = None, *, rules: RuleSet | None = None,
               purpose: str | None, command: str = "checks") -> list[Finding]:
    """Findings for one case, or every case, ordered by case then severity."""
    purpose = require_purpose(purpose, "checking cases for missed actions")
    rules = rules or load_rules()
    facts = gather_facts(store, [case_id] if case_id is not None else None, purpose=purpose,
                         min_probability=rules.min_link_probability, command=command)
    if case_id is not None and not facts:
        raise NotFound(f"no case {case_id!r} in {store.path}")
    rank = {"high": 0, "medium": 1, "low": 2}
    findings = [f for fact in facts for f in evaluate(rules.rules, fact)]
    findings.sort(key=lambda f: (f.case_id, rank.get(f.severity, 3), f.rule_id))
    return findings
