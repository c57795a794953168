//! Telling a data subject about their request: a verification code, a
//! refusal with its reason (Art. 12(4)), a fulfilment. The engine builds a
//! [`Message`] and hands it to a [`Notifier`]; the server provides the
//! delivering ones (an outbox directory, a signed webhook), tests a
//! [`MemoryNotifier`]. A message names the subject only by pseudonym: the
//! product that owns the subject's contact details delivers it.

use crate::ids::{RequestId, SubjectId, TenantId};
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Mutex;

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A one-time code to confirm the subject's identity.
    VerificationCode,
    /// The due date was extended, with the reason (Art. 12(3)).
    Extension,
    /// The request was refused; the subject may complain to the authority.
    Refusal,
    /// The request was fulfilled.
    Fulfilment,
    /// The privacy policy changes materially from a given time (Art. 13(3)).
    PolicyChange,
    /// A fee is charged for the request, with its reason (Art. 12(5)).
    Fee,
}

/// One message to a data subject about a request.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// A fresh id, so a receiver can drop a message delivered twice.
    pub id: String,
    /// Whose request.
    pub tenant: TenantId,
    /// Which request, for a message about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    /// The subject's pseudonym.
    pub subject: SubjectId,
    /// What it is about.
    pub kind: MessageKind,
    /// The request's kind (`erasure`, ...), for a message about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_kind: Option<&'static str>,
    /// For a policy change: the version, when it applies and what changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyNotice>,
    /// The one-time code, for a verification message only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// When the code expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_expires_at: Option<Timestamp>,
    /// Staff's reason, for a refusal, an extension or a fee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an extension: the new due date (Art. 12(3)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
    /// For a fee: the amount in minor units and the currency (Art. 12(5)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<FeeNotice>,
    /// For a refusal: where the person may complain, and that they may go
    /// to court (Art. 12(4), 77, 79).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remedies: Option<Remedies>,
    /// Who handles the request and how to reach them.
    pub handler_contact: String,
    /// When the engine made the message (its clock).
    pub at: Timestamp,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("tenant", &self.tenant)
            .field("request", &self.request)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What a policy-change message says: which version applies from when,
/// and each material change in a plain sentence (no personal value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyNotice {
    /// The new version.
    pub version: u32,
    /// When it applies.
    pub effective_at: Timestamp,
    /// The material changes, one sentence each.
    pub changes: Vec<String>,
}

/// What a fee message says besides its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeeNotice {
    /// The amount in the currency's minor unit (cents).
    pub amount_minor: i64,
    /// The ISO 4217 code.
    pub currency: String,
}

/// What a refusal must tell the person besides its reason (Art. 12(4)):
/// they may lodge a complaint with a supervisory authority (Art. 77) and
/// seek a judicial remedy (Art. 79). The authority is the one the policy
/// names in `[authority]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remedies {
    /// The supervisory authority's name.
    pub authority: String,
    /// Its website, when the policy gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_url: Option<String>,
    /// Its email address, when the policy gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_email: Option<String>,
    /// Both remedies in one plain English sentence, for a mailer that
    /// renders the message as it is.
    pub statement: String,
}

impl Remedies {
    /// The remedies under the policy's supervisory authority.
    pub fn of(authority: &tutela_policy::Authority) -> Self {
        Self {
            authority: authority.name.clone(),
            authority_url: authority.url.clone(),
            authority_email: authority.email.clone(),
            statement: format!(
                "You may lodge a complaint with a supervisory authority, such as {}, \
                 and you may seek a judicial remedy before a court.",
                authority.name
            ),
        }
    }
}

/// Why a message was not delivered; the cause is for logs.
#[derive(Debug, thiserror::Error)]
#[error("the message could not be delivered: {0}")]
pub struct NotifyError(pub String);

/// Delivers messages to data subjects.
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Delivers one message, or says why not.
    async fn send(&self, message: &Message) -> Result<(), NotifyError>;

    /// Drops every copy this notifier still holds of messages about the
    /// `subjects` just erased (Art. 17): a message can carry a refusal's or
    /// an extension's reason, and a file Tutela wrote must not keep it. A
    /// notifier that keeps nothing (a webhook: what it sent is the
    /// receiver's) has nothing to do. Called once per committed batch of
    /// erasures, not once per subject.
    async fn forget(&self, _subjects: &[SubjectId]) -> Result<(), NotifyError> {
        Ok(())
    }
}

/// Refuses every message: the engine's default until one is configured,
/// so a code is never silently dropped.
#[derive(Debug, Default)]
pub struct NoNotifier;

#[async_trait]
impl Notifier for NoNotifier {
    async fn send(&self, _: &Message) -> Result<(), NotifyError> {
        Err(NotifyError("no notifier is configured".into()))
    }
}

/// Keeps messages in memory, for tests and embedding.
#[derive(Debug, Default)]
pub struct MemoryNotifier {
    sent: Mutex<Vec<Message>>,
}

impl MemoryNotifier {
    /// Every message sent so far, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The last code sent for `request`.
    pub fn last_code(&self, request: RequestId) -> Option<String> {
        self.messages()
            .into_iter()
            .rev()
            .filter(|m| m.request == Some(request))
            .find_map(|m| m.code)
    }
}

#[async_trait]
impl Notifier for MemoryNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message.clone());
        Ok(())
    }
}
