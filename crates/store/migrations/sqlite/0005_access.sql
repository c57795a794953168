-- The subject's access log (Art. 15): every entry naming a subject, found
-- through an index on (tenant, subject) rather than by walking the chain, so
-- answering one subject costs what that subject's entries cost, whatever
-- the size of the chain. audit_entries is WITHOUT ROWID, keyed by
-- (tenant_id, lane, seq); an index on it carries that key, so listing it
-- makes the order (time, lane, position) an index scan. Entries naming no
-- subject (policy, keys, tenants) are left out of the index.
-- Kept in step with ../postgres/0005_access.sql.

CREATE INDEX audit_entries_by_subject
    ON audit_entries (tenant_id, subject, at_us, lane, seq)
    WHERE subject IS NOT NULL;
