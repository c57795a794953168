//! The SQL both backends run. Each statement is written once here, with
//! PostgreSQL's `$n` placeholders; SQLite runs the same text with `$n`
//! rewritten to `?n` ([`for_sqlite`]), because SQLite numbers `$n`
//! parameters by first appearance, not by `n`, so a statement naming `$2`
//! before `$1` would bind the wrong values positionally. Both accept
//! `ON CONFLICT ... DO UPDATE` and `UNION ALL`; only DDL and row locking
//! differ.
//!
//! Every statement filters by `tenant_id = $1` (listing tenants aside) and
//! none joins across tenants. Ties in "oldest first" orders are broken by id
//! (UUID v7, so time-ordered too), which keeps results stable on both.

mod consent;
mod deliveries;
mod holds;
mod reports;
mod requests;
mod retention;
mod shape;
mod surveys;

pub(crate) use consent::*;
pub(crate) use deliveries::*;
pub(crate) use holds::*;
pub(crate) use reports::*;
pub(crate) use requests::*;
pub(crate) use retention::*;
pub(crate) use shape::{in_list, insert_rows};
pub(crate) use surveys::*;
use tutela_engine::store::SubjectView;
use tutela_policy::CategoryId;

/// Insert a tenant.
pub(crate) const INSERT_TENANT: &str = "INSERT INTO tenants \
    (tenant_id, name, operator, policy_version, created_at) VALUES ($1, $2, $3, $4, $5)";
/// Insert a policy version.
pub(crate) const INSERT_POLICY: &str = "INSERT INTO policies \
    (tenant_id, version, source, published_at, effective_at) VALUES ($1, $2, $3, $4, $5)";
/// Set which version is in force and which, if any, waits for its time.
pub(crate) const SET_POLICY_VERSION: &str = "UPDATE tenants \
    SET policy_version = $2, pending_version = $3, pending_at = $4 WHERE tenant_id = $1";
/// Insert a subject.
pub(crate) const INSERT_SUBJECT: &str = "INSERT INTO subjects \
    (tenant_id, subject_id, kind, wrapped_key, restricted, created_at, erased_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7)";
/// The head of a multi-row identifier insert; see [`insert_rows`].
pub(crate) const INSERT_IDENTIFIERS_INTO: &str =
    "INSERT INTO identifiers (tenant_id, category, blind_index, subject_id, record_id) VALUES ";
/// The head of a multi-row record insert; see [`insert_rows`].
pub(crate) const INSERT_RECORDS_INTO: &str = "INSERT INTO records \
    (tenant_id, record_id, subject_id, category, purpose, source, ciphertext, collected_at) VALUES ";
/// Rows per multi-row insert: 100 rows of 8 columns stay far below both
/// backends' limits on bound parameters.
pub(crate) const MAX_ROWS_PER_INSERT: usize = 100;

/// Append to a consent ledger.
pub(crate) const INSERT_CONSENT: &str = "INSERT INTO consents \
    (tenant_id, consent_id, subject_id, purpose, granted, at_us, expires_at, policy_version, source, \
    text_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
/// Record an objection.
pub(crate) const INSERT_OBJECTION: &str = "INSERT INTO objections \
    (tenant_id, objection_id, subject_id, purpose, at_us) VALUES ($1, $2, $3, $4, $5)";
/// Set or lift a restriction, on a live subject only: on PostgreSQL the
/// update waits for a concurrent erasure's row lock and then re-checks
/// `erased_at`, so it never touches a subject erased in the meantime.
pub(crate) const SET_RESTRICTED: &str = "UPDATE subjects SET restricted = $3 \
    WHERE tenant_id = $1 AND subject_id = $2 AND erased_at IS NULL";
/// A subject's erasure time (NULL while live), read inside the transaction
/// that writes about it. On SQLite the one writer connection serialises
/// every write, so a plain read inside the transaction is enough.
pub(crate) const SUBJECT_STATE: &str =
    "SELECT erased_at FROM subjects WHERE tenant_id = $1 AND subject_id = $2";
/// [`SUBJECT_STATE`] on PostgreSQL: the share lock is held until commit, so
/// an erasure (whose UPDATE needs the row exclusively) waits for the write
/// to commit and then deletes what it wrote; a write that waited for an
/// erasure reads the erased row and stops (READ COMMITTED re-reads a row
/// that was locked).
pub(crate) const SUBJECT_STATE_FOR_SHARE: &str =
    "SELECT erased_at FROM subjects WHERE tenant_id = $1 AND subject_id = $2 FOR SHARE";
/// How many records a subject holds and their sealed bytes in all, read
/// inside the transaction that added to them (served on SQLite by the
/// subject's range of the records' key, on PostgreSQL by
/// `records_by_subject`, then each record's row for its length).
pub(crate) const SUBJECT_HOLDINGS: &str = "SELECT count(*), coalesce(sum(length(ciphertext)), 0) \
    FROM records WHERE tenant_id = $1 AND subject_id = $2";
/// Serialises the counts of [`SUBJECT_HOLDINGS_PG`] for one subject until
/// the transaction ends (key space `room`, then a hash of tenant and
/// subject; a collision only makes two subjects' writes take turns).
pub(crate) const LOCK_SUBJECT_ROOM_PG: &str =
    "SELECT pg_advisory_xact_lock(1919905645, hashtext($1 || '/' || $2))";
/// [`SUBJECT_HOLDINGS`] on PostgreSQL: `octet_length` of the `bytea`, the
/// sum cast to `BIGINT` so it decodes as the count does.
pub(crate) const SUBJECT_HOLDINGS_PG: &str = "SELECT count(*), \
    coalesce(sum(octet_length(ciphertext)), 0)::BIGINT \
    FROM records WHERE tenant_id = $1 AND subject_id = $2";
/// Takes a live subject's row exclusively, changing nothing, before
/// anything else of a change that erases it. On PostgreSQL two erasures
/// of one subject (two requests fulfilled at once on two servers) would
/// otherwise each hold the row's share lock from an earlier step and wait
/// for the other's to update it: a deadlock. Taken first, the second waits
/// and then finds the subject erased. On SQLite the one writer serialises
/// anyway, and the row's page is written by the erasure in any case.
pub(crate) const LOCK_LIVE_SUBJECT: &str = "UPDATE subjects SET erased_at = erased_at \
    WHERE tenant_id = $1 AND subject_id = $2 AND erased_at IS NULL";
/// Touches the subject's row only if it holds no record (changing
/// nothing): a whole-subject sweep checks, after deleting what it decided
/// on, that no record was added meanwhile.
pub(crate) const NO_RECORDS_LEFT: &str = "UPDATE subjects SET erased_at = erased_at \
    WHERE tenant_id = $1 AND subject_id = $2 \
    AND NOT EXISTS (SELECT 1 FROM records r WHERE r.tenant_id = $1 AND r.subject_id = $2)";
/// Drop a live subject's key and mark it erased; an erased one is left as
/// it is (no row: the change fails as `SubjectErased`).
pub(crate) const ERASE_SUBJECT: &str = "UPDATE subjects \
    SET wrapped_key = NULL, erased_at = $3 \
    WHERE tenant_id = $1 AND subject_id = $2 AND erased_at IS NULL";
/// Delete an erased subject's identifiers.
pub(crate) const DELETE_IDENTIFIERS: &str =
    "DELETE FROM identifiers WHERE tenant_id = $1 AND subject_id = $2";
/// Delete an erased subject's records.
pub(crate) const DELETE_RECORDS: &str =
    "DELETE FROM records WHERE tenant_id = $1 AND subject_id = $2";
/// Replace one record's ciphertext (rectification); only the subject's
/// own record matches.
pub(crate) const RECTIFY_RECORD: &str = "UPDATE records SET ciphertext = $4 \
    WHERE tenant_id = $1 AND record_id = $2 AND subject_id = $3";
/// Delete one record of a subject.
pub(crate) const DELETE_RECORD: &str =
    "DELETE FROM records WHERE tenant_id = $1 AND record_id = $2 AND subject_id = $3";
/// Delete the identifier row pointing at one record of a subject.
pub(crate) const DELETE_RECORD_IDENTIFIER: &str =
    "DELETE FROM identifiers WHERE tenant_id = $1 AND subject_id = $3 AND record_id = $2";
/// Head of deleting some records of one subject: `$1` tenant, `$2`
/// subject, then the record ids ([`in_list`]).
pub(crate) const DELETE_RECORDS_IN: &str =
    "DELETE FROM records WHERE tenant_id = $1 AND subject_id = $2 AND record_id IN (";
/// Head of deleting the identifier rows pointing at some records of one
/// subject: `$1` tenant, `$2` subject, then the record ids ([`in_list`]).
pub(crate) const DELETE_RECORD_IDENTIFIERS_IN: &str =
    "DELETE FROM identifiers WHERE tenant_id = $1 AND subject_id = $2 AND record_id IN (";
/// The most record ids one `IN` list binds.
pub(crate) const MAX_IDS_PER_IN: usize = 100;

/// Store an API key.
pub(crate) const INSERT_API_KEY: &str = "INSERT INTO api_keys \
    (tenant_id, api_key_id, secret_hash, role, purposes, label, created_at, revoked_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
/// Revoke an API key; the first revocation's time stands.
pub(crate) const REVOKE_API_KEY: &str = "UPDATE api_keys \
    SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND api_key_id = $2";

/// The head of a multi-row audit entry insert; see [`insert_rows`].
pub(crate) const INSERT_AUDIT_ENTRIES_INTO: &str = "INSERT INTO audit_entries \
    (tenant_id, lane, seq, at_us, actor, action, purpose, subject, detail, outcome, prev_mac, mac) \
    VALUES ";
/// Columns of [`INSERT_AUDIT_ENTRIES_INTO`].
pub(crate) const AUDIT_ENTRY_COLUMNS: usize = 12;
/// Move (or first set) a lane's head, only from where its writer last saw
/// it (`$5`, the old position): if anyone else moved the head meanwhile,
/// nothing changes and the writer's batch fails instead of forking the lane.
pub(crate) const MOVE_AUDIT_HEAD: &str = "INSERT INTO audit_heads (tenant_id, lane, seq, mac) \
    VALUES ($1, $2, $3, $4) \
    ON CONFLICT (tenant_id, lane) DO UPDATE SET seq = excluded.seq, mac = excluded.mac \
    WHERE audit_heads.seq = $5";
/// A lane's head row (a writer reads it in its transaction).
pub(crate) const SELECT_HEAD: &str =
    "SELECT lane, seq, mac FROM audit_heads WHERE tenant_id = $1 AND lane = $2";
/// Every lane's head as committed, by lane.
pub(crate) const SELECT_AUDIT_HEADS: &str =
    "SELECT lane, seq, mac FROM audit_heads WHERE tenant_id = $1 AND seq > 0 ORDER BY lane";
/// Every lane with a head or an entry.
pub(crate) const SELECT_AUDIT_LANES: &str = "SELECT lane FROM audit_heads WHERE tenant_id = $1 \
    UNION SELECT DISTINCT lane FROM audit_entries WHERE tenant_id = $1 ORDER BY 1";
/// A page of one lane.
pub(crate) const SELECT_AUDIT_ENTRIES: &str = "SELECT lane, seq, at_us, actor, action, purpose, \
    subject, detail, outcome, prev_mac, mac FROM audit_entries \
    WHERE tenant_id = $1 AND lane = $2 AND seq > $3 ORDER BY seq LIMIT $4";
/// A page of the entries naming one subject, across lanes, after a
/// (time, lane, position) cursor; served by `audit_entries_by_subject`.
pub(crate) const SELECT_AUDIT_FOR_SUBJECT: &str = "SELECT lane, seq, at_us, actor, action, \
    purpose, subject, detail, outcome, prev_mac, mac FROM audit_entries \
    WHERE tenant_id = $1 AND subject = $2 AND (at_us, lane, seq) > ($3, $4, $5) \
    ORDER BY at_us, lane, seq LIMIT $6";

/// Every tenant id that has a tenant row, an audit head or an audit entry:
/// an operator-only maintenance read spanning tenants (ids only), so a chain
/// whose tenant row or head was deleted is still verified.
pub(crate) const SELECT_AUDIT_TENANTS: &str = "SELECT tenant_id FROM tenants \
    UNION SELECT tenant_id FROM audit_heads \
    UNION SELECT DISTINCT tenant_id FROM audit_entries ORDER BY 1";

/// One tenant.
pub(crate) const SELECT_TENANT: &str = "SELECT tenant_id, name, operator, policy_version, \
    created_at, pending_version, pending_at FROM tenants WHERE tenant_id = $1";
/// Every tenant: the one statement not scoped to a tenant.
pub(crate) const SELECT_TENANTS: &str = "SELECT tenant_id, name, operator, policy_version, created_at, pending_version, pending_at \
    FROM tenants ORDER BY tenant_id";

/// The next page of subjects to tell of a policy version: live subjects
/// with records of one category, not yet told (same tenant throughout).
pub(crate) const SELECT_NOTICE_CANDIDATES: &str = "SELECT DISTINCT r.subject_id FROM records r \
    WHERE r.tenant_id = $1 AND r.category = $2 \
    AND NOT EXISTS (SELECT 1 FROM policy_notices n \
        WHERE n.tenant_id = $1 AND n.version = $3 AND n.subject_id = r.subject_id) \
    AND EXISTS (SELECT 1 FROM subjects s \
        WHERE s.tenant_id = $1 AND s.subject_id = r.subject_id AND s.erased_at IS NULL) \
    ORDER BY r.subject_id LIMIT $4";
/// How many subjects were told of a policy version.
pub(crate) const COUNT_POLICY_NOTICES: &str =
    "SELECT COUNT(*) FROM policy_notices WHERE tenant_id = $1 AND version = $2";
/// Record that a subject was told; a repeat is ignored.
pub(crate) const INSERT_POLICY_NOTICE: &str = "INSERT INTO policy_notices \
    (tenant_id, version, subject_id, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// One policy version.
pub(crate) const SELECT_POLICY: &str = "SELECT tenant_id, version, source, published_at, effective_at \
    FROM policies WHERE tenant_id = $1 AND version = $2";
/// The policy version in force at the last publication.
pub(crate) const SELECT_CURRENT_POLICY: &str = "SELECT tenant_id, version, source, published_at, effective_at \
    FROM policies WHERE tenant_id = $1 \
    AND version = (SELECT policy_version FROM tenants WHERE tenant_id = $1)";
/// Every policy version, oldest first.
pub(crate) const SELECT_POLICIES: &str = "SELECT tenant_id, version, source, published_at, effective_at \
    FROM policies WHERE tenant_id = $1 ORDER BY version";

/// Most categories one records statement names. The engine never asks for
/// more (it caps a request's list far below this); a longer list is read
/// whole and filtered in memory, so no input can size a statement.
pub(crate) const MAX_CATEGORIES_IN: usize = 100;

/// Loading a subject for a check in one statement: the subject row (with
/// its tenant's policy version), its consent ledger and objections, and its
/// records, as one `UNION ALL` of per-table selects on the same tenant (no
/// join). Every branch has the same columns, NULL where a part has none:
///
/// | column | subject | consent | objection | record |
/// |---|---|---|---|---|
/// | part | 0 | 1 | 1 | 2 |
/// | kind | 'subject' | 'consent' | 'objection' | 'record' |
/// | id | subject_id | consent_id | objection_id | record_id |
/// | tenant_id, subject_id | | | | |
/// | txt1 | kind | purpose | purpose | category |
/// | txt2 | NULL | source | NULL | purpose |
/// | txt3 | NULL | text_hash | NULL | source |
/// | bytes | wrapped_key | NULL | NULL | ciphertext |
/// | flag | restricted | granted | NULL | NULL |
/// | at1 | created_at | at_us | at_us | collected_at |
/// | at2 | erased_at | expires_at | NULL | NULL |
/// | num | tenant's policy_version | policy_version | NULL | NULL |
/// | num2 | tenant's pending_version | NULL | NULL | NULL |
/// | at3 | tenant's pending_at | NULL | NULL | NULL |
///
/// Ordered by part, then time, then id, so rows decode in one pass: the
/// subject first, the ledger oldest first, the records oldest first (the
/// orders of [`SELECT_LEDGER`] and [`SELECT_RECORDS`]). [`select_subject_load`]
/// appends the records branch and the order.
pub(crate) const SELECT_SUBJECT_LOAD: &str = "SELECT 0 AS part, 'subject' AS kind, \
    subject_id AS id, tenant_id, subject_id, kind AS txt1, NULL AS txt2, NULL AS txt3, \
    wrapped_key AS bytes, restricted AS flag, created_at AS at1, erased_at AS at2, \
    COALESCE((SELECT policy_version FROM tenants WHERE tenant_id = $1), 0) AS num, \
    (SELECT pending_version FROM tenants WHERE tenant_id = $1) AS num2, \
    (SELECT pending_at FROM tenants WHERE tenant_id = $1) AS at3 \
    FROM subjects WHERE tenant_id = $1 AND subject_id = $2 \
    UNION ALL \
    SELECT 1, 'consent', consent_id, tenant_id, subject_id, purpose, source, text_hash, NULL, \
    granted, at_us, expires_at, policy_version, NULL, NULL \
    FROM consents WHERE tenant_id = $1 AND subject_id = $2 \
    UNION ALL \
    SELECT 1, 'objection', objection_id, tenant_id, subject_id, purpose, NULL, NULL, NULL, \
    NULL, at_us, NULL, NULL, NULL, NULL \
    FROM objections WHERE tenant_id = $1 AND subject_id = $2";
/// The records branch of [`SELECT_SUBJECT_LOAD`]; a category filter follows.
pub(crate) const SUBJECT_LOAD_RECORDS: &str = " UNION ALL \
    SELECT 2, 'record', record_id, tenant_id, subject_id, category, purpose, source, \
    ciphertext, NULL, collected_at, NULL, NULL, NULL, NULL \
    FROM records WHERE tenant_id = $1 AND subject_id = $2";
/// Closes [`SELECT_SUBJECT_LOAD`].
pub(crate) const SUBJECT_LOAD_ORDER: &str = " ORDER BY part, at1, id";

/// Which records [`select_subject_load`] brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoadRecords {
    /// None: the subject's state only.
    None,
    /// Of `n` categories, bound as `$3 ..`.
    In(usize),
    /// Every record.
    All,
}

/// [`SELECT_SUBJECT_LOAD`] with the records asked for. Only placeholders
/// are formatted in; values are always bound. Callers keep `n` at most
/// [`MAX_CATEGORIES_IN`].
pub(crate) fn select_subject_load(records: LoadRecords) -> String {
    let mut sql = String::with_capacity(SELECT_SUBJECT_LOAD.len() + 200);
    sql.push_str(SELECT_SUBJECT_LOAD);
    if records != LoadRecords::None {
        sql.push_str(SUBJECT_LOAD_RECORDS);
    }
    if let LoadRecords::In(n) = records {
        let placeholders: Vec<String> = (3..3 + n).map(|i| format!("${i}")).collect();
        sql.push_str(" AND category IN (");
        sql.push_str(&placeholders.join(", "));
        sql.push(')');
    }
    sql.push_str(SUBJECT_LOAD_ORDER);
    sql
}

/// How to load a subject asked with `categories` (`None`: every record):
/// which records branch [`select_subject_load`] builds and the categories
/// to bind as `$3 ..`. A list longer than [`MAX_CATEGORIES_IN`] binds
/// nothing and reads every record, which [`keep_asked`] then filters.
pub(crate) fn subject_load(categories: Option<&[CategoryId]>) -> (LoadRecords, &[CategoryId]) {
    match categories {
        None => (LoadRecords::All, &[]),
        Some([]) => (LoadRecords::None, &[]),
        Some(list) if list.len() <= MAX_CATEGORIES_IN => (LoadRecords::In(list.len()), list),
        Some(_) => (LoadRecords::All, &[]),
    }
}

/// Keeps only the records of `categories` when the list was too long to
/// bind (see [`subject_load`]).
pub(crate) fn keep_asked(view: &mut SubjectView, categories: Option<&[CategoryId]>) {
    if let Some(list) = categories
        && list.len() > MAX_CATEGORIES_IN
    {
        view.records.retain(|r| list.contains(&r.category));
    }
}

/// `sql` as SQLite should run it: every `$n` placeholder becomes `?n`
/// (numbered explicitly, so SQLite binds by `n` whatever the order they
/// appear in); text inside single-quoted literals is left as it is.
pub(crate) fn for_sqlite(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_literal = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => in_literal = !in_literal,
            '$' if !in_literal && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('?');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The subject an identifier points at.
pub(crate) const SELECT_SUBJECT_BY_IDENTIFIER: &str = "SELECT subject_id FROM identifiers \
    WHERE tenant_id = $1 AND category = $2 AND blind_index = $3";

/// An API key by the hash of its secret, with its tenant's operator flag
/// from a scalar subquery on the same tenant (NULL if the tenant row were
/// missing, which the foreign key forbids).
pub(crate) const SELECT_API_KEY_GRANT: &str = "SELECT tenant_id, api_key_id, secret_hash, role, \
    purposes, label, created_at, revoked_at, \
    (SELECT operator FROM tenants WHERE tenants.tenant_id = $1) AS operator \
    FROM api_keys WHERE tenant_id = $1 AND secret_hash = $2";
/// A tenant's keys, oldest first.
pub(crate) const SELECT_API_KEYS: &str = "SELECT tenant_id, api_key_id, secret_hash, role, \
    purposes, label, created_at, revoked_at FROM api_keys \
    WHERE tenant_id = $1 ORDER BY created_at, api_key_id";

/// Store the master key's check value unless one is there.
pub(crate) const INSERT_KEY_CHECK: &str =
    "INSERT INTO key_check (id, value) VALUES (1, $1) ON CONFLICT (id) DO NOTHING";
/// The stored master key check value.
pub(crate) const SELECT_KEY_CHECK: &str = "SELECT value FROM key_check WHERE id = 1";

/// Reachable and migrated: the statement fails if the schema is missing.
pub(crate) const PING: &str = "SELECT tenant_id FROM tenants WHERE tenant_id = ''";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every statement constant in this file, and every shape of the built
    /// ones; [`every_statement_is_listed`] keeps the list complete.
    fn every_statement() -> Vec<String> {
        let fixed = [
            INSERT_TENANT,
            INSERT_POLICY,
            SET_POLICY_VERSION,
            SELECT_NOTICE_CANDIDATES,
            COUNT_POLICY_NOTICES,
            INSERT_POLICY_NOTICE,
            INSERT_SUBJECT,
            INSERT_IDENTIFIERS_INTO,
            INSERT_RECORDS_INTO,
            INSERT_CONSENT,
            INSERT_OBJECTION,
            SET_RESTRICTED,
            SUBJECT_STATE,
            SUBJECT_STATE_FOR_SHARE,
            SUBJECT_HOLDINGS,
            SUBJECT_HOLDINGS_PG,
            LOCK_LIVE_SUBJECT,
            NO_RECORDS_LEFT,
            LOCK_SUBJECT_ROOM_PG,
            ERASE_SUBJECT,
            DELETE_IDENTIFIERS,
            DELETE_RECORDS,
            RECTIFY_RECORD,
            DELETE_RECORD,
            DELETE_RECORD_IDENTIFIER,
            INSERT_API_KEY,
            REVOKE_API_KEY,
            INSERT_AUDIT_ENTRIES_INTO,
            MOVE_AUDIT_HEAD,
            SELECT_HEAD,
            SELECT_AUDIT_HEADS,
            SELECT_AUDIT_LANES,
            SELECT_AUDIT_ENTRIES,
            SELECT_AUDIT_FOR_SUBJECT,
            SELECT_AUDIT_TENANTS,
            SELECT_TENANT,
            SELECT_TENANTS,
            SELECT_POLICY,
            SELECT_CURRENT_POLICY,
            SELECT_POLICIES,
            SELECT_SUBJECT_LOAD,
            SUBJECT_LOAD_RECORDS,
            SUBJECT_LOAD_ORDER,
            SELECT_SUBJECT_BY_IDENTIFIER,
            SELECT_API_KEY_GRANT,
            SELECT_API_KEYS,
            INSERT_KEY_CHECK,
            SELECT_KEY_CHECK,
            PING,
        ];
        let mut all: Vec<String> = fixed.iter().map(|s| (*s).to_owned()).collect();
        all.push(insert_rows(INSERT_RECORDS_INTO, 8, MAX_ROWS_PER_INSERT));
        all.push(insert_rows(INSERT_IDENTIFIERS_INTO, 5, 3));
        all.push(in_list(DELETE_RECORDS_IN, MAX_IDS_PER_IN));
        all.push(in_list(DELETE_RECORD_IDENTIFIERS_IN, 2));
        all.push(insert_rows(
            INSERT_AUDIT_ENTRIES_INTO,
            AUDIT_ENTRY_COLUMNS,
            2,
        ));
        for load in [LoadRecords::None, LoadRecords::All, LoadRecords::In(12)] {
            all.push(select_subject_load(load));
        }
        all
    }

    #[test]
    fn every_statement_is_listed() {
        let source = include_str!("sql.rs");
        let declared = source
            .lines()
            .filter(|l| l.starts_with("pub(crate) const ") && l.contains(": &str"))
            .count();
        // The fixed list above plus six built shapes.
        assert_eq!(declared + 6, every_statement().len());
    }

    /// The numbers of the `$n` (or `?n`) placeholders outside literals.
    fn placeholders(sql: &str, mark: char) -> Vec<u32> {
        let mut found = Vec::new();
        let mut in_literal = false;
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                in_literal = !in_literal;
            } else if c == mark && !in_literal {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                if let Ok(n) = digits.parse() {
                    found.push(n);
                }
            }
        }
        found
    }

    /// The single-quoted literals of a statement, in order.
    fn literals(sql: &str) -> Vec<&str> {
        sql.split('\'').skip(1).step_by(2).collect()
    }

    #[test]
    fn sqlite_text_numbers_every_placeholder_explicitly() {
        for statement in every_statement() {
            let rewritten = for_sqlite(&statement);
            let dollars = placeholders(&statement, '$');
            assert_eq!(placeholders(&rewritten, '?'), dollars, "{statement}");
            assert!(placeholders(&rewritten, '$').is_empty(), "{rewritten}");
            let distinct: BTreeSet<u32> = dollars.iter().copied().collect();
            let after: BTreeSet<u32> = placeholders(&rewritten, '?').into_iter().collect();
            assert_eq!(distinct, after);
            assert_eq!(literals(&statement), literals(&rewritten));
            assert_eq!(
                rewritten.replace('?', "$"),
                statement,
                "only markers change"
            );
        }
    }

    #[test]
    fn literals_keep_their_dollars() {
        assert_eq!(
            for_sqlite("SELECT '$1', $2 WHERE x = 'it''s $3' AND y = $10"),
            "SELECT '$1', ?2 WHERE x = 'it''s $3' AND y = ?10"
        );
        assert_eq!(for_sqlite("SELECT $ AS a"), "SELECT $ AS a");
    }

    #[test]
    fn out_of_order_statements_are_the_reason() {
        for statement in [
            SET_POLICY_VERSION,
            SET_RESTRICTED,
            ERASE_SUBJECT,
            REVOKE_API_KEY,
        ] {
            let order = placeholders(statement, '$');
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_ne!(order, sorted, "{statement}");
        }
    }

    #[test]
    fn multi_row_inserts_number_every_placeholder_once() {
        let sql = insert_rows("INSERT INTO t (a, b) VALUES ", 2, 3);
        assert_eq!(
            sql,
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)"
        );
    }

    #[test]
    fn category_filters_are_placeholders_only() {
        let load = select_subject_load(LoadRecords::In(2));
        assert!(load.ends_with("AND category IN ($3, $4) ORDER BY part, at1, id"));
        assert!(!select_subject_load(LoadRecords::None).contains("FROM records"));
        assert!(select_subject_load(LoadRecords::All).contains("FROM records"));
    }
}
