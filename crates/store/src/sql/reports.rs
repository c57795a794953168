//! The statement reports page through subjects with.

/// A page of the subjects holding a record of category `$2`, by subject
/// id after `$3` (`''` from the start), at most `$4`: a scan in subject
/// order of the records' key on SQLite (`tenant_id, subject_id,
/// record_id`) or of `records_by_subject` on PostgreSQL,
/// so each page seeks to its cursor and the work follows the page, not the
/// tenant. Erased subjects hold no records, so none comes back.
pub(crate) const SELECT_REPORT_SUBJECTS: &str = "SELECT DISTINCT subject_id FROM records \
    WHERE tenant_id = $1 AND category = $2 AND subject_id > $3 \
    ORDER BY subject_id LIMIT $4";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_text_numbers_every_placeholder() {
        let rewritten = super::super::for_sqlite(SELECT_REPORT_SUBJECTS);
        assert!(!rewritten.contains('$'), "{rewritten}");
        assert_eq!(rewritten.replace('?', "$"), SELECT_REPORT_SUBJECTS);
        assert!(SELECT_REPORT_SUBJECTS.contains("tenant_id = $1"));
        assert!(SELECT_REPORT_SUBJECTS.contains("LIMIT $4"));
    }
}
