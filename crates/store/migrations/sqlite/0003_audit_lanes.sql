-- Audit lanes: a tenant's chain is made of lanes, each an independent hash
-- chain with its own positions and head. SQLite has one writer and only
-- ever uses lane 0; the column is here so both backends run the same SQL.
-- SQLite cannot change a primary key in place, so both tables are rebuilt;
-- every existing entry and head becomes lane 0, whose MAC encoding is
-- unchanged. Both tables are clustered on their key (WITHOUT ROWID): an
-- appended entry then writes one b-tree page, not a table page and an index
-- page, which halves what each audited read adds to the write-ahead log.
-- Kept in step with ../postgres/0003_audit_lanes.sql.

CREATE TABLE audit_entries_lanes (
    tenant_id TEXT    NOT NULL,
    lane      INTEGER NOT NULL CHECK (lane >= 0),
    seq       INTEGER NOT NULL,
    at_us     INTEGER NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    purpose   TEXT,
    subject   TEXT,
    detail    TEXT    NOT NULL,
    outcome   TEXT    NOT NULL,
    prev_mac  BLOB    NOT NULL,
    mac       BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, lane, seq)
) STRICT, WITHOUT ROWID;
INSERT INTO audit_entries_lanes
    SELECT tenant_id, 0, seq, at_us, actor, action, purpose, subject, detail, outcome, prev_mac, mac
    FROM audit_entries;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_lanes RENAME TO audit_entries;

CREATE TABLE audit_heads_lanes (
    tenant_id TEXT    NOT NULL,
    lane      INTEGER NOT NULL CHECK (lane >= 0),
    seq       INTEGER NOT NULL,
    mac       BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, lane)
) STRICT, WITHOUT ROWID;
INSERT INTO audit_heads_lanes SELECT tenant_id, 0, seq, mac FROM audit_heads WHERE seq > 0;
DROP TABLE audit_heads;
ALTER TABLE audit_heads_lanes RENAME TO audit_heads;
