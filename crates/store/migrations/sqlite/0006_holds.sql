-- Statutory holds on erased subjects' data (Art. 17(3)(b), 18(1)): when a
-- subject is erased, records a law requires keeping move here, sealed again
-- under a data key of their hold (wrapped by the master key under a context
-- naming the hold), while the subject's own key, records and identifiers
-- go. Each held record carries when its hold ends, so the retention sweep
-- finds what is due through held_records_due without scanning.
-- Kept in step with ../postgres/0006_holds.sql.

CREATE TABLE holds (
    tenant_id   TEXT    NOT NULL,
    hold_id     TEXT    NOT NULL,
    subject_id  TEXT    NOT NULL,
    law         TEXT    NOT NULL,
    wrapped_key BLOB    NOT NULL,
    held_at     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, hold_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
) STRICT;
CREATE INDEX holds_by_subject ON holds (tenant_id, subject_id);

CREATE TABLE held_records (
    tenant_id    TEXT    NOT NULL,
    record_id    TEXT    NOT NULL,
    subject_id   TEXT    NOT NULL,
    hold_id      TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    purpose      TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    ciphertext   BLOB    NOT NULL,
    collected_at INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    ends_from    TEXT    NOT NULL CHECK (ends_from IN ('collected', 'erasure')),
    PRIMARY KEY (tenant_id, record_id),
    FOREIGN KEY (tenant_id, hold_id) REFERENCES holds (tenant_id, hold_id)
) STRICT;
CREATE INDEX held_records_by_subject ON held_records (tenant_id, subject_id);
CREATE INDEX held_records_due ON held_records (tenant_id, ends_at, record_id);
