-- Accounts for the web UI and API: users with a role and scopes, login sessions, API tokens.
-- Secrets are never stored: passwords as argon2id hashes, session ids and tokens as SHA-256.
CREATE TABLE users (
    user_name       VARCHAR PRIMARY KEY,
    role            VARCHAR NOT NULL,          -- analyst, reviewer, supervisor, admin
    password_hash   VARCHAR NOT NULL,          -- argon2id (memory-hard)
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins   INTEGER NOT NULL DEFAULT 0, -- consecutive failures since the last success
    locked_until    TIMESTAMP,                 -- set after too many failures
    created_at      TIMESTAMP NOT NULL,
    created_by      VARCHAR NOT NULL
);

-- What a user may see: rows (key, value); no rows means every case. Values of one key are
-- alternatives (agency = A or B); different keys must all match (agency = A and area = X).
CREATE TABLE user_scopes (
    user_name VARCHAR NOT NULL,
    key       VARCHAR NOT NULL,                -- a case column: agency or area
    value     VARCHAR NOT NULL,
    PRIMARY KEY (user_name, key, value)
);

-- Browser sessions: expire after an idle timeout; carry the purpose the user set for the audit log.
CREATE TABLE sessions (
    session_hash VARCHAR PRIMARY KEY,          -- SHA-256 of the cookie value
    user_name    VARCHAR NOT NULL,
    csrf_token   VARCHAR NOT NULL,
    purpose      VARCHAR,
    created_at   TIMESTAMP NOT NULL,
    last_seen    TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP
);

-- Bearer tokens for the API: from a login (idle timeout) or issued by an admin (fixed expiry).
CREATE TABLE api_tokens (
    token_hash  VARCHAR PRIMARY KEY,           -- SHA-256 of the token
    user_name   VARCHAR NOT NULL,
    label       VARCHAR NOT NULL,
    purpose     VARCHAR,
    created_at  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP,                     -- NULL: idle timeout applies instead
    revoked_at  TIMESTAMP
);

-- Every failed login (also for unknown names), kept for review; the lockout uses users.failed_logins.
CREATE TABLE failed_logins (
    user_name VARCHAR NOT NULL,
    ts        TIMESTAMP NOT NULL,
    remote    VARCHAR
);
