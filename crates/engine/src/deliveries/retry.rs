//! When a notice that failed is tried again: one minute after the first
//! failure, doubling up to six hours, and given up after
//! [`MAX_ATTEMPTS`]. Pure, so the schedule is tested without a clock.

use super::{AttemptOutcome, DeliveryRow, DeliveryState};
use jiff::{SignedDuration, Timestamp};

/// Attempts before a notice is marked failed (about three days of retries).
pub const MAX_ATTEMPTS: u32 = 16;
/// The wait after the first failure.
pub const FIRST_BACKOFF: SignedDuration = SignedDuration::from_secs(60);
/// The longest wait between attempts.
pub const MAX_BACKOFF: SignedDuration = SignedDuration::from_secs(6 * 3600);

/// The wait after the `failures`-th failure (1-based): 1 min, 2 min, 4 min,
/// ... at most [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> SignedDuration {
    let doublings = failures.saturating_sub(1).min(20);
    let secs = FIRST_BACKOFF.as_secs().saturating_mul(1_i64 << doublings);
    SignedDuration::from_secs(secs.min(MAX_BACKOFF.as_secs()))
}

/// What an attempt of `row` at `now` answered with `status` (0 when no
/// answer came) leaves: delivered on a 2xx, else retried after
/// [`backoff`], or failed once [`MAX_ATTEMPTS`] are spent.
pub fn outcome(row: &DeliveryRow, status: u16, now: Timestamp) -> AttemptOutcome {
    let attempts = row.attempts.saturating_add(1);
    let (state, next, delivered_at) = if (200..300).contains(&status) {
        (DeliveryState::Delivered, now, Some(now))
    } else if attempts >= MAX_ATTEMPTS {
        (DeliveryState::Failed, now, None)
    } else {
        let next = now.checked_add(backoff(attempts)).unwrap_or(now);
        (DeliveryState::Pending, next, None)
    };
    AttemptOutcome {
        id: row.id,
        state,
        attempts,
        next_attempt_at: next,
        delivered_at,
        last_status: status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deliveries::NoticeKind;
    use crate::ids::{DeliveryId, SubjectId, TenantId};

    fn row(attempts: u32) -> DeliveryRow {
        let at: Timestamp = "2027-01-01T00:00:00Z".parse().unwrap();
        DeliveryRow {
            tenant: TenantId::parse("acme").unwrap(),
            id: DeliveryId::new(),
            recipient: tutela_policy::RecipientId::parse("crm").unwrap(),
            kind: NoticeKind::SubjectErased,
            subject: SubjectId::new(),
            record: None,
            categories: Vec::new(),
            request: None,
            created_at: at,
            state: DeliveryState::Pending,
            attempts,
            next_attempt_at: at,
            claimed_until: None,
            delivered_at: None,
            last_status: None,
        }
    }

    #[test]
    fn backoff_doubles_from_a_minute_to_six_hours() {
        assert_eq!(backoff(1), SignedDuration::from_secs(60));
        assert_eq!(backoff(2), SignedDuration::from_secs(120));
        assert_eq!(backoff(3), SignedDuration::from_secs(240));
        assert_eq!(backoff(9), SignedDuration::from_secs(256 * 60));
        assert_eq!(backoff(10), SignedDuration::from_secs(6 * 3600));
        assert_eq!(backoff(u32::MAX), MAX_BACKOFF);
    }

    #[test]
    fn a_2xx_delivers_and_anything_else_retries_then_fails() {
        let now: Timestamp = "2027-01-02T00:00:00Z".parse().unwrap();
        let ok = outcome(&row(0), 204, now);
        assert_eq!(
            (ok.state, ok.delivered_at, ok.attempts),
            (DeliveryState::Delivered, Some(now), 1)
        );
        let again = outcome(&row(0), 500, now);
        assert_eq!(again.state, DeliveryState::Pending);
        assert_eq!(again.next_attempt_at, now + SignedDuration::from_secs(60));
        let second = outcome(&row(1), 0, now);
        assert_eq!(second.next_attempt_at, now + SignedDuration::from_secs(120));
        let last = outcome(&row(MAX_ATTEMPTS - 1), 503, now);
        assert_eq!(
            (last.state, last.attempts),
            (DeliveryState::Failed, MAX_ATTEMPTS)
        );
    }
}
