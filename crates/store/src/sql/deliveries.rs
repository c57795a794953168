//! The SQL of notices to recipients (Art. 19) and of their endpoints,
//! shared by both backends. Every statement filters by `tenant_id = $1`.
//! Claiming differs by backend only in row locking: PostgreSQL adds
//! `FOR UPDATE SKIP LOCKED` ([`CLAIM_DELIVERIES_PG`]); SQLite runs the
//! plain form on its one writer ([`CLAIM_DELIVERIES_SQLITE`]).

/// The columns of `deliveries`, in the order every statement uses.
macro_rules! delivery_columns {
    () => {
        "tenant_id, delivery_id, recipient, kind, subject_id, record_id, categories, \
         request_id, created_at, state, attempts, next_attempt_at, claimed_until, \
         delivered_at, last_status"
    };
}

/// How many columns a delivery row has.
#[cfg(test)]
pub(crate) const DELIVERY_COLUMN_COUNT: usize = 15;

/// Queue a notice.
pub(crate) const INSERT_DELIVERY: &str = concat!(
    "INSERT INTO deliveries (",
    delivery_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
);

/// Record an attempt's outcome and release the claim; only while pending,
/// so a late sender cannot undo a delivery recorded meanwhile.
pub(crate) const FINISH_DELIVERY: &str = "UPDATE deliveries SET state = $3, attempts = $4, \
    next_attempt_at = $5, delivered_at = $6, last_status = $7, claimed_until = NULL \
    WHERE tenant_id = $1 AND delivery_id = $2 AND state = 'pending'";

/// Put a failed notice back to be sent from `$3`, its attempts counted
/// afresh; only while it is failed.
pub(crate) const RETRY_DELIVERY: &str = "UPDATE deliveries SET state = 'pending', attempts = 0, \
    next_attempt_at = $3, last_status = NULL, claimed_until = NULL \
    WHERE tenant_id = $1 AND delivery_id = $2 AND state = 'failed'";

/// The tenant's notices as filtered (`$2`, `$3`: a state, a request id, or
/// '' for any), older than notice `$5` ('' for none: from the newest),
/// newest first, at most `$4`.
pub(crate) const SELECT_DELIVERIES: &str = concat!(
    "SELECT ",
    delivery_columns!(),
    " FROM deliveries WHERE tenant_id = $1 AND ($2 = '' OR state = $2) \
     AND ($3 = '' OR request_id = $3) \
     AND ($5 = '' OR (created_at, delivery_id) < (SELECT c.created_at, c.delivery_id \
     FROM deliveries c WHERE c.tenant_id = $1 AND c.delivery_id = $5)) \
     ORDER BY created_at DESC, delivery_id DESC LIMIT $4"
);

macro_rules! claim {
    ($lock:literal) => {
        concat!(
            "UPDATE deliveries SET claimed_until = $3 WHERE tenant_id = $1 AND delivery_id IN \
             (SELECT delivery_id FROM deliveries WHERE tenant_id = $1 AND state = 'pending' \
             AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2) \
             ORDER BY next_attempt_at, delivery_id LIMIT $4",
            $lock,
            ") RETURNING ",
            delivery_columns!()
        )
    };
}

/// Claim due notices whose claim lapsed, until `$3`, at most `$4`, on
/// PostgreSQL: rows another claimer holds locked are skipped, and a row
/// claimed by a transaction that committed meanwhile fails the re-checked
/// condition, so no two claimers get one notice while its claim holds.
pub(crate) const CLAIM_DELIVERIES_PG: &str = claim!(" FOR UPDATE SKIP LOCKED");
/// The same on SQLite, run on the one writer connection, which serialises
/// claimers.
pub(crate) const CLAIM_DELIVERIES_SQLITE: &str = claim!("");

/// Register or replace a recipient's endpoint.
pub(crate) const PUT_ENDPOINT: &str = "INSERT INTO recipient_endpoints \
    (tenant_id, recipient, url, sealed_secret, created_at) VALUES ($1, $2, $3, $4, $5) \
    ON CONFLICT (tenant_id, recipient) DO UPDATE SET url = excluded.url, \
    sealed_secret = excluded.sealed_secret, created_at = excluded.created_at";

/// Remove a recipient's endpoint.
pub(crate) const DELETE_ENDPOINT: &str =
    "DELETE FROM recipient_endpoints WHERE tenant_id = $1 AND recipient = $2";

/// The tenant's endpoints, by recipient.
pub(crate) const SELECT_ENDPOINTS: &str = "SELECT tenant_id, recipient, url, sealed_secret, \
    created_at FROM recipient_endpoints WHERE tenant_id = $1 ORDER BY recipient";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_name_every_column_and_filter_by_tenant() {
        assert_eq!(
            delivery_columns!().split(", ").count(),
            DELIVERY_COLUMN_COUNT
        );
        assert!(INSERT_DELIVERY.contains("$15)"));
        for statement in [
            FINISH_DELIVERY,
            RETRY_DELIVERY,
            SELECT_DELIVERIES,
            CLAIM_DELIVERIES_PG,
            CLAIM_DELIVERIES_SQLITE,
            DELETE_ENDPOINT,
            SELECT_ENDPOINTS,
        ] {
            assert!(statement.contains("tenant_id = $1"), "{statement}");
            let rewritten = super::super::for_sqlite(statement);
            assert!(!rewritten.contains('$'), "{rewritten}");
        }
        assert!(CLAIM_DELIVERIES_PG.contains("FOR UPDATE SKIP LOCKED"));
        assert!(!CLAIM_DELIVERIES_SQLITE.contains("FOR UPDATE"));
    }
}
