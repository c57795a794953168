//! Sending a subject's portable data to another controller (Art. 20(2)).
//! The engine builds a [`Push`] and hands it to a [`Transferrer`]; the
//! server provides the HTTPS one (with the SSRF guard of [`address`]),
//! tests may provide their own. The URL is personal (the subject gave it):
//! implementations never log it nor put it in an error.

pub mod address;

use crate::ids::RequestId;
use async_trait::async_trait;
use jiff::Timestamp;

/// One push of portable data.
pub struct Push<'a> {
    /// Where to: the URL the subject gave (never logged).
    pub url: &'a str,
    /// The request it fulfils: the idempotency key (`webhook-id`), the
    /// same on every attempt, so a receiver can drop a repeat.
    pub request: RequestId,
    /// The JSON body (the portability export).
    pub body: &'a [u8],
    /// When it is sent, by the engine's clock (`webhook-timestamp`).
    pub at: Timestamp,
}

impl std::fmt::Debug for Push<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Push")
            .field("request", &self.request)
            .field("bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Why a push did not succeed. The text says why without the URL; it goes
/// to the caller and on the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// The URL or an address it resolves to is not allowed (not https, an
    /// IP literal, a non-public address): sending was not attempted.
    #[error("{0}")]
    Refused(String),
    /// Sending was attempted and failed (DNS, connection, timeout, or an
    /// answer other than 2xx).
    #[error("{0}")]
    Failed(String),
}

/// Sends portable data to another controller.
#[async_trait]
pub trait Transferrer: Send + Sync + std::fmt::Debug {
    /// POSTs the push; the 2xx status answered, or why not.
    async fn push(&self, push: &Push<'_>) -> Result<u16, PushError>;
}

/// Sends nothing: the engine's default until one is configured, so a
/// transfer is never reported done when it was not.
#[derive(Debug, Default)]
pub struct NoTransferrer;

#[async_trait]
impl Transferrer for NoTransferrer {
    async fn push(&self, _: &Push<'_>) -> Result<u16, PushError> {
        Err(PushError::Failed("no transfer sender is configured".into()))
    }
}
