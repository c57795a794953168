-- Data subject requests (Art. 12-22): one row per request, with its state,
-- due dates, identity check and closing. No personal value in clear: the
-- subject is a pseudonym; a transfer URL or a person's name is sealed under
-- the subject's data key (sealed_detail), so erasure makes it unreadable;
-- detail_digest is a keyed hash of it for duplicate detection; reasons and
-- notes are staff's text; a one-time code is kept only as an HMAC.
-- effective_due_at is the due date in force (extended or first), stored so
-- the queue can be listed by it through an index.
-- Kept in step with ../sqlite/0004_requests.sql.

CREATE TABLE requests (
    tenant_id           TEXT    NOT NULL,
    request_id          TEXT    NOT NULL,
    subject_id          TEXT    NOT NULL,
    kind                TEXT    NOT NULL,
    purpose             TEXT,
    directive           TEXT,
    sealed_detail       BYTEA,
    detail_digest       BYTEA,
    state               TEXT    NOT NULL,
    received_at         BIGINT NOT NULL,
    due_at              BIGINT NOT NULL,
    extended_due_at     BIGINT,
    effective_due_at    BIGINT NOT NULL,
    extension_reason    TEXT,
    refusal_reason      TEXT,
    fee_amount          BIGINT,
    fee_currency        TEXT,
    fee_reason          TEXT,
    handler             TEXT    NOT NULL,
    handler_contact     TEXT    NOT NULL,
    duplicate_of        TEXT,
    verified_at         BIGINT,
    verification_method TEXT,
    verification_note   TEXT,
    code_hash           BYTEA,
    code_expires_at     BIGINT,
    code_attempts       BIGINT NOT NULL,
    codes_sent          BIGINT NOT NULL,
    last_code_sent_at   BIGINT,
    fulfilled_at        BIGINT,
    closed_at           BIGINT,
    closed_note         TEXT,
    version             BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, request_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
);
CREATE INDEX requests_by_due ON requests (tenant_id, effective_due_at, request_id);
CREATE INDEX requests_by_state_due ON requests (tenant_id, state, effective_due_at, request_id);
CREATE INDEX requests_by_subject ON requests (tenant_id, subject_id, state);
