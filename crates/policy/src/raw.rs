//! The policy file as serde reads it: plain strings, numbers and lists,
//! each with its position in the file, before any meaning is checked.
//!
//! Required keys are `Option` here because `shape` has already reported
//! the missing ones; validation skips an entry lacking one, so a single
//! mistake is reported once.

use serde::Deserialize;
use toml::Spanned;

/// A string value with its position.
pub(crate) type Text = Spanned<String>;

/// A list of strings with its position and each item's position.
pub(crate) type TextList = Spanned<Vec<Text>>;

/// A `[[table]]` list: each entry with its position.
pub(crate) type Tables<T> = Spanned<Vec<Spanned<T>>>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPolicy {
    pub name: Option<Text>,
    pub hosting: Option<Text>,
    pub profiling: Option<Spanned<bool>>,
    pub security_measures: Option<TextList>,
    pub controller: Option<Spanned<RawParty>>,
    pub dpo: Option<Spanned<RawParty>>,
    pub authority: Option<Spanned<RawAuthority>>,
    pub category: Option<Tables<RawCategory>>,
    pub subject_kind: Option<Tables<RawSubjectKind>>,
    pub purpose: Option<Tables<RawPurpose>>,
    pub recipient: Option<Tables<RawRecipient>>,
    pub retention: Option<Tables<RawRetention>>,
    pub hold: Option<Tables<RawHold>>,
    pub anonymity: Option<Spanned<RawAnonymity>>,
    pub rights: Option<Spanned<RawRights>>,
    pub changes: Option<Spanned<RawChanges>>,
}

/// `[controller]` or `[dpo]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawParty {
    pub name: Option<Text>,
    pub email: Option<Text>,
    pub address: Option<Text>,
}

/// `[authority]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAuthority {
    pub name: Option<Text>,
    pub url: Option<Text>,
    pub email: Option<Text>,
}

/// One `[[category]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCategory {
    pub id: Option<Text>,
    pub description: Option<Text>,
    pub taxonomy: Option<Text>,
    pub identifier: Option<Spanned<bool>>,
    pub storable: Option<Spanned<bool>>,
}

/// One `[[subject_kind]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSubjectKind {
    pub id: Option<Text>,
    pub description: Option<Text>,
}

/// One `[[purpose]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPurpose {
    pub id: Option<Text>,
    pub description: Option<Text>,
    pub basis: Option<Text>,
    pub categories: Option<TextList>,
    pub recipients: Option<TextList>,
    pub subject_kinds: Option<TextList>,
    pub direct_marketing: Option<Spanned<bool>>,
    pub profiling: Option<Spanned<bool>>,
    pub essential: Option<Spanned<bool>>,
    pub consent_valid_for: Option<Text>,
    pub soft_opt_in: Option<Spanned<bool>>,
    pub sale_or_sharing: Option<Spanned<bool>>,
    pub reporting: Option<Spanned<bool>>,
    pub export_to: Option<TextList>,
}

/// One `[[recipient]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRecipient {
    pub id: Option<Text>,
    pub name: Option<Text>,
    pub role: Option<Text>,
    pub country: Option<Text>,
    pub safeguard: Option<Text>,
}

/// One `[[retention]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetention {
    pub categories: Option<TextList>,
    pub keep: Option<Text>,
    pub from: Option<Text>,
    pub then: Option<Text>,
}

/// One `[[hold]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHold {
    pub categories: Option<TextList>,
    pub law: Option<Text>,
    pub keep: Option<Text>,
    pub from: Option<Text>,
}

/// `[anonymity]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAnonymity {
    pub min_group_size: Option<Spanned<i64>>,
    pub noise: Option<Text>,
    pub epsilon: Option<Spanned<f64>>,
    pub budget: Option<Spanned<f64>>,
}

/// `[rights]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRights {
    pub answer_within: Option<Text>,
    pub extension: Option<Text>,
    pub verification: Option<Text>,
    pub first_handler: Option<Text>,
}

/// `[changes]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChanges {
    pub notice_period: Option<Text>,
}
