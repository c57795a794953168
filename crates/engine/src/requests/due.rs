//! Due dates (Art. 12(3)): the answer is due the policy's answer period
//! after receipt, in calendar units in UTC (31 January + 1 month = 28 or 29
//! February); it may be extended once, with a reason, before the first due
//! date, by at most the policy's extension.

use super::error::RequestError;
use super::state::RequestState;
use jiff::Timestamp;
use tutela_policy::CalendarSpan;

/// The first due date of a request received at `received`.
pub fn due_at(
    received: Timestamp,
    answer_within: &CalendarSpan,
) -> Result<Timestamp, RequestError> {
    answer_within
        .after(received)
        .map_err(|_| RequestError::field("received_at", "the due date overflows the calendar"))
}

/// The new due date of an extension asked at `now` by `months` (None: the
/// policy's whole `limit`), or why it is refused. `extended` is whether the
/// request was extended already.
pub fn extend(
    now: Timestamp,
    due: Timestamp,
    extended: bool,
    months: Option<u32>,
    limit: &CalendarSpan,
) -> Result<Timestamp, RequestError> {
    if extended {
        return Err(RequestError::AlreadyExtended);
    }
    if now >= due {
        return Err(RequestError::ExtensionTooLate);
    }
    let span = match months {
        None => *limit,
        Some(0) => {
            return Err(RequestError::field(
                "months",
                "must be a whole number of at least 1",
            ));
        }
        Some(m) => {
            let span = CalendarSpan::months(m);
            if m > 24 || span.can_exceed(limit) {
                return Err(RequestError::field(
                    "months",
                    format!("may extend by at most the policy's extension of {limit}"),
                ));
            }
            span
        }
    };
    span.after(due)
        .map_err(|_| RequestError::field("months", "the extended due date overflows the calendar"))
}

/// The due date in force: the extended one if there is one.
pub fn effective(due: Timestamp, extended: Option<Timestamp>) -> Timestamp {
    extended.unwrap_or(due)
}

/// Overdue: still open and past its effective due date.
pub fn overdue(state: RequestState, effective_due: Timestamp, now: Timestamp) -> bool {
    state.is_open() && now > effective_due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn thirty_first_of_january_plus_a_month_is_the_end_of_february() {
        let month = CalendarSpan::months(1);
        assert_eq!(
            due_at(at("2027-01-31T10:00:00Z"), &month).unwrap(),
            at("2027-02-28T10:00:00Z")
        );
        assert_eq!(
            due_at(at("2028-01-31T10:00:00Z"), &month).unwrap(),
            at("2028-02-29T10:00:00Z")
        );
        assert_eq!(
            due_at(at("2027-03-15T00:00:00Z"), &CalendarSpan::days(30)).unwrap(),
            at("2027-04-14T00:00:00Z")
        );
    }

    #[test]
    fn an_extension_is_declared_before_the_due_date_once_within_the_limit() {
        let due = at("2027-02-28T10:00:00Z");
        let limit = CalendarSpan::months(2);
        let before = at("2027-02-27T10:00:00Z");
        assert_eq!(
            extend(before, due, false, None, &limit).unwrap(),
            at("2027-04-28T10:00:00Z")
        );
        assert_eq!(
            extend(before, due, false, Some(1), &limit).unwrap(),
            at("2027-03-28T10:00:00Z")
        );
        assert_eq!(
            extend(due, due, false, None, &limit).unwrap_err(),
            RequestError::ExtensionTooLate
        );
        assert_eq!(
            extend(before, due, true, None, &limit).unwrap_err(),
            RequestError::AlreadyExtended
        );
        for months in [0, 3, 1000] {
            let err = extend(before, due, false, Some(months), &limit).unwrap_err();
            assert_eq!(err.code(), "E_INVALID_FIELD", "{months}");
        }
    }

    #[test]
    fn overdue_means_open_and_past_the_effective_date() {
        let due = at("2027-02-28T10:00:00Z");
        let later = at("2027-03-01T00:00:00Z");
        assert!(!overdue(RequestState::Received, due, due));
        assert!(overdue(RequestState::Received, due, later));
        assert!(overdue(RequestState::Verified, due, later));
        assert!(!overdue(RequestState::Fulfilled, due, later));
        let extended = effective(due, Some(at("2027-04-28T10:00:00Z")));
        assert!(!overdue(RequestState::Verified, extended, later));
        assert_eq!(effective(due, None), due);
    }
}
