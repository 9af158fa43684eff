"""Request and response bodies of the API (they make the OpenAPI description exact)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class LoginIn(BaseModel):
    user_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    purpose: str | None = Field(default=None, max_length=200)


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    user_name: str
    role: str
    idle_timeout_minutes: int


class PurposeIn(BaseModel):
    purpose: str = Field(min_length=1, max_length=200, pattern=r"\S")


class MeOut(BaseModel):
    user_name: str
    role: str
    scope: list[str]
    purpose: str | None
    permissions: list[str]


class OkOut(BaseModel):
    ok: bool


class CaseSummary(BaseModel):
    case_id: str
    incident_type: str
    occurred_from: str
    area: str | None = None
    agency: str | None = None
    place_type: str | None = None
    classification: str | None = None
    status: str | None = None
    victim_age: int | None = None
    victim_sex: str | None = None
    lat: float | None = None
    lon: float | None = None


class CasePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[CaseSummary]
    next: str | None = None  # cursor= for the next page (also in X-Next-Cursor / Link); None on the last


class CaseVersion(BaseModel):
    version: int
    content_hash: str
    record: dict[str, Any]
    valid_from: str
    valid_to: str | None
    batch_id: str
    source: str | None


class AuditEntryOut(BaseModel):
    seq: int
    ts: str
    user: str
    action: str
    command: str
    case_ids: list[str]
    purpose: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    rows: int
    first_bad_seq: int | None
    reason: str | None
    problems: list[str] = []


class AlertOut(BaseModel):
    alert_id: int
    kind: str
    case_id: str | None
    related_ids: list[str]
    score: float | None
    title: str
    detail: dict[str, Any]
    created_at: str
    acknowledged_at: str | None
    acknowledged_by: str | None
    ack_note: str | None
    owner: str | None = None
    deadline: str | None = None
    overdue: bool = False
    overdue_hours: float | None = None
    escalation_level: int = 0


class AckIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000, pattern=r"\S")


class ImportOut(BaseModel):
    batch_id: str
    records: int
    new: int
    updated: int
    unchanged: int
    rejected: int


class Evidence(BaseModel):
    feature: str
    value: Any = None
    contribution: float


class SimilarOut(BaseModel):
    case_id: str
    probability: float
    log_odds: float
    stored: bool  # a stored link (above the kept-link threshold or among the case's top partners)
    explanation: list[Evidence]


class SeriesMember(BaseModel):
    """A case of a candidate series and its probability of belonging with the rest."""

    case_id: str
    confidence: float


class SeriesOut(BaseModel):
    series_id: str
    case_ids: list[str]
    confidence: float
    members: list[SeriesMember] = []


class KnownSeriesOut(BaseModel):
    """A known series (solved cases' ``series_ids``) a case may belong to; ``score`` is the log of
    the summed odds of its links to the series' members, ``size`` the members the user may see."""

    series_id: str
    score: float
    probability: float
    log_odds: float
    linked_cases: list[str]
    size: int


class SeriesCase(CaseSummary):
    occurred_to: str | None = None


class SeriesLink(BaseModel):
    a: str
    b: str
    probability: float
    explanation: list[Evidence]


class SeriesDetail(SeriesOut):
    cases: list[SeriesCase]
    links: list[SeriesLink]


class MentionIn(BaseModel):
    """A person, phone, vehicle, address, handle or e-mail the report names (resolved on receipt)."""

    kind: Literal["person", "phone", "vehicle", "address", "handle", "email"]
    value: str = Field(min_length=1, max_length=500, pattern=r"\S")
    role: Literal["victim", "witness", "reporter", "suspect", "associate", "other"] | None = None
    name: str | None = Field(default=None, max_length=200)
    dob: str | None = Field(default=None, max_length=40)


class IntelIn(BaseModel):
    mentions: list[MentionIn] = Field(default_factory=list, max_length=100)
    text: str = Field(min_length=1, max_length=100_000)
    reporter_relation: str = Field(min_length=1, max_length=60)
    channel: str = Field(min_length=1, max_length=60)
    reporter_name: str | None = Field(default=None, max_length=200)
    reporter_contact: str | None = Field(default=None, max_length=200)
    case_ids: list[str] = Field(default_factory=list, max_length=100)
    priority: str | None = Field(default=None, max_length=20)
    disputes_classification: bool = False


class TransitionIn(BaseModel):
    step: Literal["acknowledge", "assess", "action", "close"]
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    outcome: str | None = Field(default=None, max_length=60)


class IntelOut(BaseModel):
    report_id: str
    received_at: str
    recorded_at: str
    recorded_by: str
    reporter_name: str | None
    reporter_relation: str
    reporter_contact: str | None
    channel: str
    text: str
    priority: str
    priority_reason: str
    state: str
    state_since: str
    escalation_level: int
    outcome: str | None
    policy_hash: str
    disputes_classification: bool = False
    case_ids: list[str]
    mentions: list[dict[str, Any]]
    history: list[dict[str, Any]] = Field(default_factory=list)


class OverdueOut(BaseModel):
    report_id: str
    priority: str
    state: str
    waiting_for: str
    received_at: str
    deadline: str
    overdue_hours: float
    owner: str
    escalation_level: int
    case_ids: list[str]


class FindingOut(BaseModel):
    case_id: str
    rule: str
    title: str
    severity: str
    score: float = 0.0
    evidence: list[str]
    missing_actions: list[str]
