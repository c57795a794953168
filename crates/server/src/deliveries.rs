//! The delivery task (Art. 19): claims each tenant's due notices, POSTs
//! them signed per Standard Webhooks (`webhook-id` = the notice's id,
//! `webhook-timestamp` from the engine's clock, `webhook-signature` by
//! [`crate::notifiers::signature`]) and records each outcome, which
//! schedules retries with backoff. A claim is a lease ([`LEASE`]), so
//! several servers on one database never send a notice twice while it
//! holds. [`run_once`] is one pass; [`spawn`] repeats it on an interval.
//!
//! The endpoint is a tenant's URL dialled by the operator's server, so it
//! gets the transfers' guard against server-side request forgery: the
//! host is resolved by [`GuardedResolver`] and only public addresses are
//! dialled (loopback too under the test transport), no proxy, no
//! redirect, and the URL is checked again before each send, so an
//! endpoint stored before a rule tightened is not dialled either.

use crate::notifiers::signature;
use crate::transfers::{CONNECT_TIMEOUT, GuardedResolver, address_rule};
use jiff::SignedDuration;
use std::sync::Arc;
use std::time::Duration;
use tutela_engine::deliveries::DeliveryState;
use tutela_engine::deliveries::endpoint::{EndpointUrl, Transport};
use tutela_engine::{Engine, EngineError, Outgoing};

/// How long a sender holds the notices it claimed: longer than a pass's
/// sends take (each at most [`SEND_TIMEOUT`]).
pub const LEASE: SignedDuration = SignedDuration::from_secs(300);
/// Notices claimed per tenant per round.
pub const BATCH: u32 = 20;
/// The longest wait for one recipient's answer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Accepted by their recipient.
    pub delivered: u32,
    /// Failed, to be retried later.
    pub retried: u32,
    /// Failed for the last time.
    pub failed: u32,
}

/// Sends notices over HTTP; redirects are not followed, so a notice never
/// leaves the registered URL (nor HTTPS).
#[derive(Debug, Clone)]
pub struct Sender {
    client: reqwest::Client,
    transport: Transport,
}

impl Sender {
    /// A sender with [`SEND_TIMEOUT`] per attempt, dialling only the
    /// addresses `transport` allows.
    pub fn new(transport: Transport) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(SEND_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver::new(address_rule(transport))))
            .build()?;
        Ok(Self { client, transport })
    }

    /// POSTs one notice; the status answered, 0 for none (or no endpoint).
    async fn send(&self, engine: &Engine, item: &Outgoing) -> u16 {
        let Some((url, secret)) = &item.endpoint else {
            return 0;
        };
        let id = item.row.id.to_string();
        if let Err(why) = EndpointUrl::parse(url, self.transport) {
            tracing::warn!(delivery = %id, reason = why, "a recipient's endpoint may not be dialled; the notice was not sent");
            return 0;
        }
        let timestamp = engine.now().as_second();
        let signed = signature(secret, &id, timestamp, &item.body);
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(item.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => response.status().as_u16(),
            Err(err) => {
                tracing::warn!(error = %err.without_url(), delivery = %id, "a notice to a recipient got no answer");
                0
            }
        }
    }
}

/// One pass over every tenant: claim what is due, send it, record it,
/// until nothing due is left.
pub async fn run_once(engine: &Engine, sender: &Sender) -> Result<PassReport, EngineError> {
    let mut report = PassReport::default();
    for tenant in engine.delivery_tenants().await? {
        loop {
            let claimed = engine.claim_deliveries(&tenant, LEASE, BATCH).await?;
            if claimed.is_empty() {
                break;
            }
            for item in &claimed {
                let status = sender.send(engine, item).await;
                let outcome = engine.finish_delivery(&item.row, status).await?;
                match outcome.state {
                    DeliveryState::Delivered => report.delivered += 1,
                    DeliveryState::Pending => report.retried += 1,
                    DeliveryState::Failed => report.failed += 1,
                }
            }
        }
    }
    Ok(report)
}

/// Runs [`run_once`] every `every` until `stop` fires; a failed pass is
/// logged and the next one tries again.
pub fn spawn(
    engine: Arc<Engine>,
    every: Duration,
    transport: Transport,
    stop: tokio::sync::watch::Receiver<()>,
) -> Result<tokio::task::JoinHandle<()>, reqwest::Error> {
    let sender = Arc::new(Sender::new(transport)?);
    Ok(crate::periodic::spawn(every, stop, move || {
        let (engine, sender) = (Arc::clone(&engine), Arc::clone(&sender));
        async move {
            match run_once(&engine, &sender).await {
                Ok(r) if r != PassReport::default() => {
                    tracing::info!(
                        delivered = r.delivered,
                        retried = r.retried,
                        failed = r.failed,
                        "notices to recipients sent"
                    );
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "the delivery pass failed"),
            }
        }
    }))
}
