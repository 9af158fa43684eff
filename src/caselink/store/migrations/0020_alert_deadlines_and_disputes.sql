-- Alerts with an owner, a deadline and escalation (issue 16), and reports that dispute a
-- classification. An alert's deadline and owner come from the intel policy's `alerts` section
-- (by kind, from created_at); escalation_level is the chain role it has been escalated to.
ALTER TABLE alerts ADD COLUMN escalation_level INTEGER DEFAULT 0;

-- Append-only history of an alert: each escalation, with who, when and why.
CREATE SEQUENCE alert_event_seq START 1;
CREATE TABLE alert_events (
    seq         BIGINT PRIMARY KEY DEFAULT nextval('alert_event_seq'),
    alert_id    BIGINT NOT NULL,
    kind        VARCHAR NOT NULL,   -- escalation
    happened_at TIMESTAMP NOT NULL,
    user_name   VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    detail      VARCHAR NOT NULL    -- JSON
);

-- The reporter says the death was not what it was recorded as (e.g. "it was not an accident").
ALTER TABLE intel_reports ADD COLUMN disputes_classification BOOLEAN DEFAULT false;
