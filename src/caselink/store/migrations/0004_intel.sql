-- Intel: reports from families, friends and the public, kept until acted on (issue 5).
-- A report is never deleted: its state changes are appended to intel_transitions, and the
-- current state is kept on the report row in the same transaction.
CREATE TABLE intel_reports (
    report_id         VARCHAR PRIMARY KEY,   -- reference given to the submitter, e.g. INT-2026-000123
    seq               BIGINT NOT NULL UNIQUE,
    received_at       TIMESTAMP NOT NULL,    -- when the report reached the force (UTC)
    recorded_at       TIMESTAMP NOT NULL,
    recorded_by       VARCHAR NOT NULL,
    reporter_name     VARCHAR,
    reporter_relation VARCHAR NOT NULL,      -- mother, partner, friend, member_of_public, ...
    reporter_contact  VARCHAR,
    channel           VARCHAR NOT NULL,      -- phone, email, in_person, online_form, letter, ...
    text              VARCHAR NOT NULL,
    priority          VARCHAR NOT NULL,      -- a priority named in the policy (high, normal)
    priority_reason   VARCHAR NOT NULL,
    state             VARCHAR NOT NULL,      -- received, acknowledged, assessed, actioned, closed
    state_since       TIMESTAMP NOT NULL,
    escalation_level  INTEGER NOT NULL,      -- 0 = the stage owner; n = n-th role of the escalation chain
    outcome           VARCHAR,
    policy_hash       VARCHAR NOT NULL       -- the policy in force when it was received
);

-- Which cases a report concerns. Erasing a case removes its link here (the report stays).
CREATE TABLE intel_report_cases (
    report_id VARCHAR NOT NULL,
    case_id   VARCHAR NOT NULL,
    linked_at TIMESTAMP NOT NULL,
    linked_by VARCHAR NOT NULL,
    PRIMARY KEY (report_id, case_id)
);

-- People, phones, vehicles, places... a report mentions, normalised like case_entities so that
-- linkage can use them (value_norm: lower case; digits only for phones).
CREATE TABLE intel_entities (
    report_id  VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    role       VARCHAR NOT NULL,
    value      VARCHAR NOT NULL,
    value_norm VARCHAR NOT NULL,
    name       VARCHAR,
    dob        VARCHAR
);

-- Append-only history: every state change, escalation and link removal, with who and why.
CREATE SEQUENCE intel_transition_seq START 1;
CREATE TABLE intel_transitions (
    seq        BIGINT PRIMARY KEY DEFAULT nextval('intel_transition_seq'),
    report_id  VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,   -- received, transition, escalation, unlink
    from_state VARCHAR,
    to_state   VARCHAR NOT NULL,
    happened_at TIMESTAMP NOT NULL,
    user_name  VARCHAR NOT NULL,
    reason     VARCHAR NOT NULL,
    detail     VARCHAR NOT NULL    -- JSON
);

-- Every policy a report was handled under, by hash, so deadlines can be reproduced later.
CREATE TABLE intel_policies (
    policy_hash VARCHAR PRIMARY KEY,
    policy      VARCHAR NOT NULL,  -- JSON
    first_used  TIMESTAMP NOT NULL
);

-- A report's mentioned entities attributed to each case it concerns, in case_entities' shape
-- plus report_id: linkage can union this with case_entities (a shared entity is evidence).
CREATE VIEW intel_case_entities AS
SELECT rc.case_id, e.kind, e.role, e.value, e.name, e.dob, e.report_id, e.value_norm
FROM intel_report_cases rc JOIN intel_entities e USING (report_id);
