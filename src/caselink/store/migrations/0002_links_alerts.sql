-- Scored pairs of cases (linkage) and alerts raised by any stage (linkage, scan, clusters, intel).
CREATE TABLE links (
    case_a        VARCHAR NOT NULL,   -- case_a < case_b
    case_b        VARCHAR NOT NULL,
    probability   DOUBLE NOT NULL,
    log_odds      DOUBLE NOT NULL,
    explanation   VARCHAR NOT NULL,   -- JSON list of {feature, value, contribution}
    model_name    VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    scored_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (case_a, case_b)
);

CREATE SEQUENCE alert_seq START 1;
CREATE TABLE alerts (
    alert_id     BIGINT PRIMARY KEY DEFAULT nextval('alert_seq'),
    kind         VARCHAR NOT NULL,    -- linkage, scan, cluster, intel, entity
    case_id      VARCHAR,             -- the case that triggered it, if any
    related_ids  VARCHAR[] NOT NULL,  -- cases (or reports) it links to
    score        DOUBLE,              -- probability, or 1 - p-value, or similar
    title        VARCHAR NOT NULL,
    detail       VARCHAR NOT NULL,    -- JSON: explanation / statistics
    dedupe_key   VARCHAR NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,
    acknowledged_by VARCHAR,
    ack_note     VARCHAR
);
