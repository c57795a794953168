//! The SQL of data subject requests, shared by both backends like the rest
//! of `sql`. Every statement filters by `tenant_id = $1`. Every column is
//! named in one order ([`REQUEST_COLUMNS`]), which the insert, the update
//! and every select share, and which `request_rows` decodes.

/// The columns of `requests`, in the order every statement uses.
macro_rules! request_columns {
    () => {
        "tenant_id, request_id, subject_id, kind, purpose, directive, sealed_detail, \
         detail_digest, state, received_at, due_at, extended_due_at, effective_due_at, \
         extension_reason, refusal_reason, fee_amount, fee_currency, fee_reason, handler, \
         handler_contact, duplicate_of, verified_at, verification_method, verification_note, \
         code_hash, code_expires_at, code_attempts, codes_sent, last_code_sent_at, \
         fulfilled_at, closed_at, closed_note, version"
    };
}

/// [`request_columns!`] as a constant, for tests.
/// What an erased subject's requests say where staff's free text was
/// (shown, so a reader knows it was there and why it went).
#[cfg(test)]
pub(crate) const ERASED_NOTE: &str = "[erased with the subject]";

/// `column = ` the erased marker where the column holds text (NULL stays
/// NULL): the one expression every statement clearing staff's notes uses.
macro_rules! erased_note {
    ($column:literal) => {
        concat!(
            $column,
            " = CASE WHEN ",
            $column,
            " IS NULL THEN NULL ELSE '[erased with the subject]' END"
        )
    };
}

/// The `SET` list that replaces every note of staff on a request.
macro_rules! erased_request_notes {
    () => {
        concat!(
            "UPDATE requests SET ",
            erased_note!("extension_reason"),
            ", ",
            erased_note!("refusal_reason"),
            ", ",
            erased_note!("verification_note"),
            ", ",
            erased_note!("closed_note"),
            ", ",
            erased_note!("fee_reason"),
            " "
        )
    };
}

/// Replaces the staff's free text on an erased subject's requests (the
/// reasons for an extension or a refusal, the note on a verification or a
/// fulfilment) with [`ERASED_NOTE`]: staff write what they saw ("passport
/// seen at the desk"), which is personal data, and it goes with the
/// subject. The states, dates, kinds and methods stay, as the record that
/// each request was answered (Art. 5(2)). A fee's reason goes too (its
/// amount and currency stay): staff write who asked how often, from where,
/// and an outside probe found such a reason outliving the erasure.
pub(crate) const CLEAR_REQUEST_NOTES: &str = concat!(
    erased_request_notes!(),
    "WHERE tenant_id = $1 AND subject_id = $2"
);

/// Replaces staff's note on a subject's recorded death (how the death was
/// learnt of: "certificate seen", a hospital's name) with the same marker
/// as the notes on requests: free text about the subject goes with it.
/// The row stays, as the proof that the directive was applied.
pub(crate) const CLEAR_DEATH_NOTE: &str = concat!(
    "UPDATE deaths SET ",
    erased_note!("note"),
    " WHERE tenant_id = $1 AND subject_id = $2"
);

/// [`CLEAR_REQUEST_NOTES`] for one request (`$2`), only when its subject
/// is erased: run after every update of a request, so a reason or note
/// written after the erasure (a refusal of a request the erasure left
/// open) is not kept either.
pub(crate) const CLEAR_NOTES_IF_ERASED: &str = concat!(
    erased_request_notes!(),
    "WHERE tenant_id = $1 AND request_id = $2 AND EXISTS (SELECT 1 FROM subjects s \
        WHERE s.tenant_id = $1 AND s.subject_id = requests.subject_id AND s.erased_at IS NOT NULL)"
);

#[cfg(test)]
pub(crate) const REQUEST_COLUMNS: &str = request_columns!();
/// How many columns a request row has.
#[cfg(test)]
pub(crate) const REQUEST_COLUMN_COUNT: usize = 33;

/// File a request.
pub(crate) const INSERT_REQUEST: &str = concat!(
    "INSERT INTO requests (",
    request_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
     $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33)"
);

/// Takes the subject's row, changing nothing, before a request is filed
/// as new (not as a duplicate): on PostgreSQL two filings about one
/// subject then run one after the other, so the second's
/// [`NO_OPEN_SAME_ASK`] sees the first (SQLite's single writer already
/// runs them in turn).
pub(crate) const LOCK_SUBJECT_FOR_FILING: &str = "UPDATE subjects SET erased_at = erased_at \
    WHERE tenant_id = $1 AND subject_id = $2";

/// A row when no open request about the subject asks the same thing
/// (kind, purpose, directive and detail digest, nulls equal): none means a
/// filing committed since the engine looked, and the new one must be
/// linked to it as a duplicate instead.
pub(crate) const NO_OPEN_SAME_ASK: &str = "UPDATE subjects SET erased_at = erased_at \
    WHERE tenant_id = $1 AND subject_id = $2 AND NOT EXISTS (SELECT 1 FROM requests q \
    WHERE q.tenant_id = $1 AND q.subject_id = $2 AND q.state IN ('received', 'verified') \
    AND q.kind = $3 AND q.purpose IS NOT DISTINCT FROM $4 \
    AND q.directive IS NOT DISTINCT FROM $5 AND q.detail_digest IS NOT DISTINCT FROM $6)";

/// Replace a request's fields, only at the version it was read (`$34`):
/// nothing changes if another writer moved it meanwhile.
pub(crate) const UPDATE_REQUEST: &str = "UPDATE requests SET subject_id = $3, kind = $4, \
    purpose = $5, directive = $6, sealed_detail = $7, detail_digest = $8, state = $9, \
    received_at = $10, due_at = $11, extended_due_at = $12, effective_due_at = $13, \
    extension_reason = $14, refusal_reason = $15, fee_amount = $16, fee_currency = $17, \
    fee_reason = $18, handler = $19, handler_contact = $20, duplicate_of = $21, \
    verified_at = $22, verification_method = $23, verification_note = $24, code_hash = $25, \
    code_expires_at = $26, code_attempts = $27, codes_sent = $28, last_code_sent_at = $29, \
    fulfilled_at = $30, closed_at = $31, closed_note = $32, version = $33 \
    WHERE tenant_id = $1 AND request_id = $2 AND version = $34";

/// One request.
pub(crate) const SELECT_REQUEST: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests WHERE tenant_id = $1 AND request_id = $2"
);

/// A subject's open requests, oldest first.
pub(crate) const SELECT_OPEN_REQUESTS_OF: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests WHERE tenant_id = $1 AND subject_id = $2 \
     AND state IN ('received', 'verified') ORDER BY received_at, request_id"
);

/// A page of the queue by effective due date then id. `$2`: a state, or
/// '' for any; `$3`: 1 to keep only open requests due before `$4`; `$5`,
/// `$6`: the cursor (due, id), from `i64::MIN` and '' for the first page;
/// `$7`: the page size; `$8`: '' (a subject is listed with
/// [`SELECT_SUBJECT_REQUESTS`]); `$9`: a kind, or '' for any. Sentinels
/// instead of NULLs keep every parameter's type plain on both backends.
pub(crate) const SELECT_REQUESTS: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests WHERE tenant_id = $1 AND ($2 = '' OR state = $2) \
     AND ($3 = 0 OR (state IN ('received', 'verified') AND effective_due_at < $4)) \
     AND (effective_due_at > $5 OR (effective_due_at = $5 AND request_id > $6)) \
     AND $8 = '' AND ($9 = '' OR kind = $9) \
     ORDER BY effective_due_at, request_id LIMIT $7"
);

/// [`SELECT_REQUESTS`] for one subject (`$8`), served by
/// `requests_by_subject_due` (migration 0015) in its order: the rows read
/// are that subject's requests, however long the tenant's queue.
pub(crate) const SELECT_SUBJECT_REQUESTS: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests WHERE tenant_id = $1 AND subject_id = $8 AND ($2 = '' OR state = $2) \
     AND ($3 = 0 OR (state IN ('received', 'verified') AND effective_due_at < $4)) \
     AND (effective_due_at > $5 OR (effective_due_at = $5 AND request_id > $6)) \
     AND ($9 = '' OR kind = $9) \
     ORDER BY effective_due_at, request_id LIMIT $7"
);

/// The listing's statement for `filter` and its `$8` (subject) and `$9`
/// (kind) arguments, the same on both backends: one subject's requests
/// through their own index, any other listing through the due dates.
pub(crate) fn requests_listing(
    filter: &tutela_engine::requests::RequestFilter,
) -> (&'static str, String, &'static str) {
    let text = if filter.subject.is_some() {
        SELECT_SUBJECT_REQUESTS
    } else {
        SELECT_REQUESTS
    };
    let subject = filter.subject.map_or(String::new(), |s| s.to_string());
    (text, subject, filter.kind.map_or("", |k| k.as_str()))
}

/// A subject's registered (fulfilled) directives for after death.
pub(crate) const SELECT_DIRECTIVES_OF: &str = concat!(
    "SELECT ",
    request_columns!(),
    " FROM requests WHERE tenant_id = $1 AND subject_id = $2 \
     AND kind = 'directive' AND state = 'fulfilled'"
);

/// Record a subject's death (once: the primary key refuses a second).
pub(crate) const INSERT_DEATH: &str = "INSERT INTO deaths (tenant_id, subject_id, \
    recorded_at, directive_request_id, applied, note) VALUES ($1, $2, $3, $4, $5, $6)";

/// A subject's recorded death.
pub(crate) const SELECT_DEATH: &str = "SELECT tenant_id, subject_id, recorded_at, \
    directive_request_id, applied, note FROM deaths WHERE tenant_id = $1 AND subject_id = $2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_names_every_column_once_in_order() {
        assert_eq!(REQUEST_COLUMNS.split(", ").count(), REQUEST_COLUMN_COUNT);
        assert!(INSERT_REQUEST.contains("$33)"));
        for (i, column) in REQUEST_COLUMNS.split(", ").enumerate().skip(2) {
            let set = format!("{} = ${}", column.trim(), i + 1);
            assert!(UPDATE_REQUEST.contains(&set), "{set}");
        }
    }

    #[test]
    fn erasure_replaces_every_free_text_column() {
        for column in [
            "extension_reason",
            "refusal_reason",
            "verification_note",
            "closed_note",
            "fee_reason",
        ] {
            let set =
                format!("{column} = CASE WHEN {column} IS NULL THEN NULL ELSE '{ERASED_NOTE}' END");
            assert!(CLEAR_REQUEST_NOTES.contains(&set), "{set}");
        }
        // The fee's amount and currency stay, as the record of the fee.
        assert!(!CLEAR_REQUEST_NOTES.contains("fee_amount"));
        assert!(!CLEAR_REQUEST_NOTES.contains("fee_currency"));
    }

    #[test]
    fn sqlite_text_numbers_every_placeholder() {
        for statement in [
            INSERT_REQUEST,
            UPDATE_REQUEST,
            SELECT_REQUEST,
            SELECT_OPEN_REQUESTS_OF,
            SELECT_REQUESTS,
            SELECT_SUBJECT_REQUESTS,
            SELECT_DIRECTIVES_OF,
            INSERT_DEATH,
            SELECT_DEATH,
            CLEAR_REQUEST_NOTES,
            CLEAR_NOTES_IF_ERASED,
            CLEAR_DEATH_NOTE,
        ] {
            let rewritten = super::super::for_sqlite(statement);
            assert!(!rewritten.contains('$'), "{rewritten}");
            assert_eq!(rewritten.replace('?', "$"), statement);
            assert!(statement.contains("tenant_id = $1") || statement.starts_with("INSERT"));
        }
    }
}
