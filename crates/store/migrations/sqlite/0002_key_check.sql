-- The master key's check value: an HMAC of a fixed message under a key
-- derived from the master key (it reveals nothing about the key). Written
-- at the first open, compared at every later one, so a server or CLI
-- started with another master key refuses to start instead of writing
-- keys and audit entries nobody can verify. One row; not tenant data, so
-- it has no tenant_id. Kept in step with ../postgres/0002_key_check.sql.

CREATE TABLE key_check (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    value BLOB    NOT NULL CHECK (length(value) = 32)
) STRICT;
