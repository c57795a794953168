-- The subject's access log (Art. 15): every entry naming a subject, found
-- through an index on (tenant, subject) rather than by walking the chain, so
-- answering one subject costs what that subject's entries cost, whatever
-- the size of the chain. Ordered (time, lane, position) like the read that
-- pages through it. Entries naming no subject are left out of the index.
-- Kept in step with ../sqlite/0005_access.sql.

CREATE INDEX audit_entries_by_subject
    ON audit_entries (tenant_id, subject, at_us, lane, seq)
    WHERE subject IS NOT NULL;
