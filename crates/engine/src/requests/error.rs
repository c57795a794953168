//! Why a data subject request operation was refused. Each variant has a
//! stable code; the HTTP layer picks the status from its [`ErrorKind`].

use super::state::RequestState;
use crate::error::ErrorKind;

/// Refusals specific to data subject requests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// No such request in this tenant.
    #[error("request not found")]
    NotFound,
    /// The request is not in a state that allows this step.
    #[error("a request that is {from} cannot be {action}")]
    InvalidTransition {
        /// Where the request stands.
        from: RequestState,
        /// What was tried, as a past participle ("verified", "fulfilled").
        action: &'static str,
    },
    /// Fulfilment before the subject's identity was verified (Art. 12(6)).
    #[error("the subject's identity has not been verified yet; verify the request first")]
    NotVerified,
    /// Another caller changed the request since it was read.
    #[error("the request was changed by someone else meanwhile; read it again and retry")]
    Changed,
    /// A field is missing, empty, too long or malformed.
    #[error("{field}: {message}")]
    InvalidField {
        /// The field, as the caller named it.
        field: &'static str,
        /// What is wrong and how to fix it (never echoes the value).
        message: String,
    },
    /// An extension declared on or after the first due date (Art. 12(3)).
    #[error("an extension must be declared before the due date, which has passed")]
    ExtensionTooLate,
    /// A request may be extended once.
    #[error("this request was already extended")]
    AlreadyExtended,
    /// A fee is recorded once: a second would replace the first without
    /// trace, after the subject was told of it.
    #[error("a fee is already recorded on this request")]
    FeeAlreadySet,
    /// No code was sent, or it was used.
    #[error("no verification code is pending for this request; send a new one")]
    NoCode,
    /// The code's time ran out.
    #[error("the verification code has expired; send a new one")]
    CodeExpired,
    /// The code does not match.
    #[error("code: the verification code is wrong ({})", tries_left(.left))]
    WrongCode {
        /// Tries left before the code locks.
        left: u32,
    },
    /// Too many wrong codes: locked until a new code is sent.
    #[error("too many wrong codes; send a new code to try again")]
    CodeLocked,
    /// Codes are sent at most once a minute and a few times per request.
    #[error("a new code cannot be sent yet: {0}")]
    CodeRateLimited(&'static str),
    /// The notifier could not deliver the message; a code not delivered
    /// was not counted as sent.
    #[error("the message to the subject could not be delivered; try again later")]
    NotifyFailed,
    /// The transfer's URL or an address it resolves to may not be reached
    /// (Art. 20(2) with the SSRF guard); nothing was sent.
    #[error("the transfer was refused: {0}; the request stays verified")]
    TransferRefused(String),
    /// The receiving controller could not be reached or did not accept the
    /// data; the request stays verified and can be fulfilled again.
    #[error("the transfer failed: {0}; the request stays verified, fulfil it again to retry")]
    TransferFailed(String),
    /// The subject's death is already recorded.
    #[error("the subject's death is already recorded")]
    DeathRecorded,
    /// A directive's answer is handed over only after the death is recorded.
    #[error(
        "the subject's death is not recorded; a directive's answer is handed over only after it"
    )]
    NotDeceased,
    /// The death applied another directive (a later one superseded this
    /// one, or it does not hand data to a person).
    #[error(
        "this directive was not the one applied at the subject's death, or it hands nothing over"
    )]
    DirectiveNotApplied,
    /// Only access and portability requests are answered with data; the
    /// others are carried out by fulfilling them.
    #[error("a request of kind '{0}' has no data to hand over; fulfil it instead")]
    NoAnswer(&'static str),
}

impl RequestError {
    /// The stable code, part of the API contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "E_REQUEST_NOT_FOUND",
            Self::InvalidTransition { .. } => "E_INVALID_TRANSITION",
            Self::NotVerified => "E_NOT_VERIFIED",
            Self::Changed => "E_REQUEST_CHANGED",
            Self::InvalidField { .. } => "E_INVALID_FIELD",
            Self::ExtensionTooLate => "E_EXTENSION_TOO_LATE",
            Self::AlreadyExtended => "E_ALREADY_EXTENDED",
            Self::FeeAlreadySet => "E_FEE_ALREADY_SET",
            Self::NoCode => "E_NO_CODE",
            Self::CodeExpired => "E_CODE_EXPIRED",
            Self::WrongCode { .. } => "E_WRONG_CODE",
            Self::CodeLocked => "E_CODE_LOCKED",
            Self::CodeRateLimited(_) => "E_CODE_RATE_LIMITED",
            Self::NotifyFailed => "E_NOTIFY_FAILED",
            Self::NoAnswer(_) => "E_NO_ANSWER",
            Self::TransferRefused(_) => "E_TRANSFER_REFUSED",
            Self::DeathRecorded => "E_DEATH_RECORDED",
            Self::NotDeceased => "E_NOT_DECEASED",
            Self::DirectiveNotApplied => "E_DIRECTIVE_NOT_APPLIED",
            Self::TransferFailed(_) => "E_TRANSFER_FAILED",
        }
    }

    /// The class of answer, for the HTTP status.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound => ErrorKind::NotFound,
            Self::InvalidField { .. } | Self::WrongCode { .. } | Self::TransferRefused(_) => {
                ErrorKind::Unprocessable
            }
            Self::TransferFailed(_) => ErrorKind::BadGateway,
            Self::CodeLocked | Self::CodeRateLimited(_) => ErrorKind::TooManyRequests,
            Self::NotifyFailed => ErrorKind::BadGateway,
            Self::InvalidTransition { .. }
            | Self::NotVerified
            | Self::Changed
            | Self::ExtensionTooLate
            | Self::AlreadyExtended
            | Self::FeeAlreadySet
            | Self::NoCode
            | Self::CodeExpired
            | Self::NoAnswer(_)
            | Self::DeathRecorded
            | Self::NotDeceased
            | Self::DirectiveNotApplied => ErrorKind::Conflict,
        }
    }

    /// A field error.
    pub fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidField {
            field,
            message: message.into(),
        }
    }
}

/// How many tries are left, in words; at none, what to do next.
fn tries_left(left: &u32) -> String {
    match *left {
        0 => "no tries left: send a new code".to_owned(),
        1 => "1 try left".to_owned(),
        n => format!("{n} tries left"),
    }
}

#[cfg(test)]
mod tests {
    use super::RequestError;

    #[test]
    fn a_wrong_code_says_how_many_tries_are_left_and_what_to_do_at_none() {
        let says = |left| RequestError::WrongCode { left }.to_string();
        assert!(says(3).ends_with("(3 tries left)"), "{}", says(3));
        assert!(says(1).ends_with("(1 try left)"), "{}", says(1));
        assert!(
            says(0).ends_with("(no tries left: send a new code)"),
            "{}",
            says(0)
        );
    }
}
