-- Policy versions published ahead of their time (Art. 13(3): a material
-- change is announced before it applies). policies.effective_at: when a
-- version takes effect (its publication time unless published ahead).
-- tenants.pending_version and pending_at: the version waiting for its time,
-- both NULL when none waits; policy_version stays the one in force until
-- then. policy_notices: which subjects were told of which version, so the
-- notices are sent once and a run can resume where it stopped.
-- Kept in step with ../postgres/0011_policy_versions.sql.

ALTER TABLE policies ADD COLUMN effective_at INTEGER;
UPDATE policies SET effective_at = published_at;

ALTER TABLE tenants ADD COLUMN pending_version INTEGER;
ALTER TABLE tenants ADD COLUMN pending_at INTEGER;

CREATE TABLE policy_notices (
    tenant_id  TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    subject_id TEXT    NOT NULL,
    sent_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version, subject_id)
) STRICT;
