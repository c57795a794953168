-- Consent with proof (Art. 7(1)), one-click unsubscribe (Art. 21(2)-(3))
-- and a website's cookie banner with the Global Privacy Control signal
-- (Art. 21(5)). consents.text_hash: the SHA-256 (hex) of the exact text the
-- person was shown, NULL for withdrawals and for grants recorded before
-- this migration. consent_texts: each text once per tenant and hash, never
-- per person. unsubscribe_links: only the SHA-256 of a link's secret is
-- kept, so a copy of the database cannot be used to unsubscribe anyone.
-- visitor_choices: a banner's choices, appended (never overwritten), so a
-- conflict between an explicit grant and a later GPC signal stays visible.
-- Kept in step with ../postgres/0010_consent_proof.sql.

ALTER TABLE consents ADD COLUMN text_hash TEXT;

CREATE TABLE consent_texts (
    tenant_id  TEXT    NOT NULL,
    text_hash  TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    stored_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, text_hash)
) STRICT;

CREATE TABLE unsubscribe_links (
    tenant_id  TEXT    NOT NULL,
    token_hash TEXT    NOT NULL,
    subject_id TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (tenant_id, token_hash)
) STRICT;

CREATE TABLE visitor_choices (
    tenant_id  TEXT    NOT NULL,
    choice_id  TEXT    NOT NULL,
    visitor    TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    granted    INTEGER NOT NULL,
    gpc        INTEGER NOT NULL,
    at_us      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, choice_id)
) STRICT;
CREATE INDEX visitor_choices_by_visitor ON visitor_choices (tenant_id, visitor, at_us);
