-- Derived work after a committed ingest (issue 20): one row per batch and follow-up step (entity
-- resolution, linkage), written in the batch's own transaction and deleted when the step has run.
-- A row left behind (a crash, a failed step) is completed by the next writing command or by
-- `caselink repair`; `caselink stats` and `caselink audit verify` say so.
CREATE TABLE pending_work (
    batch_id     VARCHAR NOT NULL,
    step         VARCHAR NOT NULL,      -- the module whose hooks do it, e.g. 'caselink.entities'
    recorded_at  TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   VARCHAR,
    PRIMARY KEY (batch_id, step)
);
