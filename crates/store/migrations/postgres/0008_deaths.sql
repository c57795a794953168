-- Recorded deaths of data subjects and the directive for after death each
-- applied (national law on the data of the deceased; the GDPR does not
-- apply to them, Recital 27). One row per subject: recording a death twice
-- is refused by the primary key. No personal value: the subject is a
-- pseudonym, directive_request_id the registered directive applied (NULL
-- when none was registered), applied one of none, keep, erase, hand_to;
-- note is staff's text. The row outlives an erasure the directive asked
-- for, as the proof that it was applied. Must follow 0007.
-- Kept in step with ../sqlite/0008_deaths.sql.

CREATE TABLE deaths (
    tenant_id            TEXT    NOT NULL,
    subject_id           TEXT    NOT NULL,
    recorded_at          BIGINT NOT NULL,
    directive_request_id TEXT,
    applied              TEXT    NOT NULL CHECK (applied IN ('none', 'keep', 'erase', 'hand_to')),
    note                 TEXT,
    PRIMARY KEY (tenant_id, subject_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
);

