-- Retention (Art. 5(1)(e)): what retention rules count from, and what
-- anonymisation leaves. Lifecycle events of a tenant (subject_id NULL) or a
-- subject, each subject's plan history, each subject's last-activity mark
-- (kept to the day), and aggregate counts of anonymised records per
-- category and collection month, with no identifier. An index on records'
-- collection time lets a sweep pick candidates without scanning.
-- Kept in step with ../postgres/0009_retention.sql.

CREATE TABLE events (
    tenant_id  TEXT    NOT NULL,
    event_id   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    subject_id TEXT,
    at         INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, event_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
) STRICT;
CREATE INDEX events_by_subject ON events (tenant_id, subject_id, at);
CREATE INDEX events_by_name ON events (tenant_id, name, at);

CREATE TABLE subject_plans (
    tenant_id  TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    since      INTEGER NOT NULL,
    plan       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, subject_id, since),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
) STRICT;

CREATE TABLE subject_activity (
    tenant_id  TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, subject_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
) STRICT;

CREATE TABLE retention_aggregates (
    tenant_id TEXT    NOT NULL,
    category  TEXT    NOT NULL,
    period    TEXT    NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, category, period)
) STRICT;

-- A sweeper's lease on a subject (PostgreSQL claims with FOR UPDATE SKIP
-- LOCKED), so sweepers on several servers do not work on the same subject.
CREATE TABLE sweep_claims (
    tenant_id     TEXT    NOT NULL,
    subject_id    TEXT    NOT NULL,
    claimed_until INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, subject_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
) STRICT;

CREATE INDEX records_by_age ON records (tenant_id, collected_at, subject_id);
