"""Missed-action checks: a readable rules file evaluated against every case (issue 5)."""

from __future__ import annotations

from caselink.checks.evaluate import CaseFacts, Finding, Link, evaluate, gather_facts, run_checks
from caselink.checks.rules import Rule, RuleSet, load_rules, rules_from_dict

__all__ = ["CaseFacts", "Finding", "Link", "Rule", "RuleSet", "evaluate", "gather_facts", "load_rules",
           "rules_from_dict", "run_checks"]
