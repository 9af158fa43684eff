-- Core tables: cases (current version), their history, list fields, entities, audit log.
CREATE TABLE cases (
    case_id          VARCHAR PRIMARY KEY,
    version          INTEGER NOT NULL,
    content_hash     VARCHAR NOT NULL,
    incident_type    VARCHAR NOT NULL,
    occurred_from    VARCHAR NOT NULL,
    occurred_to      VARCHAR,
    found_at         VARCHAR,
    t_from           TIMESTAMP NOT NULL,
    t_to             TIMESTAMP NOT NULL,
    t_found          TIMESTAMP,
    lat              DOUBLE,
    lon              DOUBLE,
    x                DOUBLE,
    y                DOUBLE,
    place_type       VARCHAR,
    area             VARCHAR,
    victim_age       INTEGER,
    victim_sex       VARCHAR,
    victim_ethnicity VARCHAR,
    victim_tags      VARCHAR[],
    circumstances    VARCHAR[],
    substances       VARCHAR[],
    weapon           VARCHAR,
    classification   VARCHAR,
    status           VARCHAR,
    narrative        VARCHAR,
    series_ids       VARCHAR[],
    actions          VARCHAR[],
    agency           VARCHAR,
    record           VARCHAR NOT NULL,   -- canonical JSON of the whole record
    ingested_at      TIMESTAMP NOT NULL,
    batch_id         VARCHAR NOT NULL
);

-- Every version of every case, including the current one; old versions are never overwritten.
CREATE TABLE case_versions (
    case_id      VARCHAR NOT NULL,
    version      INTEGER NOT NULL,
    content_hash VARCHAR NOT NULL,
    record       VARCHAR NOT NULL,
    valid_from   TIMESTAMP NOT NULL,
    valid_to     TIMESTAMP,
    batch_id     VARCHAR NOT NULL,
    source       VARCHAR,
    PRIMARY KEY (case_id, version)
);

-- List fields in long form, for blocking joins and rarity counts.
CREATE TABLE case_facts (
    case_id VARCHAR NOT NULL,
    field   VARCHAR NOT NULL,
    value   VARCHAR NOT NULL
);

CREATE TABLE case_entities (
    case_id VARCHAR NOT NULL,
    kind    VARCHAR NOT NULL,
    role    VARCHAR NOT NULL,
    value   VARCHAR NOT NULL,
    name    VARCHAR,
    dob     VARCHAR
);

CREATE TABLE ingest_batches (
    batch_id    VARCHAR PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    user_name   VARCHAR NOT NULL,
    sources     VARCHAR[] NOT NULL,
    n_new       INTEGER NOT NULL,
    n_updated   INTEGER NOT NULL,
    n_unchanged INTEGER NOT NULL,
    n_rejected  INTEGER NOT NULL
);

CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    ts        VARCHAR NOT NULL,
    user_name VARCHAR NOT NULL,
    action    VARCHAR NOT NULL,
    command   VARCHAR NOT NULL,
    case_ids  VARCHAR[] NOT NULL,
    purpose   VARCHAR,
    detail    VARCHAR NOT NULL,
    prev_hash VARCHAR NOT NULL,
    hash      VARCHAR NOT NULL
);

-- The last row's seq and hash, so that deleting rows from the end is detected too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash VARCHAR NOT NULL
);
