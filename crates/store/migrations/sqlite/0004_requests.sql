-- Data subject requests (Art. 12-22): one row per request, with its state,
-- due dates, identity check and closing. No personal value in clear: the
-- subject is a pseudonym; a transfer URL or a person's name is sealed under
-- the subject's data key (sealed_detail), so erasure makes it unreadable;
-- detail_digest is a keyed hash of it for duplicate detection; reasons and
-- notes are staff's text; a one-time code is kept only as an HMAC.
-- effective_due_at is the due date in force (extended or first), stored so
-- the queue can be listed by it through an index.
-- Kept in step with ../postgres/0004_requests.sql.

CREATE TABLE requests (
    tenant_id           TEXT    NOT NULL,
    request_id          TEXT    NOT NULL,
    subject_id          TEXT    NOT NULL,
    kind                TEXT    NOT NULL,
    purpose             TEXT,
    directive           TEXT,
    sealed_detail       BLOB,
    detail_digest       BLOB,
    state               TEXT    NOT NULL,
    received_at         INTEGER NOT NULL,
    due_at              INTEGER NOT NULL,
    extended_due_at     INTEGER,
    effective_due_at    INTEGER NOT NULL,
    extension_reason    TEXT,
    refusal_reason      TEXT,
    fee_amount          INTEGER,
    fee_currency        TEXT,
    fee_reason          TEXT,
    handler             TEXT    NOT NULL,
    handler_contact     TEXT    NOT NULL,
    duplicate_of        TEXT,
    verified_at         INTEGER,
    verification_method TEXT,
    verification_note   TEXT,
    code_hash           BLOB,
    code_expires_at     INTEGER,
    code_attempts       INTEGER NOT NULL,
    codes_sent          INTEGER NOT NULL,
    last_code_sent_at   INTEGER,
    fulfilled_at        INTEGER,
    closed_at           INTEGER,
    closed_note         TEXT,
    version             INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, request_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
) STRICT;
CREATE INDEX requests_by_due ON requests (tenant_id, effective_due_at, request_id);
CREATE INDEX requests_by_state_due ON requests (tenant_id, state, effective_due_at, request_id);
CREATE INDEX requests_by_subject ON requests (tenant_id, subject_id, state);
