"""Fact types shared by the evaluator and the queries that gather facts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReporterLink:
    """The same person, phone... is the reporter in one case and appears in a linked case."""

    other_case: str
    probability: float
    other_incident_type: str
    kind: str
    value: str
    here_role: str
    there_role: str
