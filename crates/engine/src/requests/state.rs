//! The request's state machine: received → verified → fulfilled | refused;
//! received → refused; a duplicate is closed at once, linked to the open
//! original. A pure transition function decides every step.

use super::error::RequestError;
use serde::Serialize;
use std::fmt;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Filed; the subject's identity is not verified yet.
    Received,
    /// Identity verified; the request can be fulfilled.
    Verified,
    /// Done (closed).
    Fulfilled,
    /// Refused with a reason (closed; Art. 12(4)).
    Refused,
    /// The same request was already open; linked to it and closed.
    Duplicate,
}

impl RequestState {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Verified => "verified",
            Self::Fulfilled => "fulfilled",
            Self::Refused => "refused",
            Self::Duplicate => "duplicate",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Received,
            Self::Verified,
            Self::Fulfilled,
            Self::Refused,
            Self::Duplicate,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Still to be answered: received or verified.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Received | Self::Verified)
    }
}

impl fmt::Display for RequestState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A step a request can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Identity confirmed (by code or by other means).
    Verify,
    /// The request was answered.
    Fulfil,
    /// The request was refused.
    Refuse,
    /// Staff act on an open request without moving it (extension, fee,
    /// sending a code).
    Amend,
}

impl Transition {
    fn participle(self) -> &'static str {
        match self {
            Self::Verify => "verified",
            Self::Fulfil => "fulfilled",
            Self::Refuse => "refused",
            Self::Amend => "changed",
        }
    }
}

/// The state after `step` from `from`, or why the step is not allowed.
pub fn transition(from: RequestState, step: Transition) -> Result<RequestState, RequestError> {
    use RequestState::*;
    match (from, step) {
        (Received, Transition::Verify) => Ok(Verified),
        (Received, Transition::Fulfil) => Err(RequestError::NotVerified),
        (Verified, Transition::Fulfil) => Ok(Fulfilled),
        (Received | Verified, Transition::Refuse) => Ok(Refused),
        (Received | Verified, Transition::Amend) => Ok(from),
        _ => Err(RequestError::InvalidTransition {
            from,
            action: step.participle(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::RequestState::*;
    use super::*;

    #[test]
    fn the_happy_paths() {
        assert_eq!(transition(Received, Transition::Verify), Ok(Verified));
        assert_eq!(transition(Verified, Transition::Fulfil), Ok(Fulfilled));
        assert_eq!(transition(Received, Transition::Refuse), Ok(Refused));
        assert_eq!(transition(Verified, Transition::Refuse), Ok(Refused));
        assert_eq!(transition(Verified, Transition::Amend), Ok(Verified));
    }

    #[test]
    fn fulfilling_before_verification_has_its_own_code() {
        let err = transition(Received, Transition::Fulfil).unwrap_err();
        assert_eq!(err.code(), "E_NOT_VERIFIED");
    }

    #[test]
    fn closed_requests_do_not_move() {
        for closed in [Fulfilled, Refused, Duplicate] {
            for step in [
                Transition::Verify,
                Transition::Fulfil,
                Transition::Refuse,
                Transition::Amend,
            ] {
                let err = transition(closed, step).unwrap_err();
                assert_eq!(err.code(), "E_INVALID_TRANSITION", "{closed} {step:?}");
            }
            assert!(!closed.is_open());
        }
        assert_eq!(
            transition(Verified, Transition::Verify).unwrap_err().code(),
            "E_INVALID_TRANSITION"
        );
    }

    #[test]
    fn names_round_trip() {
        for s in [Received, Verified, Fulfilled, Refused, Duplicate] {
            assert_eq!(RequestState::parse(s.as_str()), Some(s));
        }
        assert_eq!(RequestState::parse("open"), None);
    }
}
