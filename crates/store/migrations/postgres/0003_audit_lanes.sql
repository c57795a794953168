-- Audit lanes: a tenant's chain is made of lanes, each an independent hash
-- chain with its own positions and head, so servers appending to different
-- lanes never wait for one another. Every existing entry and head becomes
-- lane 0, whose MAC encoding is unchanged. The placeholder heads (seq 0)
-- that gave appenders a row to lock are no longer needed: a lane is held by
-- one writer through an advisory lock (see src/postgres/writer.rs).
-- Kept in step with ../sqlite/0003_audit_lanes.sql.

ALTER TABLE audit_entries ADD COLUMN lane BIGINT NOT NULL DEFAULT 0 CHECK (lane >= 0);
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_pkey;
ALTER TABLE audit_entries ADD PRIMARY KEY (tenant_id, lane, seq);

ALTER TABLE audit_heads ADD COLUMN lane BIGINT NOT NULL DEFAULT 0 CHECK (lane >= 0);
ALTER TABLE audit_heads DROP CONSTRAINT audit_heads_pkey;
ALTER TABLE audit_heads ADD PRIMARY KEY (tenant_id, lane);
DELETE FROM audit_heads WHERE seq = 0;
