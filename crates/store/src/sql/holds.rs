//! The SQL of statutory holds on subjects' data (Art. 17(3)(b)), erased
//! or live with records a retention sweep moved under a hold,
//! shared by both backends like the rest of `sql`. Every statement filters
//! by (or inserts) `tenant_id = $1`; held records are selected in one
//! column order ([`HELD_COLUMNS`]), which `hold_rows` decodes.

/// The columns of `held_records`, in the order every select uses.
macro_rules! held_columns {
    () => {
        "tenant_id, record_id, subject_id, hold_id, category, purpose, source, ciphertext, \
         collected_at, ends_at, ends_from"
    };
}

/// [`held_columns!`] as a constant, for tests.
#[cfg(test)]
pub(crate) const HELD_COLUMNS: &str = held_columns!();

/// Store a hold with its wrapped key.
pub(crate) const INSERT_HOLD: &str = "INSERT INTO holds \
    (tenant_id, hold_id, subject_id, law, wrapped_key, held_at) VALUES ($1, $2, $3, $4, $5, $6)";
/// The head of a multi-row insert of held records ([`super::insert_rows`]).
pub(crate) const INSERT_HELD_RECORDS_INTO: &str =
    concat!("INSERT INTO held_records (", held_columns!(), ") VALUES ");
/// Columns per held record.
pub(crate) const HELD_RECORD_COLUMNS: usize = 11;
/// A subject's holds, oldest first.
pub(crate) const SELECT_HOLDS_OF: &str = "SELECT tenant_id, hold_id, subject_id, law, \
    wrapped_key, held_at FROM holds WHERE tenant_id = $1 AND subject_id = $2 \
    ORDER BY held_at, hold_id";
/// A subject's held records, oldest first.
pub(crate) const SELECT_HELD_OF: &str = concat!(
    "SELECT ",
    held_columns!(),
    " FROM held_records WHERE tenant_id = $1 AND subject_id = $2 \
     ORDER BY collected_at, record_id"
);
/// The tenant's held records whose hold ends before `$2`, by end then id,
/// at most `$3` (the `held_records_due` index serves it in order).
pub(crate) const SELECT_HOLDS_DUE: &str = concat!(
    "SELECT ",
    held_columns!(),
    " FROM held_records WHERE tenant_id = $1 AND ends_at < $2 \
     ORDER BY ends_at, record_id LIMIT $3"
);
/// Whether the tenant holds any record of category `$2` under a hold:
/// `1` or `0` (a count, which both dialects return as an integer).
pub(crate) const SELECT_CATEGORY_HELD: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM held_records \
    WHERE tenant_id = $1 AND category = $2 LIMIT 1) AS held";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_columns_are_counted_and_inserted_in_order() {
        assert_eq!(HELD_COLUMNS.split(", ").count(), HELD_RECORD_COLUMNS);
        let insert = super::super::insert_rows(INSERT_HELD_RECORDS_INTO, HELD_RECORD_COLUMNS, 2);
        assert!(insert.ends_with("($12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"));
    }

    #[test]
    fn sqlite_text_numbers_every_placeholder() {
        for statement in [
            INSERT_HOLD,
            SELECT_HOLDS_OF,
            SELECT_HELD_OF,
            SELECT_HOLDS_DUE,
            SELECT_CATEGORY_HELD,
        ] {
            let rewritten = super::super::for_sqlite(statement);
            assert!(!rewritten.contains('$'), "{rewritten}");
            assert_eq!(rewritten.replace('?', "$"), statement);
            assert!(statement.contains("tenant_id = $1") || statement.starts_with("INSERT"));
        }
    }
}
