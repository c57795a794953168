-- Tutela's schema on PostgreSQL. Forward-only: a released migration is never
-- edited; a change is a new file. Kept in step with ../sqlite/0001_init.sql.
--
-- Conventions (shared with SQLite, so one set of SQL serves both):
--   * every primary key starts with tenant_id, and every query filters by it;
--   * ids are hyphenated UUID text, tenant ids their slug;
--   * every *_at / at_us column is microseconds since the Unix epoch;
--   * booleans are BOOLEAN, bytes are BYTEA, API key purposes a comma-joined list.

CREATE TABLE tenants (
    tenant_id      TEXT    NOT NULL PRIMARY KEY,
    name           TEXT    NOT NULL,
    operator       BOOLEAN NOT NULL,
    policy_version BIGINT  NOT NULL,
    created_at     BIGINT  NOT NULL
);

CREATE TABLE policies (
    tenant_id    TEXT    NOT NULL REFERENCES tenants (tenant_id),
    version      BIGINT  NOT NULL,
    source       TEXT    NOT NULL,
    published_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE subjects (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (tenant_id),
    subject_id  TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    wrapped_key BYTEA,
    restricted  BOOLEAN NOT NULL,
    created_at  BIGINT  NOT NULL,
    erased_at   BIGINT,
    PRIMARY KEY (tenant_id, subject_id)
);

CREATE TABLE records (
    tenant_id    TEXT    NOT NULL,
    record_id    TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    ciphertext   BYTEA   NOT NULL,
    collected_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, record_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
);
CREATE INDEX records_by_subject ON records (tenant_id, subject_id, category);

CREATE TABLE identifiers (
    tenant_id   TEXT NOT NULL,
    category    TEXT NOT NULL,
    blind_index BYTEA NOT NULL,
    subject_id  TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, category, blind_index),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
);
CREATE INDEX identifiers_by_subject ON identifiers (tenant_id, subject_id);

CREATE TABLE consents (
    tenant_id      TEXT    NOT NULL,
    consent_id     TEXT    NOT NULL,
    subject_id     TEXT    NOT NULL,
    purpose        TEXT    NOT NULL,
    granted        BOOLEAN NOT NULL,
    at_us          BIGINT  NOT NULL,
    expires_at     BIGINT,
    policy_version BIGINT  NOT NULL,
    source         TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, consent_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
);
CREATE INDEX consents_by_subject ON consents (tenant_id, subject_id);

CREATE TABLE objections (
    tenant_id    TEXT    NOT NULL,
    objection_id TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    purpose      TEXT,
    at_us        BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, objection_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
);
CREATE INDEX objections_by_subject ON objections (tenant_id, subject_id);

CREATE TABLE api_keys (
    tenant_id   TEXT    NOT NULL REFERENCES tenants (tenant_id),
    api_key_id  TEXT    NOT NULL,
    secret_hash BYTEA   NOT NULL,
    role        TEXT    NOT NULL,
    purposes    TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    revoked_at  BIGINT,
    PRIMARY KEY (tenant_id, api_key_id),
    UNIQUE (tenant_id, secret_hash)
);

-- The audit chain has no foreign key: it outlives anything it mentions.
CREATE TABLE audit_entries (
    tenant_id TEXT    NOT NULL,
    seq       BIGINT  NOT NULL,
    at_us     BIGINT  NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    purpose   TEXT,
    subject   TEXT,
    detail    TEXT    NOT NULL,
    outcome   TEXT    NOT NULL,
    prev_mac  BYTEA   NOT NULL,
    mac       BYTEA   NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- One row per tenant with a chain; seq 0 marks a chain with no entry yet
-- (PostgreSQL inserts that row to have something to lock).
CREATE TABLE audit_heads (
    tenant_id TEXT    NOT NULL PRIMARY KEY,
    seq       BIGINT  NOT NULL,
    mac       BYTEA   NOT NULL
);
