-- Recipients are told (Art. 19). recipient_endpoints: where each of the
-- policy's recipients is notified, with its webhook signing secret sealed
-- under a key derived from the master key (it must be usable to sign, so
-- it is sealed, not hashed). deliveries: one notice to one recipient,
-- inserted in the commit of the act it tells of (rectification, record
-- deletion, erasure, restriction set or lifted), so a crash never loses
-- one. No personal value: ids, kinds and category keys only. A sender
-- holds a notice until claimed_until; state is pending, delivered or
-- failed. Must follow 0006 (migrations run in the order of their number).
-- Kept in step with ../postgres/0007_deliveries.sql.

CREATE TABLE recipient_endpoints (
    tenant_id     TEXT    NOT NULL,
    recipient     TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    sealed_secret BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, recipient)
) STRICT;

CREATE TABLE deliveries (
    tenant_id       TEXT    NOT NULL,
    delivery_id     TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    subject_id      TEXT    NOT NULL,
    record_id       TEXT,
    categories      TEXT    NOT NULL,
    request_id      TEXT,
    created_at      INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    delivered_at    INTEGER,
    last_status     INTEGER,
    PRIMARY KEY (tenant_id, delivery_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (tenant_id, state, next_attempt_at, delivery_id);
CREATE INDEX deliveries_by_request ON deliveries (tenant_id, request_id)
    WHERE request_id IS NOT NULL;
