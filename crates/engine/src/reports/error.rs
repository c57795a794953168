//! The refusals particular to reports and their anonymised export, each
//! with a stable code.

use crate::error::ErrorKind;

/// Why a report or export was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReportError {
    /// The purpose is declared but not as a reporting purpose, so no
    /// report may be made for it (Art. 5(1)(b): a new use needs its own
    /// declared purpose).
    #[error(
        "purpose '{0}' is not declared with `reporting = true`; reports are made only for a reporting purpose"
    )]
    NotReporting(String),
    /// The export's recipient is not listed in the purpose's `export_to`.
    #[error("recipient '{recipient}' is not listed in `export_to` of purpose '{purpose}'")]
    RecipientNotListed {
        /// The reporting purpose.
        purpose: String,
        /// The recipient asked for.
        recipient: String,
    },
    /// `group_by` named the counted category itself.
    #[error("group_by: must name another category than the one counted")]
    GroupBySelf,
    /// An anonymised export grouped by an identifier (`identifier = true`):
    /// every group would be one person, named by its key.
    #[error(
        "group_by: '{0}' is an identifier; an anonymised export cannot be grouped by it, each group would be one person"
    )]
    GroupByIdentifier(String),
}

impl ReportError {
    /// The stable code, part of the API contract.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotReporting(_) => "E_NOT_REPORTING",
            Self::RecipientNotListed { .. } => "E_EXPORT_RECIPIENT_NOT_LISTED",
            Self::GroupBySelf => "E_GROUP_BY_SELF",
            Self::GroupByIdentifier(_) => "E_GROUP_BY_IDENTIFIER",
        }
    }

    /// The class of answer, so the server picks a status. The policy's
    /// refusals are denials and go on the audit chain like every other.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotReporting(_) | Self::RecipientNotListed { .. } => ErrorKind::Denied,
            Self::GroupBySelf | Self::GroupByIdentifier(_) => ErrorKind::BadRequest,
        }
    }
}
