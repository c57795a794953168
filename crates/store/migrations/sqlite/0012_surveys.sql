-- Anonymous surveys (Recital 26, Art. 25). A survey keeps its definition,
-- state, and the minimum group size and noise fixed when it opened. Its
-- members (subject, team) are kept to issue each one token, once, all in
-- the opening commit; how many were issued per team is kept apart, so an
-- erased member's row can go without changing response rates.
-- Tokens are a set of keyed hashes with their team and no member column.
-- Answers hold survey, team, ISO week, question and value (free text
-- sealed), under 16 random bytes as key: in a WITHOUT ROWID table the
-- rows sit in key order, which follows nothing about who answered or when.
-- Kept in step with ../postgres/0012_surveys.sql.

CREATE TABLE surveys (
    tenant_id            TEXT    NOT NULL,
    survey_id            TEXT    NOT NULL,
    definition           TEXT    NOT NULL,
    state                TEXT    NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    min_group_size       INTEGER,
    noise_epsilon_millis INTEGER,
    noise_budget_millis  INTEGER,
    noise_spent_millis   INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, survey_id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
) STRICT;

CREATE TABLE survey_members (
    tenant_id  TEXT    NOT NULL,
    survey_id  TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    team       TEXT    NOT NULL,
    issued     INTEGER NOT NULL CHECK (issued IN (0, 1)),
    PRIMARY KEY (tenant_id, survey_id, subject_id),
    FOREIGN KEY (tenant_id, survey_id) REFERENCES surveys (tenant_id, survey_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
) STRICT;

-- An erasure deletes the subject's memberships through this index.
CREATE INDEX survey_members_by_subject ON survey_members (tenant_id, subject_id);

CREATE TABLE survey_issued (
    tenant_id TEXT    NOT NULL,
    survey_id TEXT    NOT NULL,
    team      TEXT    NOT NULL,
    issued    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, survey_id, team),
    FOREIGN KEY (tenant_id, survey_id) REFERENCES surveys (tenant_id, survey_id)
) STRICT;

CREATE TABLE survey_tokens (
    tenant_id  TEXT NOT NULL,
    survey_id  TEXT NOT NULL,
    token_hash BLOB NOT NULL,
    team       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, survey_id, token_hash)
) STRICT, WITHOUT ROWID;

CREATE TABLE survey_answers (
    tenant_id TEXT    NOT NULL,
    survey_id TEXT    NOT NULL,
    answer_id BLOB    NOT NULL,
    team      TEXT    NOT NULL,
    period    TEXT    NOT NULL,
    question  TEXT    NOT NULL,
    value     INTEGER,
    sealed    BLOB,
    PRIMARY KEY (tenant_id, survey_id, answer_id),
    CHECK ((value IS NULL) <> (sealed IS NULL))
) STRICT, WITHOUT ROWID;
