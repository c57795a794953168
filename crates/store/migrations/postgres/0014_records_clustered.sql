-- Kept in step with ../sqlite/0014_records_clustered.sql, which clusters
-- SQLite's records by subject (a WITHOUT ROWID table). PostgreSQL keeps
-- its heap table and its indexes by record id, subject and age; nothing
-- changes here.
SELECT 1;
