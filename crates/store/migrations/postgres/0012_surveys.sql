-- Anonymous surveys (Recital 26, Art. 25). A survey keeps its definition,
-- state, and the minimum group size and noise fixed when it opened. Its
-- members (subject, team) are kept to issue each one token, once, all in
-- the opening commit; how many were issued per team is kept apart, so an
-- erased member's row can go without changing response rates.
-- Tokens are a set of keyed hashes with their team and no member column.
-- Answers hold survey, team, ISO week, question and value (free text
-- sealed), under 16 random bytes as key. A heap keeps rows in insertion
-- order, so closing a survey CLUSTERs the table on that random key.
-- Kept in step with ../sqlite/0012_surveys.sql.

CREATE TABLE surveys (
    tenant_id            TEXT    NOT NULL,
    survey_id            TEXT    NOT NULL,
    definition           TEXT    NOT NULL,
    state                TEXT    NOT NULL CHECK (state IN ('draft', 'open', 'closed')),
    min_group_size       BIGINT,
    noise_epsilon_millis BIGINT,
    noise_budget_millis  BIGINT,
    noise_spent_millis   BIGINT  NOT NULL DEFAULT 0,
    created_at           BIGINT  NOT NULL,
    PRIMARY KEY (tenant_id, survey_id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (tenant_id)
);

CREATE TABLE survey_members (
    tenant_id  TEXT    NOT NULL,
    survey_id  TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    team       TEXT    NOT NULL,
    issued     BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, survey_id, subject_id),
    FOREIGN KEY (tenant_id, survey_id) REFERENCES surveys (tenant_id, survey_id),
    FOREIGN KEY (tenant_id, subject_id) REFERENCES subjects (tenant_id, subject_id)
);

-- An erasure deletes the subject's memberships through this index.
CREATE INDEX survey_members_by_subject ON survey_members (tenant_id, subject_id);

CREATE TABLE survey_issued (
    tenant_id TEXT   NOT NULL,
    survey_id TEXT   NOT NULL,
    team      TEXT   NOT NULL,
    issued    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, survey_id, team),
    FOREIGN KEY (tenant_id, survey_id) REFERENCES surveys (tenant_id, survey_id)
);

CREATE TABLE survey_tokens (
    tenant_id  TEXT  NOT NULL,
    survey_id  TEXT  NOT NULL,
    token_hash BYTEA NOT NULL,
    team       TEXT  NOT NULL,
    PRIMARY KEY (tenant_id, survey_id, token_hash)
);

CREATE TABLE survey_answers (
    tenant_id TEXT   NOT NULL,
    survey_id TEXT   NOT NULL,
    answer_id BYTEA  NOT NULL,
    team      TEXT   NOT NULL,
    period    TEXT   NOT NULL,
    question  TEXT   NOT NULL,
    value     BIGINT,
    sealed    BYTEA,
    CONSTRAINT survey_answers_pkey PRIMARY KEY (tenant_id, survey_id, answer_id),
    CHECK ((value IS NULL) <> (sealed IS NULL))
);
