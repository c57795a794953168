//! The retention task (Art. 5(1)(e)): sweeps every tenant on an interval,
//! disposing of what the policy says is due by the engine's clock. Each
//! subject's sweep is one atomic change applied only if its records are
//! still there, so several servers sharing one database may sweep at once:
//! each record goes once, and the loser of a race skips it.

use std::sync::Arc;
use std::time::Duration;
use tutela_engine::Engine;

/// Runs a sweep of every tenant every `every` until `stop` fires; a failed
/// sweep is logged and the next one resumes where it left off (what is
/// still due is found again).
pub fn spawn(
    engine: Arc<Engine>,
    every: Duration,
    stop: tokio::sync::watch::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    crate::periodic::spawn(every, stop, move || {
        let engine = Arc::clone(&engine);
        async move {
            match engine.sweep_all(&|_| {}).await {
                Ok(r)
                    if r.subjects_swept > 0
                        || r.hold_ended > 0
                        || r.hold_extended > 0
                        || r.banner_choices > 0 =>
                {
                    tracing::info!(
                        subjects = r.subjects_swept,
                        erased = r.subjects_erased,
                        deleted = r.deleted,
                        anonymised = r.anonymised,
                        held = r.held,
                        hold_ended = r.hold_ended,
                        hold_extended = r.hold_extended,
                        skipped = r.skipped,
                        banner_choices = r.banner_choices,
                        "retention sweep"
                    );
                }
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "the retention sweep failed"),
            }
        }
    })
}
