//! The policy-notice task (Art. 12(1), 13(3)): on an interval, tells the
//! subjects affected by each tenant's pending policy version of its
//! material changes, through the server's notifier, before the version
//! takes effect. It does what `tutela policy notify` does, for every
//! tenant: who was told is recorded with each page's audit entry, so a
//! pass stopped by a failing notifier resumes where it stopped and tells
//! nobody twice on one server. Two servers running it at the same instant
//! may both tell a subject of the same page (at least once, not exactly
//! once, across servers); turn it off on all but one
//! (`policy_notice_interval_secs = 0`) to rule that out.

use std::sync::Arc;
use std::time::Duration;
use tutela_engine::principal::{Principal, Role};
use tutela_engine::{Engine, EngineError, MAX_NOTICES_PER_PAGE};

/// The actor the task's audit entries name.
pub const ACTOR: &str = "policy-notices";

/// Runs [`notify_all`] every `every` until `stop` fires; a failed pass is
/// logged and the next one resumes.
pub fn spawn(
    engine: Arc<Engine>,
    every: Duration,
    stop: tokio::sync::watch::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    crate::periodic::spawn(every, stop, move || {
        let engine = Arc::clone(&engine);
        async move {
            match notify_all(&engine).await {
                Ok(0) => {}
                Ok(told) => tracing::info!(subjects = told, "policy change notices sent"),
                Err(err) => {
                    tracing::warn!(error = %err, "the policy notice pass stopped; the next pass resumes")
                }
            }
        }
    })
}

/// One pass: for every tenant with a pending version, tells every affected
/// subject not yet told, page by page. Returns how many were told now.
/// A tenant whose notifier fails stops the pass there.
pub async fn notify_all(engine: &Engine) -> Result<u64, EngineError> {
    let mut told = 0;
    let now = engine.now();
    for tenant in engine.store().tenants().await? {
        if tenant.pending.is_none_or(|p| p.effective_at <= now) {
            continue;
        }
        let who = Principal {
            tenant: tenant.id,
            actor: ACTOR.to_owned(),
            role: Role::Dpo,
            purposes: Vec::new(),
            operator: tenant.operator,
        };
        loop {
            let progress = engine
                .notify_policy_change(&who, MAX_NOTICES_PER_PAGE)
                .await?;
            told += u64::from(progress.sent_now);
            if progress.done || progress.sent_now == 0 {
                break;
            }
        }
    }
    Ok(told)
}
