//! The SQL of retention (Art. 5(1)(e)): lifecycle events, plan history,
//! last-activity marks, anonymised aggregates and the sweep's candidate
//! query, shared by both backends like the rest of `sql`. Every statement
//! filters by (or inserts) `tenant_id = $1`.

/// Record an event; `$4` is NULL for a tenant-wide one.
pub(crate) const INSERT_EVENT: &str = "INSERT INTO events \
    (tenant_id, event_id, name, subject_id, at) VALUES ($1, $2, $3, $4, $5)";
/// Add a plan-history entry.
pub(crate) const INSERT_PLAN: &str = "INSERT INTO subject_plans \
    (tenant_id, subject_id, since, plan) VALUES ($1, $2, $3, $4)";
/// Set a subject's last-activity mark, only ever forward.
/// An erased subject gets no mark.
pub(crate) const TOUCH_ACTIVITY: &str = "INSERT INTO subject_activity \
    (tenant_id, subject_id, last_at) SELECT $1, $2, $3 WHERE EXISTS \
    (SELECT 1 FROM subjects s WHERE s.tenant_id = $1 AND s.subject_id = $2 \
    AND s.erased_at IS NULL) \
    ON CONFLICT (tenant_id, subject_id) DO UPDATE SET last_at = excluded.last_at \
    WHERE subject_activity.last_at < excluded.last_at";
/// Add to an aggregate count.
pub(crate) const ADD_AGGREGATE: &str = "INSERT INTO retention_aggregates \
    (tenant_id, category, period, count) VALUES ($1, $2, $3, $4) \
    ON CONFLICT (tenant_id, category, period) \
    DO UPDATE SET count = retention_aggregates.count + excluded.count";
/// Erase one held record.
pub(crate) const DELETE_HELD_RECORD: &str =
    "DELETE FROM held_records WHERE tenant_id = $1 AND record_id = $2 AND hold_id = $3";
/// Move a held record's end forward (never back).
pub(crate) const EXTEND_HELD_RECORD: &str = "UPDATE held_records SET ends_at = $4 \
    WHERE tenant_id = $1 AND record_id = $2 AND hold_id = $3 AND ends_at < $4";
/// Drop a hold, with its key, once it keeps no record.
pub(crate) const DELETE_EMPTY_HOLD: &str = "DELETE FROM holds \
    WHERE tenant_id = $1 AND hold_id = $2 AND NOT EXISTS \
    (SELECT 1 FROM held_records h WHERE h.tenant_id = $1 AND h.hold_id = $2)";
/// Delete an erased subject's events.
pub(crate) const DELETE_EVENTS_OF: &str =
    "DELETE FROM events WHERE tenant_id = $1 AND subject_id = $2";
/// Delete an erased subject's plan history.
pub(crate) const DELETE_PLANS_OF: &str =
    "DELETE FROM subject_plans WHERE tenant_id = $1 AND subject_id = $2";
/// Delete an erased subject's last-activity mark.
pub(crate) const DELETE_ACTIVITY_OF: &str =
    "DELETE FROM subject_activity WHERE tenant_id = $1 AND subject_id = $2";
/// A subject's events and the tenant's, oldest first.
pub(crate) const SELECT_EVENTS_FOR: &str = "SELECT tenant_id, event_id, name, subject_id, at \
    FROM events WHERE tenant_id = $1 AND (subject_id = $2 OR subject_id IS NULL) \
    ORDER BY at, event_id";
/// A subject's plan history, oldest first.
pub(crate) const SELECT_PLANS_OF: &str = "SELECT tenant_id, subject_id, since, plan \
    FROM subject_plans WHERE tenant_id = $1 AND subject_id = $2 ORDER BY since";
/// A subject's last-activity mark.
pub(crate) const SELECT_ACTIVITY_OF: &str =
    "SELECT last_at FROM subject_activity WHERE tenant_id = $1 AND subject_id = $2";
/// A subject's state and its records' stamps (id, category, collection
/// time; no ciphertext) in one read: no row when the subject is missing
/// or restricted (Art. 18(2): its data may only be stored, so no sweep
/// disposes of it), one row with NULL record columns when it has no
/// record. Served by the subjects' key and the subject's records (the
/// records' key on SQLite, `records_by_subject` on PostgreSQL).
pub(crate) const SELECT_RECORD_STAMPS: &str = "SELECT s.erased_at, r.record_id, r.category, \
    r.collected_at FROM subjects s LEFT JOIN records r \
    ON r.tenant_id = s.tenant_id AND r.subject_id = s.subject_id \
    WHERE s.tenant_id = $1 AND s.subject_id = $2 AND NOT s.restricted";
/// Whether any event of a name was recorded (served by `events_by_name`).
pub(crate) const SELECT_EVENT_RECORDED: &str =
    "SELECT 1 FROM events WHERE tenant_id = $1 AND name = $2 LIMIT 1";
/// A page of records collected at or before `$2`, after the cursor
/// (`$3`, `$4`), by (collection time, subject), at most `$5`: a range scan
/// of `records_by_age` starting at the cursor. The cursor is one row value,
/// so both backends seek to it even when many records share one collection
/// instant (an import), rather than rescan that instant on every page.
pub(crate) const SELECT_RETENTION_CANDIDATES: &str = "SELECT collected_at, subject_id \
    FROM records WHERE tenant_id = $1 AND collected_at <= $2 \
    AND (collected_at, subject_id) > ($3, $4) \
    ORDER BY collected_at, subject_id LIMIT $5";
/// Claims the live subjects of `$2` (a text array) whose lease lapsed by
/// `$3`, leasing them until `$4`; rows another claimer is locking are
/// skipped, not waited for. PostgreSQL only.
pub(crate) const CLAIM_SWEEP_PG: &str = "WITH free AS (SELECT s.subject_id FROM subjects s \
    WHERE s.tenant_id = $1 AND s.subject_id = ANY($2) AND s.erased_at IS NULL \
    FOR UPDATE SKIP LOCKED) \
    INSERT INTO sweep_claims (tenant_id, subject_id, claimed_until) \
    SELECT $1, subject_id, $4 FROM free \
    ON CONFLICT (tenant_id, subject_id) DO UPDATE SET claimed_until = excluded.claimed_until \
    WHERE sweep_claims.claimed_until <= $3 \
    RETURNING subject_id";
/// Ends the leases a sweeper took (`$3`: its lease's end, which names
/// it) on subjects `$2` (a text array) once it is done with them, so the
/// next sweep (another server's, or `tutela sweep`) need not wait for them
/// to lapse. PostgreSQL only.
pub(crate) const RELEASE_SWEEP_PG: &str = "DELETE FROM sweep_claims \
    WHERE tenant_id = $1 AND subject_id = ANY($2) AND claimed_until = $3";
/// Delete an erased subject's sweep lease.
pub(crate) const DELETE_CLAIM_OF: &str =
    "DELETE FROM sweep_claims WHERE tenant_id = $1 AND subject_id = $2";
/// The tenant's aggregates.
pub(crate) const SELECT_AGGREGATES: &str = "SELECT category, period, count \
    FROM retention_aggregates WHERE tenant_id = $1 ORDER BY category, period";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_text_numbers_every_placeholder() {
        for statement in [
            INSERT_EVENT,
            INSERT_PLAN,
            TOUCH_ACTIVITY,
            ADD_AGGREGATE,
            DELETE_HELD_RECORD,
            EXTEND_HELD_RECORD,
            DELETE_EMPTY_HOLD,
            DELETE_EVENTS_OF,
            DELETE_PLANS_OF,
            DELETE_ACTIVITY_OF,
            SELECT_EVENTS_FOR,
            SELECT_PLANS_OF,
            SELECT_ACTIVITY_OF,
            SELECT_RECORD_STAMPS,
            RELEASE_SWEEP_PG,
            SELECT_EVENT_RECORDED,
            SELECT_RETENTION_CANDIDATES,
            SELECT_AGGREGATES,
            DELETE_CLAIM_OF,
        ] {
            let rewritten = super::super::for_sqlite(statement);
            assert!(!rewritten.contains('$'), "{rewritten}");
            assert_eq!(rewritten.replace('?', "$"), statement);
            assert!(statement.contains("tenant_id = $1") || statement.starts_with("INSERT"));
        }
    }
}
