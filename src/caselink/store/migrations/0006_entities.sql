-- Entity resolution (issue 8): every mention of a person, phone, vehicle... in a case or intel
-- report, the entity it resolved to, and the match weight of the strongest link that joined it.
CREATE TABLE resolved_entities (
    entity_id   VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    display     VARCHAR NOT NULL,
    n_mentions  INTEGER NOT NULL,
    n_sources   INTEGER NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE entity_mentions (
    mention_id        VARCHAR PRIMARY KEY,
    source            VARCHAR NOT NULL,   -- 'case' or 'intel'
    source_id         VARCHAR NOT NULL,   -- case_id or report_id
    kind              VARCHAR NOT NULL,
    role              VARCHAR NOT NULL,
    value             VARCHAR NOT NULL,
    name              VARCHAR,
    dob               VARCHAR,
    norm              VARCHAR,
    first             VARCHAR,
    last              VARCHAR,
    dob_norm          VARCHAR,
    phone             VARCHAR,            -- for people: the phone of their role in the same source
    vehicle           VARCHAR,
    entity_id         VARCHAR,
    match_weight      DOUBLE,
    match_probability DOUBLE,
    matched_to        VARCHAR
);

-- The trained person model (splink JSON, versioned), newest last.
CREATE TABLE entity_models (
    model_id   INTEGER PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    model      VARCHAR NOT NULL,
    stats      VARCHAR NOT NULL
);
