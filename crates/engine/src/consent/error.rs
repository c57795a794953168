//! The refusals of consent proof, receipts, unsubscribe links and banner
//! choices, each with a stable code.

use crate::error::ErrorKind;

/// Why a consent-related step was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConsentError {
    /// A withdrawal of a purpose with no live grant: nothing to withdraw,
    /// and no ledger entry is written (Art. 7(3)).
    #[error("purpose '{0}' has no live consent to withdraw")]
    NotLive(String),
    /// A grant named a text hash that was never stored for the tenant.
    #[error("text_sha256: no consent text with this hash is stored; send the text itself once")]
    UnknownText,
    /// A grant sent a text and a hash that is not the text's.
    #[error("text_sha256: this is not the SHA-256 of the text sent")]
    TextMismatch,
    /// A banner answer chose one purpose twice.
    #[error("choices: purpose '{0}' is chosen twice")]
    DuplicateChoice(String),
    /// The consent ledger entry asked for is not the subject's.
    #[error("consent not found")]
    NotFound,
    /// A receipt was asked for a withdrawal, not a grant.
    #[error("a receipt is issued for a grant; this entry is a withdrawal")]
    NotAGrant,
    /// The purpose cannot be ended by an unsubscribe link: it rests
    /// neither on consent nor on legitimate interest.
    #[error("purpose '{0}' rests neither on consent nor on legitimate interest")]
    NotUnsubscribable(String),
    /// A banner choice named a purpose the banner does not show.
    #[error("choices: purpose '{0}' is not a consent purpose of the policy")]
    NotABannerPurpose(String),
}

impl ConsentError {
    /// The stable code, part of the API contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotLive(_) => "E_CONSENT_NOT_LIVE",
            Self::UnknownText => "E_CONSENT_TEXT_UNKNOWN",
            Self::TextMismatch => "E_CONSENT_TEXT_MISMATCH",
            Self::DuplicateChoice(_) => "E_DUPLICATE_CHOICE",
            Self::NotFound => "E_CONSENT_NOT_FOUND",
            Self::NotAGrant => "E_CONSENT_NOT_A_GRANT",
            Self::NotUnsubscribable(_) => "E_NOT_UNSUBSCRIBABLE",
            Self::NotABannerPurpose(_) => "E_NOT_A_BANNER_PURPOSE",
        }
    }

    /// The class of answer, so the server picks a status.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotLive(_) | Self::NotAGrant => ErrorKind::Conflict,
            Self::NotFound => ErrorKind::NotFound,
            Self::UnknownText
            | Self::TextMismatch
            | Self::DuplicateChoice(_)
            | Self::NotUnsubscribable(_)
            | Self::NotABannerPurpose(_) => ErrorKind::BadRequest,
        }
    }
}
